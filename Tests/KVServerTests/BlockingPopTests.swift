import Foundation
import Testing

/// Blocking pops with several clients: each scenario runs on kv and on a real redis-server,
/// every reply compared (who is served, in which order, what a timeout answers); then a
/// redis-py work queue whose consumers block, time out and disconnect loses and repeats no job.
@Suite(.serialized) struct BlockingPopTests {
    /// One step: client `client` sends `command`; `wait` false sends without reading (the
    /// client blocks), and `read` reads a reply a blocked client got.
    struct Step {
        var client: Int
        var command: [String] = []
        var wait = true
        var read = false
        var sleep = 0.0
    }

    static func run(_ client: Int, _ command: String...) -> Step { Step(client: client, command: command) }
    static func block(_ client: Int, _ command: String...) -> Step { Step(client: client, command: command, wait: false) }
    static func answer(_ client: Int) -> Step { Step(client: client, read: true) }

    static let scenarios: [(name: String, steps: [Step])] = [
        ("a push serves a blocked BLPOP", [block(0, "BLPOP", "q", "5"), run(1, "RPUSH", "q", "x", "y"), answer(0), run(1, "LRANGE", "q", "0", "-1")]),
        ("the first key with data wins", [run(1, "RPUSH", "q2", "b"), run(0, "BLPOP", "q1", "q2", "1"), run(0, "BRPOP", "q1", "q2", "0.1")]),
        ("clients are served in the order they blocked", [
            block(0, "BRPOP", "f", "5"), block(1, "BRPOP", "f", "5"), run(2, "RPUSH", "f", "1", "2", "3"),
            answer(0), answer(1), run(2, "LRANGE", "f", "0", "-1")]),
        ("a timeout answers a null array", [run(0, "BLPOP", "none", "0.2"), run(0, "BRPOPLPUSH", "none", "d", "0.1"),
                                            run(0, "BLMOVE", "none", "d", "LEFT", "RIGHT", "0.1"), run(0, "BZPOPMIN", "none", "0.1")]),
        ("a blocked BLMOVE is served and pushes", [block(0, "BLMOVE", "src", "dst", "LEFT", "RIGHT", "5"),
                                                   run(1, "RPUSH", "src", "v1", "v2"), answer(0), run(1, "LRANGE", "dst", "0", "-1"),
                                                   run(1, "LRANGE", "src", "0", "-1")]),
        ("a chain: BRPOPLPUSH serves a BLPOP on its destination", [
            block(0, "BRPOPLPUSH", "c1", "c2", "5"), block(1, "BLPOP", "c2", "5"), run(2, "LPUSH", "c1", "job"),
            answer(0), answer(1), run(2, "EXISTS", "c1", "c2")]),
        ("BZPOPMIN and BZPOPMAX", [block(0, "BZPOPMIN", "z", "5"), run(1, "ZADD", "z", "2", "b", "1", "a", "3", "c"), answer(0),
                                    run(1, "BZPOPMAX", "z", "1"), run(1, "ZRANGE", "z", "0", "-1", "WITHSCORES")]),
        ("BLMPOP and BZMPOP", [block(0, "BLMPOP", "5", "2", "m1", "m2", "RIGHT", "COUNT", "2"), run(1, "RPUSH", "m2", "a", "b", "c"),
                               answer(0), run(1, "BZMPOP", "0.1", "1", "mz", "MIN"), run(1, "ZADD", "mz", "1", "x"),
                               run(1, "BZMPOP", "1", "1", "mz", "MAX", "COUNT", "5")]),
        ("inside MULTI nothing blocks", [run(0, "MULTI"), run(0, "BLPOP", "empty", "0"), run(0, "BZPOPMIN", "empty", "0"), run(0, "EXEC")]),
        ("a push inside EXEC serves after it", [block(0, "BLPOP", "t", "5"), run(1, "MULTI"), run(1, "RPUSH", "t", "1"),
                                                run(1, "RPUSH", "t", "2"), run(1, "EXEC"), answer(0), run(1, "LRANGE", "t", "0", "-1")]),
        ("a key of another type", [run(1, "SET", "str", "x"), run(0, "BLPOP", "str", "1"), run(0, "BZPOPMIN", "str", "1"),
                                   run(0, "BLPOP", "missing", "str", "1")]),
        ("a blocked client waits out another type", [block(0, "BLPOP", "wt", "0.5"), run(1, "SET", "wt", "x"), answer(0)]),
        ("argument errors", [run(0, "BLPOP", "q", "x"), run(0, "BLPOP", "q", "-1"), run(0, "BLMOVE", "a", "b", "UP", "LEFT", "1"),
                             run(0, "BLMPOP", "1", "0", "k", "LEFT"), run(0, "BZMPOP", "1", "1", "k", "SIDEWAYS"),
                             run(0, "BLPOP", "q"), run(0, "BRPOPLPUSH", "a", "b")]),
    ]

