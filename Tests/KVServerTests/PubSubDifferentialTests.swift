import Foundation
import Testing

/// Pub/Sub against a real redis-server: the same steps sent to both by the same clients
/// (two subscribers and a publisher), and after each step every frame each client received
/// compared, in RESP2 and in RESP3 — subscriptions, messages from channels, patterns and shard
/// channels, subscriber-mode errors, PUBSUB introspection, RESET, MULTI.
@Suite(.serialized) struct PubSubDifferentialTests {
    /// One step: which client (0 and 1 subscribe, 2 publishes) sends what.
    typealias Step = (client: Int, command: [String])

    static let script: [Step] = [
        (0, ["SUBSCRIBE", "news"]), (0, ["SUBSCRIBE", "news", "sport"]), (1, ["PSUBSCRIBE", "n*", "s?ort"]),
        (2, ["PUBLISH", "news", "hello"]), (2, ["PUBLISH", "sport", "goal"]), (2, ["PUBLISH", "nothing", "x"]),
        (2, ["PUBLISH", "other", "x"]), (2, ["PUBLISH", "news", "with spaces\r\nand lines"]),
        (0, ["GET", "k"]), (0, ["SET", "k", "v"]), (0, ["PING"]), (0, ["PING", "hi"]), (0, ["PING", "a", "b"]),
        (1, ["PUBSUB", "NUMPAT"]), (2, ["PUBSUB", "NUMPAT"]), (2, ["PUBSUB", "NUMSUB", "news", "sport", "none"]),
        (2, ["PUBSUB", "NUMSUB"]), (2, ["PUBSUB", "CHANNELS", "n*"]), (2, ["PUBSUB", "CHANNELS", "zzz*"]),
        (0, ["SSUBSCRIBE", "shard1"]), (2, ["SPUBLISH", "shard1", "m1"]), (2, ["PUBLISH", "shard1", "m2"]),
        (2, ["SPUBLISH", "news", "m3"]), (2, ["PUBSUB", "SHARDCHANNELS"]), (2, ["PUBSUB", "SHARDNUMSUB", "shard1", "x"]),
        (0, ["SUNSUBSCRIBE"]), (0, ["SUNSUBSCRIBE"]), (0, ["UNSUBSCRIBE", "sport"]), (0, ["UNSUBSCRIBE", "never"]),
        (0, ["UNSUBSCRIBE", "news"]), (0, ["UNSUBSCRIBE"]), (0, ["PUNSUBSCRIBE"]), (0, ["GET", "k"]), (0, ["PING"]),
        (1, ["PUNSUBSCRIBE", "s?ort"]), (2, ["PUBLISH", "sport", "nobody"]), (1, ["PUNSUBSCRIBE"]),
        (2, ["PUBSUB", "NUMPAT"]),
        (0, ["SUBSCRIBE", "again"]), (0, ["RESET"]), (2, ["PUBSUB", "NUMSUB", "again"]), (2, ["PUBLISH", "again", "x"]),
        (0, ["GET", "k"]),
        (0, ["MULTI"]), (0, ["SUBSCRIBE", "tx1", "tx2"]), (0, ["EXEC"]), (2, ["PUBLISH", "tx2", "after exec"]),
        (0, ["MULTI"]), (0, ["UNSUBSCRIBE", "tx1"]), (0, ["UNSUBSCRIBE", "tx2"]), (0, ["RESET"]),
        (1, ["SSUBSCRIBE", "a", "b", "a"]), (1, ["SUNSUBSCRIBE", "b"]), (1, ["SUNSUBSCRIBE", "a"]),
        (2, ["SUBSCRIBE"]), (2, ["PSUBSCRIBE"]), (2, ["SSUBSCRIBE"]), (2, ["PUBLISH", "a"]), (2, ["SPUBLISH", "a"]),
        (2, ["PUBSUB"]), (2, ["PUBSUB", "FOO"]), (2, ["PUBSUB", "NUMPAT", "x"]),
        (2, ["UNSUBSCRIBE"]), (2, ["PUNSUBSCRIBE", "x"]), (2, ["SUNSUBSCRIBE", "y"]),
    ]

    /// Replies whose order is Redis's hash table's: compared as sets.
    static let unorderedSteps: Set<[String]> = [["PUBSUB", "SHARDCHANNELS"]]

