import Foundation
import Testing

/// Sixteen databases against a real redis-server, byte for byte in RESP2 and RESP3: SELECT,
/// the per-database commands, MOVE, SWAPDB, COPY … DB, FLUSHDB and FLUSHALL; then the
/// databases surviving a kill -9 and reaching a replica.
@Suite(.serialized) struct DatabaseDifferentialTests {
    static let script: [[String]] = [
        ["SELECT", "1"], ["SET", "k", "in-1"], ["HSET", "h", "f", "v"], ["DBSIZE"], ["GET", "k"],
        ["SELECT", "0"], ["GET", "k"], ["DBSIZE"], ["SET", "k", "in-0"], ["EXISTS", "h"],
        ["SELECT", "15"], ["SET", "last", "x"], ["SELECT", "16"], ["SELECT", "-1"], ["SELECT", "x"], ["SELECT", "1.5"],
        ["SELECT", "2"], ["SET", "two", "2"], ["KEYS", "*"], ["SCAN", "0", "COUNT", "100"], ["RANDOMKEY"],
        // MOVE
        ["SELECT", "1"], ["MOVE", "k", "2"], ["MOVE", "k", "2"], ["MOVE", "nokey", "2"], ["MOVE", "h", "3"],
        ["MOVE", "h", "1"], ["MOVE", "x", "16"], ["MOVE", "x", "abc"], ["SELECT", "3"], ["HGETALL", "h"],
        ["SET", "clash", "3"], ["SELECT", "2"], ["SET", "clash", "2"], ["MOVE", "clash", "3"], ["GET", "clash"],
        ["SET", "ttl", "v", "EX", "1000"], ["MOVE", "ttl", "4"], ["SELECT", "4"], ["TTL", "ttl"],
        // SWAPDB
        ["SWAPDB", "2", "3"], ["SELECT", "2"], ["HGETALL", "h"], ["GET", "clash"], ["SELECT", "3"], ["GET", "clash"],
        ["SWAPDB", "0", "16"], ["SWAPDB", "x", "1"], ["SWAPDB", "1", "y"], ["SWAPDB", "5", "5"], ["SWAPDB", "-1", "0"],
        // COPY
        ["SELECT", "0"], ["SET", "src", "value", "EX", "500"], ["COPY", "src", "dst"], ["GET", "dst"], ["TTL", "dst"],
        ["COPY", "src", "dst"], ["COPY", "src", "dst", "REPLACE"], ["COPY", "src", "src"], ["COPY", "src", "src", "DB", "0"],
        ["COPY", "src", "src", "DB", "7"], ["SELECT", "7"], ["GET", "src"], ["SELECT", "0"], ["COPY", "nokey", "x"],
        ["COPY", "src", "d2", "DB", "16"], ["COPY", "src", "d2", "DB", "x"], ["COPY", "src", "d2", "BOGUS"],
        ["COPY", "src", "d2", "DB"], ["HSET", "hsrc", "a", "1", "b", "2"], ["COPY", "hsrc", "hcopy"], ["HSET", "hcopy", "c", "3"],
        ["HGETALL", "hsrc"], ["HGETALL", "hcopy"], ["COPY", "hsrc", "hcopy", "DB", "8", "REPLACE"],
        ["SELECT", "8"], ["HGETALL", "hcopy"], ["SELECT", "0"],
        // FLUSHDB and FLUSHALL
        ["SELECT", "7"], ["FLUSHDB"], ["DBSIZE"], ["SELECT", "0"], ["DBSIZE"], ["FLUSHALL"],
        ["SELECT", "15"], ["DBSIZE"], ["SELECT", "0"], ["DBSIZE"],
        // Arity
        ["SELECT"], ["MOVE", "k"], ["SWAPDB", "1"], ["COPY", "a"],
    ]

