import Foundation
import Testing

/// WATCH and UNWATCH: two clients on kv and two on a real redis-server run the same steps, and
/// every reply must match (EXEC's null array when a watched key changed, in RESP2 and RESP3);
/// then redis-py's `transaction()` retries a contended counter as applications use it.
@Suite(.serialized) struct WatchTests {
    /// One step: which client (0 or 1) sends what; `sleep` pauses before it (expiry).
    struct Step {
        var client: Int
        var command: [String]
        var sleep: Double = 0
    }

    static func a(_ command: String...) -> Step { Step(client: 0, command: command) }
    static func b(_ command: String...) -> Step { Step(client: 1, command: command) }

    static let scenarios: [(name: String, steps: [Step])] = [
        ("another client's write aborts", [a("SET", "k", "1"), a("WATCH", "k"), b("SET", "k", "2"), a("MULTI"),
                                          a("SET", "k", "3"), a("EXEC"), a("GET", "k")]),
        ("no change: EXEC runs", [a("WATCH", "k"), a("MULTI"), a("INCR", "k"), a("EXEC"), a("GET", "k")]),
        ("creating a watched missing key aborts", [a("DEL", "k"), a("WATCH", "k"), b("SET", "k", "x"), a("MULTI"),
                                                  a("PING"), a("EXEC")]),
        ("deleting aborts", [a("SET", "k", "1"), a("WATCH", "k"), b("DEL", "k"), a("MULTI"), a("PING"), a("EXEC")]),
        ("a delete of nothing does not", [a("DEL", "k"), a("WATCH", "k"), b("DEL", "k"), a("MULTI"), a("PING"), a("EXEC")]),
        ("another key's write does not", [a("WATCH", "k"), b("SET", "other", "x"), a("MULTI"), a("PING"), a("EXEC")]),
        ("own write before MULTI aborts", [a("WATCH", "k"), a("SET", "k", "mine"), a("MULTI"), a("PING"), a("EXEC")]),
        ("EXPIRE aborts", [a("SET", "k", "1"), a("WATCH", "k"), b("EXPIRE", "k", "100"), a("MULTI"), a("PING"), a("EXEC")]),
        ("hash field write aborts", [a("DEL", "h"), a("HSET", "h", "f", "1"), a("WATCH", "h"), b("HSET", "h", "g", "2"),
                                     a("MULTI"), a("HGETALL", "h"), a("EXEC")]),
        ("hash read does not", [a("HSET", "h", "f", "1"), a("WATCH", "h"), b("HGETALL", "h"), a("MULTI"), a("HGET", "h", "f"), a("EXEC")]),
        ("FLUSHALL of a watched key aborts", [a("SET", "k", "1"), a("WATCH", "k"), b("FLUSHALL"), a("MULTI"), a("PING"), a("EXEC")]),
        ("FLUSHALL of a missing watched key does not", [a("FLUSHALL"), a("WATCH", "k"), b("SET", "z", "1"), b("FLUSHALL"),
                                                         a("MULTI"), a("PING"), a("EXEC")]),
        ("UNWATCH forgets", [a("WATCH", "k"), a("UNWATCH"), b("SET", "k", "2"), a("MULTI"), a("PING"), a("EXEC")]),
        ("DISCARD forgets", [a("WATCH", "k"), a("MULTI"), a("DISCARD"), b("SET", "k", "3"), a("MULTI"), a("PING"), a("EXEC")]),
        ("EXEC forgets", [a("WATCH", "k"), a("MULTI"), a("EXEC"), b("SET", "k", "4"), a("MULTI"), a("PING"), a("EXEC")]),
        ("WATCH inside MULTI is refused, the transaction stands", [a("MULTI"), a("WATCH", "k"), a("PING"), a("EXEC")]),
        ("UNWATCH inside MULTI is queued", [a("WATCH", "k"), a("MULTI"), a("UNWATCH"), a("EXEC")]),
        ("a refused command wins over a changed key", [a("WATCH", "k"), b("SET", "k", "5"), a("MULTI"), a("NOSUCH"), a("EXEC")]),
        ("several keys, one changed", [a("WATCH", "k", "k2", "k3"), b("SET", "k3", "x"), a("MULTI"), a("PING"), a("EXEC")]),
        ("WATCH twice, one unwatch", [a("WATCH", "k"), a("WATCH", "k"), a("UNWATCH"), b("SET", "k", "y"), a("MULTI"), a("EXEC")]),
        ("a key that expires after WATCH aborts", [a("SET", "t", "v", "PX", "100"), a("WATCH", "t"),
                                                   Step(client: 0, command: ["MULTI"], sleep: 0.3), a("PING"), a("EXEC")]),
        ("RESET forgets", [a("WATCH", "k"), a("RESET"), b("SET", "k", "z"), a("MULTI"), a("PING"), a("EXEC")]),
        ("WATCH needs a key", [a("WATCH"), a("UNWATCH", "x")]),
    ]

