import Foundation
import Testing

/// The hash commands against a real redis-server, byte for byte in RESP2 and RESP3: a script
/// of every command and its error paths, and seeded random sequences over small (packed) and
/// large (table) hashes with the final datasets compared.
@Suite(.serialized) struct HashDifferentialTests {
    static let script: [[String]] = [
        ["HSET", "h", "f1", "v1"], ["HSET", "h", "f1", "v1", "f2", "v2", "f3", "v3"], ["HSET", "h", "f1"], ["HSET", "h"],
        ["HSET", "h", "a", "1", "b"], ["HGET", "h", "f1"], ["HGET", "h", "nofield"], ["HGET", "nokey", "f"],
        ["HMGET", "h", "f1", "nofield", "f3"], ["HMGET", "nokey", "a", "b"], ["HMSET", "h", "f4", "v4", "f5", "v5"],
        ["HMSET", "h", "f4"], ["HGETALL", "h"], ["HKEYS", "h"], ["HVALS", "h"], ["HLEN", "h"], ["HLEN", "nokey"],
        ["HGETALL", "nokey"], ["HKEYS", "nokey"], ["HVALS", "nokey"],
        ["HSETNX", "h", "f1", "x"], ["HSETNX", "h", "new", "x"], ["HGET", "h", "new"], ["HSETNX", "fresh", "f", "v"],
        ["HEXISTS", "h", "f1"], ["HEXISTS", "h", "zzz"], ["HEXISTS", "nokey", "f"],
        ["HSTRLEN", "h", "f1"], ["HSTRLEN", "h", "zzz"], ["HSTRLEN", "nokey", "f"],
        ["HDEL", "h", "f1", "f1", "zzz"], ["HDEL", "h"], ["HDEL", "nokey", "f"], ["HGETALL", "h"],
        ["HSET", "h", "f2", "changed"], ["HGETALL", "h"],
        // Counters
        ["HINCRBY", "c", "n", "5"], ["HINCRBY", "c", "n", "-10"], ["HINCRBY", "c", "n", "x"], ["HINCRBY", "c", "n", "1.5"],
        ["HSET", "c", "s", "abc", "big", "9223372036854775807", "sp", " 1"], ["HINCRBY", "c", "s", "1"],
        ["HINCRBY", "c", "big", "1"], ["HINCRBY", "c", "sp", "1"], ["HINCRBY", "c", "n", "-9223372036854775808"],
        ["HINCRBYFLOAT", "c", "fl", "1.5"], ["HINCRBYFLOAT", "c", "fl", "0.1"], ["HINCRBYFLOAT", "c", "fl", "-2e3"],
        ["HINCRBYFLOAT", "c", "s", "1"], ["HINCRBYFLOAT", "c", "fl", "abc"], ["HINCRBYFLOAT", "c", "fl", "inf"],
        ["HINCRBYFLOAT", "c", "n", "1"], ["HGETALL", "c"],
        // Wrong types, both ways
        ["SET", "str", "v"], ["HSET", "str", "f", "v"], ["HGET", "str", "f"], ["HGETALL", "str"], ["HLEN", "str"],
        ["HDEL", "str", "f"], ["HINCRBY", "str", "f", "1"], ["HRANDFIELD", "str"], ["HSCAN", "str", "0"],
        ["HMGET", "str", "f"], ["HEXISTS", "str", "f"], ["HSTRLEN", "str", "f"], ["HKEYS", "str"], ["HSETNX", "str", "f", "v"],
        ["GET", "h"], ["APPEND", "h", "x"], ["INCR", "h"], ["STRLEN", "h"], ["GETRANGE", "h", "0", "1"], ["SETRANGE", "h", "0", "x"],
        ["GETSET", "h", "x"], ["GETDEL", "h"], ["GETEX", "h"], ["INCRBYFLOAT", "h", "1"], ["SET", "h", "x", "GET"],
        ["MGET", "h", "str", "nokey"], ["TYPE", "h"], ["TYPE", "str"], ["TYPE", "nokey"], ["EXISTS", "h", "c"],
        // Keys of every type
        ["RENAME", "h", "h2"], ["HGETALL", "h2"], ["TYPE", "h"], ["EXPIRE", "h2", "100"], ["TTL", "h2"], ["PERSIST", "h2"],
        ["SET", "h2copy", "x"], ["RENAME", "h2", "h2copy"], ["HGETALL", "h2copy"], ["SET", "h2copy", "overwritten"],
        ["GET", "h2copy"], ["HSET", "h3", "a", "1"], ["DEL", "h3"], ["EXISTS", "h3"],
        ["HSET", "gone", "only", "1"], ["HDEL", "gone", "only"], ["EXISTS", "gone"], ["TYPE", "gone"],
        // HRANDFIELD and HSCAN: the deterministic forms
        ["HRANDFIELD", "nokey"], ["HRANDFIELD", "nokey", "3"], ["HRANDFIELD", "c", "0"], ["HRANDFIELD", "c", "100"],
        ["HRANDFIELD", "c", "100", "WITHVALUES"], ["HRANDFIELD", "c", "x"], ["HRANDFIELD", "c", "1", "BOGUS"],
        ["HRANDFIELD", "c", "1", "WITHVALUES", "x"], ["HRANDFIELD", "c", "-9223372036854775807", "WITHVALUES"],
        ["HSCAN", "c", "0"], ["HSCAN", "c", "0", "MATCH", "f*"], ["HSCAN", "c", "0", "COUNT", "1"], ["HSCAN", "nokey", "0"],
        ["HSCAN", "c", "x"], ["HSCAN", "c", "0", "COUNT", "0"], ["HSCAN", "c", "0", "BOGUS", "1"], ["HSCAN", "c", "0", "COUNT"],
        ["SCAN", "0", "TYPE", "hash", "COUNT", "1000"], ["SCAN", "0", "TYPE", "string", "COUNT", "1000"],
        ["SCAN", "0", "TYPE", "HASH", "COUNT", "1000"],
        // Arity
        ["HGET", "h"], ["HGETALL"], ["HLEN", "a", "b"], ["HINCRBY", "c", "n"], ["HSTRLEN", "c"], ["HRANDFIELD"],
    ]