    @Test func databasesAnswerAsRedisDoes() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let pair = try DifferentialPair(kv: try ServerProcess().start(), redis: try RedisServerProcess())
        for command in Self.script {
            try pair.compare(command, unordered: command[0] == "SCAN" || command[0] == "KEYS")
        }
        pair.expectAllMatched()
    }

    /// INFO keyspace lists each non-empty database as Redis does; CLIENT LIST shows the
    /// connection's database.
    @Test func infoAndClientListShowTheDatabases() throws {
        let kv = try ServerProcess().start()
        let session = try RESPSession(port: kv.port)
        for (database, keys) in [(0, 2), (3, 1), (11, 3)] {
            _ = try session.call(["SELECT", String(database)])
            for key in 0..<keys { _ = try session.call(["SET", "k\(key)", "v", "EX", "100"]) }
        }
        _ = try session.call(["SET", "persistent", "v"])
        guard case let .bulk(_, info) = try session.call(["INFO", "keyspace"]) else { Issue.record("INFO"); return }
        let lines = String(decoding: info, as: UTF8.self).split(separator: "\r\n").filter { $0.hasPrefix("db") }
        #expect(lines == ["db0:keys=2,expires=2,avg_ttl=0", "db3:keys=1,expires=1,avg_ttl=0", "db11:keys=4,expires=3,avg_ttl=0"])
        guard case let .bulk(_, list) = try session.call(["CLIENT", "INFO"]) else { Issue.record("CLIENT INFO"); return }
        #expect(String(decoding: list, as: UTF8.self).contains(" db=11 "))
        _ = try session.call(["RESET"])
        guard case let .bulk(_, after) = try session.call(["CLIENT", "INFO"]) else { Issue.record("CLIENT INFO"); return }
        #expect(String(decoding: after, as: UTF8.self).contains(" db=0 "))
    }

    /// Writes in several databases, a SWAPDB and a FLUSHDB, then kill -9: the restarted pod
    /// and a replica that cloned and streamed it hold the same databases (digests equal).
    @Test func everyDatabaseSurvivesKill9AndReachesAReplica() throws {
        let primary = try ServerProcess().start()
        let session = try RESPSession(port: primary.port)
        for database in [0, 1, 5, 15] {
            _ = try session.call(["SELECT", String(database)])
            for key in 0..<50 { _ = try session.call(["HSET", "h\(key)", "db", String(database), "k", String(key)]) }
            _ = try session.call(["SET", "marker", "db\(database)"])
        }
        _ = try session.call(["SWAPDB", "1", "2"])
        _ = try session.call(["SELECT", "5"])
        _ = try session.call(["FLUSHDB"])
        _ = try session.call(["SELECT", "0"])
        _ = try session.call(["MOVE", "h0", "9"])
        let before = try session.call(["DEBUG", "DIGEST"])
        primary.kill9()
        let restarted = try primary.start()
        let again = try RESPSession(port: restarted.port)
        #expect(try again.call(["DEBUG", "DIGEST"]) == before)
        _ = try again.call(["SELECT", "2"])
        #expect(try again.call(["GET", "marker"]) == .bulk("$", Array("db1".utf8)))
        _ = try again.call(["SELECT", "9"])
        #expect(try again.call(["HGET", "h0", "db"]) == .bulk("$", Array("0".utf8)))
        let replica = try ServerProcess(hostname: "kv-1").start(extra: [
            "--primary", "127.0.0.1:\(restarted.port)", "--clone-from", "127.0.0.1:\(restarted.port)"])
        _ = try again.call(["SELECT", "3"])
        _ = try again.call(["SET", "after-clone", "streamed"])
        let target = try again.call(["DEBUG", "DIGEST"])
        let replicaSession = try RESPSession(port: replica.port)
        var digest = try replicaSession.call(["DEBUG", "DIGEST"])
        let deadline = Date().addingTimeInterval(20)
        while digest != target && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            digest = try replicaSession.call(["DEBUG", "DIGEST"])
        }
        #expect(digest == target, "the replica's digest never reached the primary's")
    }
}
