import Foundation
import Testing

/// The list commands against a real redis-server, byte for byte in RESP2 and RESP3: a script
/// of every command and its error paths, a list of 100 000 elements (hundreds of nodes)
/// pushed at both ends then ranged, indexed, edited and trimmed, and seeded random sequences
/// with the final lists compared.
@Suite(.serialized) struct ListDifferentialTests {
    static let script: [[String]] = [
        // Pushes
        ["RPUSH", "l", "a", "b", "c"], ["LPUSH", "l", "z", "y"], ["LRANGE", "l", "0", "-1"], ["LLEN", "l"], ["LLEN", "nokey"],
        ["RPUSH", "l"], ["LPUSH", "l"], ["LPUSHX", "nokey", "a"], ["RPUSHX", "nokey", "a", "b"], ["EXISTS", "nokey"],
        ["LPUSHX", "l", "x1", "x2"], ["RPUSHX", "l", "t1", "t2"], ["LRANGE", "l", "0", "-1"], ["LPUSHX", "l"],
        ["RPUSH", "empty-element", ""], ["LRANGE", "empty-element", "0", "-1"],
        // LRANGE's ranges
        ["LRANGE", "l", "0", "0"], ["LRANGE", "l", "-1", "-1"], ["LRANGE", "l", "-100", "100"], ["LRANGE", "l", "5", "2"],
        ["LRANGE", "l", "20", "30"], ["LRANGE", "l", "-3", "-2"], ["LRANGE", "l", "2", "-100"], ["LRANGE", "l", "x", "1"],
        ["LRANGE", "l", "0", "1.5"], ["LRANGE", "nokey", "0", "-1"], ["LRANGE", "nokey", "x", "1"],
        ["LRANGE", "l", "-9223372036854775808", "9223372036854775807"], ["LRANGE", "l", "0", "9223372036854775808"],
        // LINDEX
        ["LINDEX", "l", "0"], ["LINDEX", "l", "-1"], ["LINDEX", "l", "3"], ["LINDEX", "l", "100"], ["LINDEX", "l", "-100"],
        ["LINDEX", "l", "x"], ["LINDEX", "nokey", "0"], ["LINDEX", "nokey", "x"], ["LINDEX", "l", "-9223372036854775808"],
        // LSET
        ["LSET", "l", "0", "first"], ["LSET", "l", "-1", "last"], ["LSET", "l", "4", "mid"], ["LSET", "l", "100", "v"],
        ["LSET", "l", "-100", "v"], ["LSET", "l", "x", "v"], ["LSET", "nokey", "0", "v"], ["LSET", "nokey", "x", "v"],
        ["LRANGE", "l", "0", "-1"],
        // LINSERT
        ["LINSERT", "l", "BEFORE", "mid", "pre"], ["LINSERT", "l", "after", "mid", "post"], ["LINSERT", "l", "AFTER", "last", "end"],
        ["LINSERT", "l", "before", "first", "start"], ["LINSERT", "l", "before", "nothere", "x"], ["LINSERT", "l", "middle", "mid", "x"],
        ["LINSERT", "nokey", "before", "a", "b"], ["LINSERT", "nokey", "sideways", "a", "b"], ["LRANGE", "l", "0", "-1"],
        // LPOS
        ["RPUSH", "p", "a", "b", "c", "a", "b", "c", "a", "a"], ["LPOS", "p", "a"], ["LPOS", "p", "c"], ["LPOS", "p", "zz"],
        ["LPOS", "p", "a", "RANK", "2"], ["LPOS", "p", "a", "RANK", "-1"], ["LPOS", "p", "a", "RANK", "-3"], ["LPOS", "p", "a", "RANK", "9"],
        ["LPOS", "p", "a", "COUNT", "0"], ["LPOS", "p", "a", "COUNT", "2"], ["LPOS", "p", "a", "COUNT", "2", "RANK", "-1"],
        ["LPOS", "p", "a", "COUNT", "10", "RANK", "2"], ["LPOS", "p", "a", "MAXLEN", "3"], ["LPOS", "p", "a", "MAXLEN", "3", "COUNT", "0"],
        ["LPOS", "p", "c", "MAXLEN", "2"], ["LPOS", "p", "a", "RANK", "-1", "MAXLEN", "2"], ["LPOS", "p", "zz", "COUNT", "5"],
        ["LPOS", "p", "a", "RANK", "0"], ["LPOS", "p", "a", "RANK", "x"], ["LPOS", "p", "a", "COUNT", "-1"], ["LPOS", "p", "a", "COUNT", "x"],
        ["LPOS", "p", "a", "MAXLEN", "-1"], ["LPOS", "p", "a", "MAXLEN", "x"], ["LPOS", "p", "a", "RANK"], ["LPOS", "p", "a", "BOGUS", "1"],
        ["LPOS", "p", "a", "COUNT", "1", "COUNT", "3"], ["LPOS", "nokey", "a"], ["LPOS", "nokey", "a", "COUNT", "1"],
        ["LPOS", "nokey", "a", "RANK", "0"], ["LPOS", "p", "a", "RANK", "9223372036854775807"],
        // LREM
        ["RPUSH", "r", "x", "a", "x", "b", "x", "c", "x"], ["LREM", "r", "2", "x"], ["LRANGE", "r", "0", "-1"], ["LREM", "r", "-1", "x"],
        ["LRANGE", "r", "0", "-1"], ["LREM", "r", "0", "zz"], ["LREM", "r", "0", "x"], ["LRANGE", "r", "0", "-1"], ["LREM", "r", "x", "a"],
        ["LREM", "nokey", "1", "a"], ["LREM", "nokey", "x", "a"], ["LREM", "r", "-9223372036854775808", "a"], ["LREM", "r", "0", "b"],
        ["LREM", "r", "1", "c"], ["EXISTS", "r"],
        // LTRIM
        ["RPUSH", "t", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], ["LTRIM", "t", "1", "-2"], ["LRANGE", "t", "0", "-1"],
        ["LTRIM", "t", "0", "-1"], ["LTRIM", "t", "-3", "100"], ["LRANGE", "t", "0", "-1"], ["LTRIM", "t", "x", "1"],
        ["LTRIM", "nokey", "0", "1"], ["LTRIM", "nokey", "x", "1"], ["LTRIM", "t", "2", "1"], ["EXISTS", "t"],
        ["RPUSH", "t", "a", "b"], ["LTRIM", "t", "5", "10"], ["EXISTS", "t"], ["RPUSH", "t", "a", "b"], ["LTRIM", "t", "0", "-5"],
        ["EXISTS", "t"],
        // LPOP / RPOP, with and without count
        ["RPUSH", "q", "1", "2", "3", "4", "5", "6"], ["LPOP", "q"], ["RPOP", "q"], ["LPOP", "q", "2"], ["RPOP", "q", "1"],
        ["LPOP", "q", "0"], ["RPOP", "q", "0"], ["LPOP", "q", "-1"], ["LPOP", "q", "x"], ["LPOP", "q", "1", "2"], ["RPOP", "q", "1", "2"],
        ["LRANGE", "q", "0", "-1"], ["RPOP", "q", "10"], ["EXISTS", "q"], ["LPOP", "q"], ["RPOP", "q"], ["LPOP", "q", "1"],
        ["RPOP", "q", "3"], ["LPOP", "q", "0"], ["RPOP", "q", "0"], ["LPOP", "nokey", "x"], ["RPUSH", "q", "only"], ["RPOP", "q", "5"],
        ["RPUSH", "q", "a", "b", "c"], ["LPOP", "q", "9223372036854775807"], ["EXISTS", "q"],
        // LMOVE / RPOPLPUSH
        ["RPUSH", "src", "1", "2", "3", "4"], ["LMOVE", "src", "dst", "LEFT", "RIGHT"], ["LMOVE", "src", "dst", "right", "left"],
        ["LMOVE", "src", "dst", "LEFT", "LEFT"], ["LMOVE", "src", "dst", "RIGHT", "RIGHT"], ["LRANGE", "dst", "0", "-1"],
        ["EXISTS", "src"], ["LMOVE", "src", "dst", "LEFT", "RIGHT"], ["LMOVE", "dst", "dst", "LEFT", "RIGHT"],
        ["LMOVE", "dst", "dst", "RIGHT", "LEFT"], ["LMOVE", "dst", "dst", "LEFT", "LEFT"], ["LRANGE", "dst", "0", "-1"],
        ["LMOVE", "dst", "dst", "UP", "LEFT"], ["LMOVE", "dst", "dst", "LEFT", "DOWN"], ["LMOVE", "nokey", "dst", "UP", "LEFT"],
        ["RPOPLPUSH", "dst", "other"], ["RPOPLPUSH", "dst", "dst"], ["RPOPLPUSH", "nokey", "dst"], ["LRANGE", "dst", "0", "-1"],
        ["LRANGE", "other", "0", "-1"], ["RPUSH", "one", "x"], ["LMOVE", "one", "one", "LEFT", "RIGHT"], ["LRANGE", "one", "0", "-1"],
        ["RPOPLPUSH", "one", "one"], ["LMOVE", "one", "fresh", "LEFT", "LEFT"], ["EXISTS", "one"], ["LRANGE", "fresh", "0", "-1"],
        // LMPOP
        ["RPUSH", "m1", "a", "b", "c", "d"], ["RPUSH", "m2", "x", "y"], ["LMPOP", "2", "nokey", "m1", "LEFT"],
        ["LMPOP", "2", "m1", "m2", "RIGHT", "COUNT", "2"], ["LMPOP", "1", "m1", "left", "count", "10"], ["EXISTS", "m1"],
        ["LMPOP", "2", "m1", "m2", "RIGHT", "COUNT", "1"], ["LMPOP", "3", "nokey", "m1", "nokey2", "LEFT"],
        ["LMPOP", "0", "m1", "LEFT"], ["LMPOP", "-1", "m1", "LEFT"], ["LMPOP", "x", "m1", "LEFT"], ["LMPOP", "2", "m1", "LEFT"],
        ["LMPOP", "9223372036854775807", "m1", "LEFT"], ["LMPOP", "1", "m2", "MIDDLE"], ["LMPOP", "1", "m2", "LEFT", "COUNT", "0"],
        ["LMPOP", "1", "m2", "LEFT", "COUNT", "-1"], ["LMPOP", "1", "m2", "LEFT", "COUNT", "x"], ["LMPOP", "1", "m2", "LEFT", "COUNT"],
        ["LMPOP", "1", "m2", "LEFT", "COUNT", "1", "COUNT", "1"], ["LMPOP", "1", "m2", "LEFT", "BOGUS"], ["LMPOP", "1", "nokey", "LEFT"],
        ["LMPOP", "1", "m2", "LEFT", "COUNT", "1"], ["LMPOP", "1", "nokey", "MIDDLE"],
        // Wrong types, both ways
        ["SET", "str", "v"], ["LPUSH", "str", "a"], ["RPUSH", "str", "a"], ["LPUSHX", "str", "a"], ["RPUSHX", "str", "a"],
        ["LPOP", "str"], ["RPOP", "str", "2"], ["LPOP", "str", "0"], ["LPOP", "str", "x"], ["LLEN", "str"], ["LRANGE", "str", "0", "-1"],
        ["LRANGE", "str", "x", "1"], ["LINDEX", "str", "0"], ["LINDEX", "str", "x"], ["LSET", "str", "0", "v"], ["LSET", "str", "x", "v"],
        ["LINSERT", "str", "before", "a", "b"], ["LINSERT", "str", "bogus", "a", "b"], ["LREM", "str", "0", "a"], ["LREM", "str", "x", "a"],
        ["LTRIM", "str", "0", "1"], ["LPOS", "str", "a"], ["LPOS", "str", "a", "RANK", "0"], ["LMOVE", "str", "dst", "LEFT", "LEFT"],
        ["LMOVE", "dst", "str", "LEFT", "LEFT"], ["LMOVE", "nokey", "str", "LEFT", "LEFT"], ["RPOPLPUSH", "str", "dst"],
        ["RPOPLPUSH", "dst", "str"], ["LMPOP", "2", "nokey", "str", "LEFT"], ["LMPOP", "2", "dst", "str", "LEFT"],
        ["LRANGE", "dst", "0", "-1"],
        ["GET", "dst"], ["APPEND", "dst", "x"], ["INCR", "dst"], ["HSET", "dst", "f", "v"], ["HGET", "dst", "f"], ["SET", "dst", "x", "GET"],
        ["TYPE", "dst"], ["TYPE", "str"],
        // Keys of every type
        ["RENAME", "dst", "dst2"], ["LRANGE", "dst2", "0", "-1"], ["RPUSH", "dst2", "more"],
        ["LRANGE", "dst2", "0", "-1"], ["EXPIRE", "dst2", "100"], ["TTL", "dst2"], ["PERSIST", "dst2"],
        ["DEL", "dst2"], ["EXISTS", "dst2"], ["SCAN", "0", "TYPE", "list", "COUNT", "1000"],
        // Arity
        ["LPUSH", "l"], ["RPUSH"], ["LPOP"], ["RPOP"], ["LLEN"], ["LLEN", "a", "b"], ["LRANGE", "l", "0"], ["LINDEX", "l"],
        ["LSET", "l", "0"], ["LINSERT", "l", "before", "a"], ["LREM", "l", "0"], ["LTRIM", "l", "0"], ["LPOS", "l"],
        ["LMOVE", "a", "b", "LEFT"], ["RPOPLPUSH", "a"], ["LMPOP", "1", "a"], ["LPUSHX", "l"], ["RPUSHX"],
    ]