    @Test(arguments: [2, 3]) func messageSequencesMatchRedis(version: Int) throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let kv = try ServerProcess().start()
        let redis = try RedisServerProcess()
        let kvClients = try (0..<3).map { try RESPSession(port: kv.port, protocolVersion: $0 == 2 ? 2 : version) }
        let redisClients = try (0..<3).map { try RESPSession(port: redis.port, protocolVersion: $0 == 2 ? 2 : version) }
        var mismatches: [String] = []
        // A client between MULTI and EXEC would queue the fence: its replies are read one by one.
        var inTransaction: Set<Int> = []
        for (index, step) in Self.script.enumerated() {
            kvClients[step.client].send(step.command)
            redisClients[step.client].send(step.command)
            let name = step.command[0].uppercased()
            if name == "EXEC" || name == "RESET" || name == "DISCARD" { inTransaction.remove(step.client) }
            for client in 0..<3 {
                var expected: [RESPReply], actual: [RESPReply]
                if inTransaction.contains(client) || (client == step.client && name == "MULTI") {
                    expected = [try redisClients[client].read()]
                    actual = [try kvClients[client].read()]
                    if name == "MULTI" && expected == [.simple("+OK")] { inTransaction.insert(client) }
                } else {
                    expected = try Self.drain(redisClients[client])
                    actual = try Self.drain(kvClients[client])
                }
                if client == step.client && Self.unorderedSteps.contains(step.command) {
                    expected = expected.map(\.unordered)
                    actual = actual.map(\.unordered)
                }
                if expected != actual {
                    mismatches.append("step \(index) client \(step.client) \(step.command.joined(separator: " ")), client \(client) received:\n  redis: \(expected)\n  kv:    \(actual)")
                }
            }
        }
        #expect(mismatches.isEmpty, Comment(rawValue: "RESP\(version): \(mismatches.count) differences:\n" + mismatches.prefix(20).joined(separator: "\n")))
    }

    /// Every frame a client received up to the answer to a PING sent now (in subscriber mode
    /// the answer is `pong` and the argument; else the argument).
    static func drain(_ session: RESPSession) throws -> [RESPReply] {
        session.send(["PING", "fence"])
        var frames: [RESPReply] = []
        while true {
            let reply = try session.read()
            if reply == .bulk("$", Array("fence".utf8))
                || reply == .aggregate("*", [.bulk("$", Array("pong".utf8)), .bulk("$", Array("fence".utf8))]) {
                return frames
            }
            frames.append(reply)
        }
    }

    /// HELLO switches subscriber mode with the protocol: refused in RESP2 subscriber mode;
    /// from RESP3 to RESP2 while subscribed, later commands meet the subscriber-mode error.
    @Test func helloAndSubscriberMode() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let kv = try ServerProcess().start()
        let redis = try RedisServerProcess()
        var transcripts: [[RESPReply]] = []
        for port in [kv.port, redis.port] {
            var transcript: [RESPReply] = []
            let resp2 = try RESPSession(port: port)
            transcript.append(try resp2.call(["SUBSCRIBE", "a"]))
            transcript.append(try resp2.call(["HELLO", "3"]))
            let resp3 = try RESPSession(port: port, protocolVersion: 3)
            transcript.append(try resp3.call(["SUBSCRIBE", "a"]))
            _ = try resp3.call(["HELLO", "2"])  // its id differs between the servers
            for command in [["GET", "k"], ["PING"], ["UNSUBSCRIBE"], ["GET", "k"], ["HELLO", "3", "SETNAME", "x"]] {
                transcript.append(try resp3.call(command))
            }
            transcripts.append(transcript.map { reply in
                // HELLO's map carries the connection id: keep its shape only.
                if case let .aggregate(type, items) = reply, items.count == 14 { return .aggregate(type, []) }
                return reply
            })
        }
        #expect(transcripts[0] == transcripts[1], "kv \(transcripts[0])\nredis \(transcripts[1])")
    }

    /// CLIENT LIST's sub=, psub=, ssub= and flag P; INFO's pubsub fields as Redis 7.0 has them.
    @Test func clientListAndInfoShowSubscriptions() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let kv = try ServerProcess().start()
        let redis = try RedisServerProcess()
        for port in [kv.port, redis.port] {
            let subscriber = try RESPSession(port: port)
            _ = try subscriber.call(["SUBSCRIBE", "a", "b"])
            _ = try subscriber.read()
            _ = try subscriber.call(["PSUBSCRIBE", "p*"])
            _ = try subscriber.call(["SSUBSCRIBE", "s"])
            let other = try RESPSession(port: port)
            guard case let .bulk(_, bytes) = try other.call(["CLIENT", "LIST"]) else { throw HarnessError("no CLIENT LIST") }
            let line = String(decoding: bytes, as: UTF8.self).split(separator: "\n").first { $0.contains("sub=2") }
            #expect(line?.contains("flags=P ") == true, "\(port): \(String(decoding: bytes, as: UTF8.self))")
            #expect(line?.contains("sub=2 psub=1 ssub=1 ") == true)
            guard case let .bulk(_, info) = try other.call(["INFO", "stats"]) else { throw HarnessError("no INFO") }
            let fields = String(decoding: info, as: UTF8.self).split(whereSeparator: \.isNewline).filter { $0.hasPrefix("pubsub") }
            #expect(fields == ["pubsub_channels:2", "pubsub_patterns:1", "pubsubshard_channels:1"], "\(port)")
            guard case let .bulk(_, listed) = try other.call(["CLIENT", "LIST", "TYPE", "pubsub"]) else { throw HarnessError("no CLIENT LIST") }
            #expect(String(decoding: listed, as: UTF8.self).split(separator: "\n").count == 1, "\(port): only the subscriber is of type pubsub")
            #expect(try other.call(["CLIENT", "KILL", "TYPE", "pubsub"]) == .simple(":1"), "\(port)")
            // kv drops a killed client's subscriptions as its connection closes, on its own loop.
            let none = RESPReply.aggregate("*", [.bulk("$", Array("a".utf8)), .simple(":0")])
            let deadline = Date().addingTimeInterval(2)
            while try other.call(["PUBSUB", "NUMSUB", "a"]) != none && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
            #expect(try other.call(["PUBSUB", "NUMSUB", "a"]) == none)
        }
    }
}