    @Test func everyHashCommandAnswersAsRedisDoes() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let pair = try DifferentialPair(kv: try ServerProcess().start(), redis: try RedisServerProcess())
        for command in Self.script {
            // SCAN's and KEYS' orders are each server's own: compared as sets.
            try pair.compare(command, unordered: command[0] == "SCAN")
        }
        pair.expectAllMatched()
    }

    /// A hash grown past 128 fields, or given a value over 64 bytes, leaves the packed
    /// encoding in both servers: replies that list it are then in each table's own order.
    @Test func largeHashesAnswerAsRedisDoes() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let pair = try DifferentialPair(kv: try ServerProcess().start(), redis: try RedisServerProcess())
        for index in 0..<300 {
            try pair.compare(["HSET", "big", "field:\(index)", "value:\(index)"])
        }
        try pair.compare(["HSET", "long", "f", String(repeating: "x", count: 65)])
        try pair.compare(["HSET", "long", "g", "short"])
        for key in ["big", "long"] {
            try pair.compare(["HLEN", key])
            try pair.compare(["HGETALL", key], unordered: true)
            try pair.compare(["HKEYS", key], unordered: true)
            try pair.compare(["HVALS", key], unordered: true)
            try pair.compare(["HRANDFIELD", key, "1000", "WITHVALUES"], unordered: true)
        }
        for index in stride(from: 0, to: 300, by: 7) {
            try pair.compare(["HGET", "big", "field:\(index)"])
            try pair.compare(["HDEL", "big", "field:\(index)", "nofield"])
            try pair.compare(["HINCRBY", "big", "counter", "\(index)"])
        }
        try pair.compare(["HGETALL", "big"], unordered: true)
        // HSCAN over a table: every field exactly once, whatever the cursors.
        var cursor = "0"
        var seen: [String: Int] = [:]
        repeat {
            guard case let .aggregate(_, parts) = try pair.kv.redisCall(["HSCAN", "big", cursor, "COUNT", "20"]),
                  case let .bulk(_, next) = parts[0], case let .aggregate(_, items) = parts[1]
            else { Issue.record("HSCAN's reply is not [cursor, items]"); return }
            for index in stride(from: 0, to: items.count, by: 2) { seen[items[index].description, default: 0] += 1 }
            cursor = String(decoding: next, as: UTF8.self)
        } while cursor != "0"
        guard case let .simple(length) = try pair.compare(["HLEN", "big"]) else { Issue.record("HLEN"); return }
        #expect(seen.count == Int(length.dropFirst()), "HSCAN returned \(seen.count) fields, HLEN says \(length)")
        #expect(seen.values.allSatisfy { $0 == 1 }, "a field returned twice")
        pair.expectAllMatched()
    }

    /// Seeded random sequences of hash commands over a few keys, fields and values (some
    /// numeric, some over 64 bytes), replies compared one by one and the datasets at the end.
    @Test(arguments: [1, 2, 3, 4]) func randomHashWorkloadsMatchRedis(seed: UInt64) throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let pair = try DifferentialPair(kv: try ServerProcess().start(), redis: try RedisServerProcess())
        var random = SeededRandom(seed: seed)
        let keys = ["h:a", "h:b", "h:c", "s:str"]
        func field() -> String { "f\(random.next(below: 40))" }
        func value() -> String {
            switch random.next(below: 4) {
            case 0: String(Int(random.next(below: 2000)) - 1000)
            case 1: String(repeating: "v", count: 60 + Int(random.next(below: 10)))
            case 2: "1.5"
            default: "val\(random.next(below: 100))"
            }
        }
        try pair.compare(["SET", "s:str", "text"])
        for _ in 0..<600 {
            let key = keys[Int(random.next(below: UInt64(keys.count)))]
            let command: [String]
            var unordered = false
            switch random.next(below: 13) {
            case 0, 1: command = ["HSET", key] + (0..<(1 + Int(random.next(below: 4)))).flatMap { _ in [field(), value()] }
            case 2: command = ["HDEL", key] + (0..<(1 + Int(random.next(below: 3)))).map { _ in field() }
            case 3: command = ["HGET", key, field()]
            case 4: command = ["HMGET", key, field(), field()]
            case 5: command = ["HINCRBY", key, field(), String(Int(random.next(below: 100)) - 50)]
            case 6: command = ["HINCRBYFLOAT", key, field(), "0.25"]
            case 7: command = ["HSETNX", key, field(), value()]
            case 8: command = ["HLEN", key]
            case 9: command = ["HEXISTS", key, field()]
            case 10: command = ["HSTRLEN", key, field()]
            case 11: command = ["HGETALL", key]; unordered = true
            default: command = ["HKEYS", key]; unordered = true
            }
            try pair.compare(command, unordered: unordered)
        }
        for key in keys {
            try pair.compare(["TYPE", key])
            try pair.compare(["HGETALL", key], unordered: true)
        }
        pair.expectAllMatched("seed \(seed)")
    }
}

/// splitmix64: the same sequence for the same seed, on every machine.
struct SeededRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
    mutating func next(below bound: UInt64) -> UInt64 { next() % bound }
}

extension ServerProcess {
    /// One command over a fresh RESP2 connection.
    func redisCall(_ arguments: [String]) throws -> RESPReply {
        try RESPSession(port: port).call(arguments)
    }
}