    @Test func everyListCommandAnswersAsRedisDoes() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let pair = try DifferentialPair(kv: try ServerProcess().start(), redis: try RedisServerProcess())
        for command in Self.script {
            try pair.compare(command, unordered: command[0] == "SCAN")
        }
        pair.expectAllMatched()
    }

    /// 100 000 elements pushed at both ends (hundreds of 8 KiB nodes), then read and edited
    /// in the middle and at the ends, trimmed and drained; also elements larger than a node.
    @Test func largeListsAnswerAsRedisDoes() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let pair = try DifferentialPair(kv: try ServerProcess().start(), redis: try RedisServerProcess())
        let batch = 1000
        for start in stride(from: 0, to: 50_000, by: batch) {
            // Set-up on RESP2 only, the replies (the lengths) compared.
            let (kv, redis) = try pair.both(["RPUSH", "big"] + (start..<(start + batch)).map { "tail:\($0)" })
            #expect(kv == redis)
            let (kv2, redis2) = try pair.both(["LPUSH", "big"] + (start..<(start + batch)).map { "head:\($0)" })
            #expect(kv2 == redis2)
        }
        try pair.compare(["LLEN", "big"])
        for index in [0, 1, 999, 1000, 49_999, 50_000, 50_001, 77_777, 99_998, 99_999, 100_000, -1, -2, -50_000, -100_000, -100_001] {
            try pair.compare(["LINDEX", "big", String(index)])
        }
        for (start, stop) in [(0, 9), (-10, -1), (49_990, 50_010), (12_345, 12_400), (99_990, 200_000), (-100_005, 3)] {
            try pair.compare(["LRANGE", "big", String(start), String(stop)])
        }
        try pair.compare(["LPOS", "big", "tail:0"])
        try pair.compare(["LPOS", "big", "head:0", "RANK", "-1"])
        try pair.compare(["LPOS", "big", "tail:49999", "MAXLEN", "1000"])
        // Edits in the middle (once: each changes the list), splitting and merging nodes.
        try pair.compare(["LSET", "big", "50000", String(repeating: "s", count: 9000)], once: true)
        try pair.compare(["LINSERT", "big", "BEFORE", "tail:25000", String(repeating: "i", count: 20_000)], once: true)
        try pair.compare(["LINSERT", "big", "AFTER", "head:100", "after-head-100"], once: true)
        try pair.compare(["LREM", "big", "0", "tail:30000"], once: true)
        try pair.compare(["LINDEX", "big", "50000"])
        try pair.compare(["LRANGE", "big", "49998", "50003"])
        try pair.compare(["LRANGE", "big", "74990", "75010"])
        try pair.compare(["LMOVE", "big", "big", "LEFT", "RIGHT"], once: true)
        try pair.compare(["LPOP", "big", "777"], once: true)
        try pair.compare(["RPOP", "big", "333"], once: true)
        try pair.compare(["LTRIM", "big", "1000", "-1001"], once: true)
        try pair.compare(["LLEN", "big"])
        try pair.compare(["LINDEX", "big", "0"])
        try pair.compare(["LINDEX", "big", "-1"])
        try pair.compare(["LRANGE", "big", "48000", "48100"])
        // Every element, in pages.
        for start in stride(from: 0, to: 100_000, by: 5000) {
            try pair.compare(["LRANGE", "big", String(start), String(start + 4999)], once: true)
        }
        // Drained from both ends.
        while case let .simple(length) = try pair.compare(["LLEN", "big"], once: true), length != ":0" {
            try pair.compare(["LPOP", "big", "3000"], once: true)
            try pair.compare(["RPOP", "big", "2000"], once: true)
        }
        try pair.compare(["EXISTS", "big"])
        pair.expectAllMatched()
    }

    /// Seeded random sequences of list commands over a few keys, small elements repeated often
    /// (LREM, LPOS, LINSERT find them) and a few long ones, replies compared one by one and
    /// every list at the end.
    @Test(arguments: [1, 2, 3, 4, 5]) func randomListWorkloadsMatchRedis(seed: UInt64) throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let pair = try DifferentialPair(kv: try ServerProcess().start(), redis: try RedisServerProcess())
        var random = SeededRandom(seed: seed)
        let keys = ["l:a", "l:b", "l:c", "s:str"]
        func key() -> String { keys[Int(random.next(below: UInt64(keys.count)))] }
        func element() -> String {
            switch random.next(below: 10) {
            case 0: String(repeating: "e", count: 100 + Int(random.next(below: 3000)))
            case 1, 2: String(Int(random.next(below: 2000)) - 1000)
            default: "v\(random.next(below: 12))"
            }
        }
        func index() -> String { String(Int(random.next(below: 60)) - 30) }
        func side() -> String { random.next(below: 2) == 0 ? "LEFT" : "RIGHT" }
        try pair.compare(["SET", "s:str", "text"])
        for _ in 0..<800 {
            let command: [String]
            switch random.next(below: 20) {
            case 0, 1, 2: command = ["RPUSH", key()] + (0..<(1 + Int(random.next(below: 8)))).map { _ in element() }
            case 3, 4: command = ["LPUSH", key()] + (0..<(1 + Int(random.next(below: 8)))).map { _ in element() }
            case 5: command = [random.next(below: 2) == 0 ? "LPUSHX" : "RPUSHX", key(), element()]
            case 6: command = random.next(below: 2) == 0 ? ["LPOP", key()] : ["LPOP", key(), String(random.next(below: 4))]
            case 7: command = random.next(below: 2) == 0 ? ["RPOP", key()] : ["RPOP", key(), String(random.next(below: 4))]
            case 8: command = ["LRANGE", key(), index(), index()]
            case 9: command = ["LINDEX", key(), index()]
            case 10: command = ["LSET", key(), index(), element()]
            case 11: command = ["LINSERT", key(), random.next(below: 2) == 0 ? "BEFORE" : "AFTER", element(), element()]
            case 12: command = ["LREM", key(), String(Int(random.next(below: 7)) - 3), element()]
            case 13: command = ["LTRIM", key(), index(), index()]
            case 14:
                var words = ["LPOS", key(), element()]
                if random.next(below: 2) == 0 { words += ["RANK", String([-2, -1, 1, 2, 3][Int(random.next(below: 5))])] }
                if random.next(below: 2) == 0 { words += ["COUNT", String(random.next(below: 4))] }
                if random.next(below: 3) == 0 { words += ["MAXLEN", String(random.next(below: 20))] }
                command = words
            case 15: command = ["LMOVE", key(), key(), side(), side()]
            case 16: command = ["RPOPLPUSH", key(), key()]
            case 17: command = ["LMPOP", "2", key(), key(), side()] + (random.next(below: 2) == 0 ? [] : ["COUNT", String(1 + random.next(below: 5))])
            default: command = ["LLEN", key()]
            }
            try pair.compare(command)
        }
        for key in keys {
            try pair.compare(["TYPE", key])
            try pair.compare(["LRANGE", key, "0", "-1"])
        }
        pair.expectAllMatched("seed \(seed)")
    }
}