    @Test(arguments: [2, 3]) func blockingPopsAnswerAsRedisDoes(protocolVersion: Int) throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let kvServer = try ServerProcess().start()
        let redisServer = try RedisServerProcess()
        var mismatches: [String] = []
        for scenario in Self.scenarios {
            let kv = try (0..<3).map { _ in try RESPSession(port: kvServer.port, protocolVersion: protocolVersion) }
            let redis = try (0..<3).map { _ in try RESPSession(port: redisServer.port, protocolVersion: protocolVersion) }
            for step in scenario.steps {
                if step.read {
                    let (expected, actual) = (try redis[step.client].read(), try kv[step.client].read())
                    if expected != actual { mismatches.append("\(scenario.name): client \(step.client)'s answer: redis \(expected), kv \(actual)") }
                } else if !step.wait {
                    redis[step.client].send(step.command)
                    kv[step.client].send(step.command)
                    Thread.sleep(forTimeInterval: 0.1)  // blocked before the next client acts
                } else {
                    let expected = try redis[step.client].call(step.command)
                    let actual = try kv[step.client].call(step.command)
                    if expected != actual {
                        mismatches.append("\(scenario.name): \(step.command.joined(separator: " ")): redis \(expected), kv \(actual)")
                    }
                }
            }
            _ = try kv[2].call(["FLUSHALL"])
            _ = try redis[2].call(["FLUSHALL"])
        }
        #expect(mismatches.isEmpty, Comment(rawValue: mismatches.joined(separator: "\n")))
    }

    /// A client that disconnects while blocked is forgotten: the next push stays in the list.
    @Test func aDisconnectedClientIsNotServed() throws {
        let server = try ServerProcess().start()
        do {
            let gone = try RESPSession(port: server.port)
            gone.send(["BLPOP", "q", "0"])
            Thread.sleep(forTimeInterval: 0.1)
        }
        Thread.sleep(forTimeInterval: 0.2)
        let other = try RESPSession(port: server.port)
        #expect(try other.call(["RPUSH", "q", "kept"]) == .simple(":1"))
        #expect(try other.call(["LRANGE", "q", "0", "-1"]) == .aggregate("*", [.bulk("$", Array("kept".utf8))]))
    }

    /// On a replica a blocking pop is a write: READONLY, as in Redis.
    @Test func aReplicaRefusesBlockingPops() throws {
        let primary = try ServerProcess().start()
        let replica = try ServerProcess(hostname: "kv-1").start(extra: [
            "--primary", "127.0.0.1:\(primary.port)", "--clone-from", "127.0.0.1:\(primary.port)"])
        let session = try RESPSession(port: replica.port)
        guard case let .simple(line) = try session.call(["BLPOP", "q", "1"]) else { Issue.record("BLPOP on a replica"); return }
        #expect(line.hasPrefix("-READONLY"))
    }

    /// A redis-py work queue: three consumers BRPOP with a 1 s timeout (retrying), one of them
    /// killed while blocked; a producer pushes 300 jobs. Every job is consumed exactly once.
    @Test func aRedisPyWorkQueueLosesAndRepeatsNothing() throws {
        let server = try ServerProcess().start()
        let script = """
            import os, redis, signal, sys, time, multiprocessing
            def consume(port, name, stop_after):
                r = redis.Redis(port=port)
                while True:
                    item = r.brpop(["jobs"], timeout=1)
                    if item is None:
                        if r.get("done"): return
                        continue
                    job = item[1].decode()
                    if job == "stop":
                        return
                    r.rpush("seen", job)
            def victim(port):
                redis.Redis(port=port).brpop(["jobs"], timeout=0)  # blocks until killed
            if __name__ == "__main__":
                port = int(sys.argv[1])
                r = redis.Redis(port=port)
                doomed = multiprocessing.Process(target=victim, args=(port,))
                doomed.start()
                time.sleep(0.3)
                os.kill(doomed.pid, signal.SIGKILL)
                doomed.join()
                consumers = [multiprocessing.Process(target=consume, args=(port, i, 0)) for i in range(3)]
                for c in consumers: c.start()
                for i in range(300):
                    r.lpush("jobs", "job-%d" % i)
                r.set("done", "1")
                for c in consumers: c.join(30)
                seen = [x.decode() for x in r.lrange("seen", 0, -1)]
                print(len(seen), len(set(seen)), r.llen("jobs"))
            """
        let result = try Tool.run("python3", ["-c", script, String(server.port)], timeout: 120)
        #expect(result.output == "300 300 0", "consumed, distinct, left: \(result.output) (status \(result.status))")
    }
}