    @Test(arguments: [2, 3]) func watchAnswersAsRedisDoes(protocolVersion: Int) throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let kvServer = try ServerProcess().start()
        let redisServer = try RedisServerProcess()
        var mismatches: [String] = []
        for scenario in Self.scenarios {
            let kv = try (0..<2).map { _ in try RESPSession(port: kvServer.port, protocolVersion: protocolVersion) }
            let redis = try (0..<2).map { _ in try RESPSession(port: redisServer.port, protocolVersion: protocolVersion) }
            for step in scenario.steps {
                if step.sleep > 0 { Thread.sleep(forTimeInterval: step.sleep) }
                let expected = try redis[step.client].call(step.command)
                let actual = try kv[step.client].call(step.command)
                if expected != actual {
                    mismatches.append("\(scenario.name): \(step.command.joined(separator: " ")): redis \(expected), kv \(actual)")
                }
            }
        }
        #expect(mismatches.isEmpty, Comment(rawValue: mismatches.joined(separator: "\n")))
    }

    /// A client that disconnects while watching is forgotten (under the lock, at close) and the
    /// others go on watching the same key.
    @Test func aClientThatDisconnectsWhileWatchingLeavesTheOthersWorking() throws {
        let server = try ServerProcess().start()
        do {
            let gone = try RESPSession(port: server.port)
            _ = try gone.call(["WATCH", "k"])
        }
        let other = try RESPSession(port: server.port)
        #expect(try other.call(["SET", "k", "1"]) == .simple("+OK"))
        #expect(try other.call(["WATCH", "k"]) == .simple("+OK"))
        #expect(try other.call(["MULTI"]) == .simple("+OK"))
        #expect(try other.call(["GET", "k"]) == .simple("+QUEUED"))
        #expect(try other.call(["EXEC"]) == .aggregate("*", [.bulk("$", Array("1".utf8))]))
    }

    /// redis-py's optimistic-locking helper: four processes each add 50 to one counter with
    /// WATCH/MULTI/EXEC retries; no increment is lost.
    @Test func redisPyTransactionsLoseNoIncrement() throws {
        let server = try ServerProcess().start()
        let script = """
            import redis, sys, multiprocessing
            def worker(port):
                r = redis.Redis(port=port)
                for _ in range(50):
                    def add(pipe):
                        value = int(pipe.get("counter") or 0)
                        pipe.multi()
                        pipe.set("counter", value + 1)
                    r.transaction(add, "counter")
            if __name__ == "__main__":
                port = int(sys.argv[1])
                workers = [multiprocessing.Process(target=worker, args=(port,)) for _ in range(4)]
                for w in workers: w.start()
                for w in workers: w.join()
                print(redis.Redis(port=port).get("counter").decode())
            """
        let result = try Tool.run("python3", ["-c", script, String(server.port)], timeout: 120)
        #expect(result.output == "200", "counter after 4 × 50 transactional increments: \(result.output) (status \(result.status))")
    }
}