/// Found by review: commands that must not crash or hold the server.
@Suite struct BlockingAndRandomLimitsTests {
    /// A key count past every argument (as large as an Int) is LMPOP's/ZMPOP's error, never
    /// an overflow; a huge negative count for HRANDFIELD/ZRANDMEMBER is refused at once.
    @Test func hugeCountsAreRefused() throws {
        let server = try ServerProcess().start()
        let session = try RESPSession(port: server.port)
        for command in [["BLMPOP", "0", "9223372036854775807", "k", "LEFT"], ["BZMPOP", "0", "9223372036854775806", "k", "MIN"]] {
            guard case let .simple(line) = try session.call(command) else { Issue.record("\(command[0])"); continue }
            #expect(line.hasPrefix("-ERR"), "\(command[0]): \(line)")
        }
        _ = try session.call(["HSET", "h", "f", "v"])
        _ = try session.call(["ZADD", "z", "1", "m"])
        #expect(try session.call(["HRANDFIELD", "h", "-1000000000000"]) == .simple("-ERR count is too large"))
        #expect(try session.call(["ZRANDMEMBER", "z", "-1000000000000"]) == .simple("-ERR count is too large"))
        #expect(try session.call(["PING"]) == .simple("+PONG"))
    }

    /// A client that blocks and disconnects before its batch's replies left (they wait for the
    /// log under --fsync always) is still taken out: the next push stays in the list.
    @Test func aClientGoneBeforeItsBlockStartedIsNotServed() throws {
        let server = try ServerProcess(arguments: ["--fsync", "always"]).start()
        for _ in 0..<20 {
            let gone = try RESPSession(port: server.port)
            // A write first, so the batch's replies wait for the fsync; then the block; then gone.
            gone.send(["SET", "w", "1"])
            gone.send(["BLPOP", "q", "0"])
        }
        Thread.sleep(forTimeInterval: 0.3)
        let other = try RESPSession(port: server.port)
        #expect(try other.call(["RPUSH", "q", "kept"]) == .simple(":1"))
        #expect(try other.call(["LLEN", "q"]) == .simple(":1"))
    }
}
