import Foundation
import Testing

/// The sorted set commands against a real redis-server, byte for byte in RESP2 and RESP3: a
/// script of every command and its error paths, large sets (past the packed encoding) with
/// ranks, ranges and removals, and seeded random workloads with the final datasets compared.
@Suite(.serialized) struct SortedSetDifferentialTests {
    static let script: [[String]] = [
        // ZADD and its options
        ["ZADD", "z", "1", "a"], ["ZADD", "z", "2", "b", "3", "c", "1.5", "d"], ["ZADD", "z", "1", "a"], ["ZADD", "z", "5", "a"],
        ["ZADD", "z", "CH", "6", "a", "7", "new"], ["ZADD", "z", "NX", "100", "a", "8", "nx"], ["ZADD", "z", "XX", "9", "a", "10", "xxnew"],
        ["ZADD", "z", "GT", "1", "a"], ["ZADD", "z", "GT", "CH", "100", "a"], ["ZADD", "z", "LT", "CH", "200", "a", "0.5", "b"],
        ["ZADD", "z", "XX", "GT", "CH", "300", "a"], ["ZADD", "z", "INCR", "10", "a"], ["ZADD", "z", "INCR", "NX", "10", "a"],
        ["ZADD", "z", "INCR", "XX", "10", "nosuch"], ["ZADD", "z", "INCR", "GT", "-1", "a"], ["ZADD", "z", "INCR", "LT", "-1", "a"],
        ["ZADD", "z", "NX", "XX", "1", "a"], ["ZADD", "z", "GT", "LT", "1", "a"], ["ZADD", "z", "NX", "GT", "1", "a"],
        ["ZADD", "z", "NX", "LT", "1", "a"], ["ZADD", "z", "INCR", "1", "a", "2", "b"], ["ZADD", "z", "1"], ["ZADD", "z", "1", "a", "2"],
        ["ZADD", "z", "NX"], ["ZADD", "z", "x", "a"], ["ZADD", "z", "1", "a", "nan", "b"], ["ZADD", "z", "nan", "a"],
        ["ZADD", "z", " 1", "a"], ["ZADD", "z", "1e400", "a"], ["ZADD", "z", "1e-400", "a"], ["ZADD", "z", "", "a"],
        ["ZADD", "z", "0x10", "hex"], ["ZADD", "z", "1e2", "sci"], ["ZADD", "z", "+5", "plus"], ["ZADD", "z", "inf", "top", "-inf", "bottom"],
        ["ZADD", "z", "INCR", "inf", "top"], ["ZADD", "z", "INCR", "-inf", "top"], ["ZADD", "z", "INCR", "+inf", "bottom"],
        ["ZADD", "z", "0.1", "tenth", "1.1", "one.one", "1e300", "huge", "1.5e-7", "tiny", "-0.0", "negzero", "123456789012345678", "big"],
        ["ZADD", "xx", "XX", "1", "a"], ["EXISTS", "xx"], ["ZADD", "xx", "XX", "INCR", "1", "a"], ["ZADD", "z", "XX", "NX", "1", "a"],
        ["ZRANGE", "z", "0", "-1", "WITHSCORES"], ["ZCARD", "z"], ["ZCARD", "nokey"],
        // ZINCRBY
        ["ZINCRBY", "z", "2.5", "b"], ["ZINCRBY", "z", "1", "fresh"], ["ZINCRBY", "z", "x", "b"], ["ZINCRBY", "z", "inf", "top"],
        ["ZINCRBY", "z", "-inf", "top"], ["ZINCRBY", "newz", "-0.0", "m"], ["ZSCORE", "newz", "m"], ["ZINCRBY", "z", "nan", "b"],
        // Reads
        ["ZSCORE", "z", "a"], ["ZSCORE", "z", "tenth"], ["ZSCORE", "z", "nosuch"], ["ZSCORE", "nokey", "a"], ["ZSCORE", "z", "negzero"],
        ["ZMSCORE", "z", "a", "nosuch", "b"], ["ZMSCORE", "nokey", "a", "b"], ["ZRANK", "z", "a"], ["ZRANK", "z", "nosuch"],
        ["ZRANK", "nokey", "a"], ["ZREVRANK", "z", "a"], ["ZREVRANK", "z", "bottom"], ["ZREVRANK", "z", "nosuch"],
        // ZCOUNT and score ranges
        ["ZCOUNT", "z", "-inf", "+inf"], ["ZCOUNT", "z", "1", "3"], ["ZCOUNT", "z", "(1", "3"], ["ZCOUNT", "z", "(1", "(3"],
        ["ZCOUNT", "z", "3", "1"], ["ZCOUNT", "z", "x", "1"], ["ZCOUNT", "z", "1", "(x"], ["ZCOUNT", "z", "", ""], ["ZCOUNT", "z", "(", "("],
        ["ZCOUNT", "z", " 1", " 3"], ["ZCOUNT", "z", "nan", "1"], ["ZCOUNT", "z", "1e400", "inf"], ["ZCOUNT", "nokey", "0", "1"],
        ["ZCOUNT", "z", "-inf", "-inf"], ["ZCOUNT", "z", "(5", "(5"], ["ZCOUNT", "z", "-0", "0"],
        // ZRANGE by rank
        ["ZRANGE", "z", "0", "-1"], ["ZRANGE", "z", "0", "2", "WITHSCORES"], ["ZRANGE", "z", "-3", "-1"], ["ZRANGE", "z", "5", "2"],
        ["ZRANGE", "z", "-100", "100"], ["ZRANGE", "z", "100", "200"], ["ZRANGE", "z", "0", "-1", "REV"], ["ZRANGE", "z", "1", "3", "REV", "WITHSCORES"],
        ["ZRANGE", "z", "x", "1"], ["ZRANGE", "z", "0", "1", "LIMIT", "0", "1"], ["ZRANGE", "z", "0", "1", "LIMIT", "0", "-1"],
        ["ZRANGE", "z", "0", "1", "BOGUS"], ["ZRANGE", "z", "0", "1", "REV", "REV"], ["ZRANGE", "nokey", "0", "-1"],
        ["ZREVRANGE", "z", "0", "-1", "WITHSCORES"], ["ZREVRANGE", "z", "0", "1", "REV"], ["ZREVRANGE", "z", "0", "1", "BYSCORE"],
        ["ZREVRANGE", "z", "0", "1", "LIMIT", "0", "1"], ["ZREVRANGE", "z", "2", "4"],
        // ZRANGE by score
        ["ZRANGE", "z", "1", "5", "BYSCORE"], ["ZRANGE", "z", "(1", "5", "BYSCORE", "WITHSCORES"], ["ZRANGE", "z", "5", "1", "BYSCORE", "REV"],
        ["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "2", "3"], ["ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "1", "2", "WITHSCORES"],
        ["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "-1", "3"], ["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "0", "-5"],
        ["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "100", "3"], ["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1"],
        ["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "x", "1"], ["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "BYLEX"],
        ["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "BYSCORE"], ["ZRANGE", "z", "a", "b", "BYSCORE"],
        ["ZRANGEBYSCORE", "z", "-inf", "+inf"], ["ZRANGEBYSCORE", "z", "1", "5", "WITHSCORES", "LIMIT", "1", "2"],
        ["ZRANGEBYSCORE", "z", "1", "5", "LIMIT", "1"], ["ZRANGEBYSCORE", "z", "1", "5", "REV"], ["ZRANGEBYSCORE", "z", "x", "5"],
        ["ZREVRANGEBYSCORE", "z", "+inf", "-inf", "WITHSCORES"], ["ZREVRANGEBYSCORE", "z", "5", "(1", "LIMIT", "0", "2"],
        ["ZREVRANGEBYSCORE", "z", "1", "5"], ["ZRANGEBYSCORE", "nokey", "0", "1"],
        // Lex ranges over equal scores
        ["ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "f", "0", "g", "0", "ab", "0", ""],
        ["ZRANGEBYLEX", "lex", "-", "+"], ["ZRANGEBYLEX", "lex", "[b", "(e"], ["ZRANGEBYLEX", "lex", "(a", "[c", "LIMIT", "1", "2"],
        ["ZRANGEBYLEX", "lex", "+", "-"], ["ZRANGEBYLEX", "lex", "-", "-"], ["ZRANGEBYLEX", "lex", "[", "[a"], ["ZRANGEBYLEX", "lex", "a", "b"],
        ["ZRANGEBYLEX", "lex", "[a", "b"], ["ZRANGEBYLEX", "lex", "", "+"], ["ZRANGEBYLEX", "lex", "+x", "+"], ["ZRANGEBYLEX", "lex", "[c", "[b"],
        ["ZRANGEBYLEX", "lex", "(c", "(c"], ["ZRANGEBYLEX", "lex", "[c", "[c"], ["ZRANGEBYLEX", "lex", "-", "+", "WITHSCORES"],
        ["ZREVRANGEBYLEX", "lex", "+", "-"], ["ZREVRANGEBYLEX", "lex", "(e", "[b", "LIMIT", "1", "2"], ["ZREVRANGEBYLEX", "lex", "-", "+"],
        ["ZRANGE", "lex", "[b", "[d", "BYLEX"], ["ZRANGE", "lex", "[d", "[b", "BYLEX", "REV"], ["ZRANGE", "lex", "-", "+", "BYLEX", "WITHSCORES"],
        ["ZRANGE", "lex", "-", "+", "BYLEX", "LIMIT", "2", "2"], ["ZLEXCOUNT", "lex", "-", "+"], ["ZLEXCOUNT", "lex", "[b", "(e"],
        ["ZLEXCOUNT", "lex", "b", "e"], ["ZLEXCOUNT", "nokey", "-", "+"], ["ZLEXCOUNT", "lex", "+", "-"],
        // Lex ranges over a packed set whose scores differ: walked as Redis walks a listpack.
        ["ZADD", "mixed", "1", "b", "2", "a", "3", "d", "0", "c", "4", "e", "5", "a0"], ["ZRANGEBYLEX", "mixed", "[a", "[c"],
        ["ZREVRANGEBYLEX", "mixed", "[c", "[a"], ["ZLEXCOUNT", "mixed", "-", "+"], ["ZRANGEBYLEX", "mixed", "(a", "+"],
        ["ZRANGEBYLEX", "mixed", "[b", "[d"], ["ZREVRANGEBYLEX", "mixed", "+", "(b"], ["ZLEXCOUNT", "mixed", "[c", "[e"],
        ["ZREMRANGEBYLEX", "mixed", "[b", "[c"], ["ZRANGE", "mixed", "0", "-1", "WITHSCORES"],
        // ZRANGESTORE
        ["ZRANGESTORE", "dst", "z", "0", "2"], ["ZRANGE", "dst", "0", "-1", "WITHSCORES"], ["ZRANGESTORE", "dst", "z", "1", "5", "BYSCORE", "LIMIT", "0", "2"],
        ["ZRANGE", "dst", "0", "-1", "WITHSCORES"], ["ZRANGESTORE", "dst", "lex", "[b", "[d", "BYLEX", "REV"], ["ZRANGE", "dst", "0", "-1"],
        ["ZRANGESTORE", "dst", "z", "0", "-1", "WITHSCORES"], ["ZRANGESTORE", "dst", "nokey", "0", "-1"], ["EXISTS", "dst"],
        ["SET", "strdst", "x"], ["ZRANGESTORE", "strdst", "z", "100", "200"], ["EXISTS", "strdst"], ["SET", "strdst", "x"],
        ["EXPIRE", "strdst", "100"], ["ZRANGESTORE", "strdst", "z", "0", "0"], ["TTL", "strdst"], ["TYPE", "strdst"],
        ["ZRANGESTORE", "dst", "z"], ["ZRANGESTORE", "dst", "str", "0", "1"],
        // ZPOPMIN, ZPOPMAX, ZMPOP
        ["ZADD", "p", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"], ["ZPOPMIN", "p"], ["ZPOPMAX", "p"], ["ZPOPMIN", "p", "2"],
        ["ZPOPMAX", "p", "0"], ["ZPOPMIN", "p", "-1"], ["ZPOPMIN", "p", "x"], ["ZPOPMIN", "p", "1", "2"], ["ZPOPMIN", "nokey"],
        ["ZPOPMIN", "nokey", "2"], ["ZPOPMAX", "p", "10"], ["EXISTS", "p"],
        ["ZADD", "p", "1", "a", "2", "b", "3", "c"], ["ZMPOP", "2", "nokey", "p", "MIN"], ["ZMPOP", "1", "p", "MAX", "COUNT", "5"],
        ["ZMPOP", "1", "p", "MIN"], ["ZMPOP", "0", "p", "MIN"], ["ZMPOP", "x", "p", "MIN"], ["ZMPOP", "1", "p", "BOGUS"],
        ["ZMPOP", "3", "p", "MIN"], ["ZMPOP", "1", "p", "MIN", "COUNT", "0"], ["ZMPOP", "1", "p", "MIN", "COUNT"],
        ["ZMPOP", "1", "p", "MIN", "COUNT", "1", "COUNT", "1"], ["ZMPOP", "1", "p", "MIN", "BOGUS"], ["ZMPOP", "-1", "p", "MIN"],
        // ZREMRANGEBY*
        ["ZADD", "r", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f"], ["ZREMRANGEBYRANK", "r", "0", "0"],
        ["ZREMRANGEBYRANK", "r", "-2", "-1"], ["ZREMRANGEBYRANK", "r", "5", "10"], ["ZREMRANGEBYRANK", "r", "x", "1"],
        ["ZRANGE", "r", "0", "-1"], ["ZREMRANGEBYSCORE", "r", "(2", "3"], ["ZREMRANGEBYSCORE", "r", "x", "3"], ["ZRANGE", "r", "0", "-1"],
        ["ZADD", "r", "0", "x", "0", "y", "0", "z"], ["ZREMRANGEBYLEX", "r", "[x", "[y"], ["ZREMRANGEBYLEX", "r", "x", "y"],
        ["ZREMRANGEBYSCORE", "r", "-inf", "+inf"], ["EXISTS", "r"], ["ZREMRANGEBYRANK", "nokey", "0", "-1"],
        // ZREM
        ["ZREM", "z", "a", "a", "nosuch"], ["ZREM", "nokey", "a"], ["ZADD", "one", "1", "x"], ["ZREM", "one", "x"], ["EXISTS", "one"],
        // Set operations
        ["ZADD", "s1", "1", "a", "2", "b", "3", "c"], ["ZADD", "s2", "10", "b", "20", "c", "30", "d"], ["ZADD", "s3", "inf", "a", "-inf", "c"],
        ["ZUNION", "2", "s1", "s2"], ["ZUNION", "2", "s1", "s2", "WITHSCORES"], ["ZUNION", "2", "s1", "s2", "WEIGHTS", "2", "0.5", "WITHSCORES"],
        ["ZUNION", "3", "s1", "s2", "s3", "AGGREGATE", "MIN", "WITHSCORES"], ["ZUNION", "3", "s1", "s2", "s3", "AGGREGATE", "MAX", "WITHSCORES"],
        ["ZUNION", "2", "s3", "s3", "WITHSCORES"], ["ZUNION", "2", "s3", "s3", "WEIGHTS", "1", "-1", "WITHSCORES"],
        ["ZUNION", "2", "s1", "nokey", "WITHSCORES"], ["ZUNION", "0", "s1"], ["ZUNION", "x", "s1"], ["ZUNION", "3", "s1", "s2"],
        ["ZUNION", "2", "s1", "s2", "WEIGHTS", "1"], ["ZUNION", "2", "s1", "s2", "WEIGHTS", "1", "x"], ["ZUNION", "2", "s1", "s2", "AGGREGATE", "AVG"],
        ["ZUNION", "2", "s1", "s2", "AGGREGATE"], ["ZUNION", "2", "s1", "s2", "BOGUS"], ["ZUNION", "1", "s1", "s2"],
        ["ZINTER", "2", "s1", "s2", "WITHSCORES"], ["ZINTER", "2", "s1", "s2", "AGGREGATE", "MAX", "WITHSCORES"],
        ["ZINTER", "3", "s1", "s2", "s3", "WITHSCORES"], ["ZINTER", "2", "s1", "nokey"], ["ZINTER", "2", "s1", "s1", "WEIGHTS", "0", "0", "WITHSCORES"],
        ["ZINTER", "2", "s3", "s1", "WEIGHTS", "0", "1", "WITHSCORES"],
        ["ZINTERCARD", "2", "s1", "s2"], ["ZINTERCARD", "2", "s1", "s2", "LIMIT", "1"], ["ZINTERCARD", "2", "s1", "s2", "LIMIT", "0"],
        ["ZINTERCARD", "2", "s1", "s2", "LIMIT", "-1"], ["ZINTERCARD", "2", "s1", "s2", "LIMIT", "x"], ["ZINTERCARD", "2", "s1", "s2", "WITHSCORES"],
        ["ZINTERCARD", "0", "s1"], ["ZINTERCARD", "1", "nokey"],
        ["ZDIFF", "2", "s1", "s2"], ["ZDIFF", "2", "s1", "s2", "WITHSCORES"], ["ZDIFF", "1", "s1", "WITHSCORES"], ["ZDIFF", "2", "s1", "s1"],
        ["ZDIFF", "2", "nokey", "s1"], ["ZDIFF", "2", "s1", "s2", "WEIGHTS", "1", "1"], ["ZDIFF", "2", "s1", "s2", "AGGREGATE", "SUM"],
        ["ZUNIONSTORE", "out", "2", "s1", "s2"], ["ZRANGE", "out", "0", "-1", "WITHSCORES"], ["ZUNIONSTORE", "out", "2", "s1", "s2", "WITHSCORES"],
        ["ZINTERSTORE", "out", "2", "s1", "s2", "WEIGHTS", "1", "2"], ["ZRANGE", "out", "0", "-1", "WITHSCORES"],
        ["ZINTERSTORE", "out", "2", "s1", "nokey"], ["EXISTS", "out"], ["ZDIFFSTORE", "out", "2", "s2", "s1"], ["ZRANGE", "out", "0", "-1", "WITHSCORES"],
        ["ZDIFFSTORE", "out", "2", "s1", "s1"], ["EXISTS", "out"], ["ZUNIONSTORE", "s1", "2", "s1", "s2"], ["ZRANGE", "s1", "0", "-1", "WITHSCORES"],
        ["ZUNIONSTORE", "out", "0", "s1"], ["ZINTERSTORE", "out", "x", "s1"], ["ZDIFFSTORE", "out", "0", "s1"],
        // Sets as inputs are accepted (scores 1) once sets exist; a string is not.
        ["ZUNION", "2", "s1", "str"], ["ZINTERSTORE", "out", "2", "str", "s1"], ["ZDIFF", "2", "s1", "str"], ["ZINTERCARD", "2", "str", "s1"],
        // ZRANDMEMBER and ZSCAN: the deterministic forms
        ["ZRANDMEMBER", "nokey"], ["ZRANDMEMBER", "nokey", "3"], ["ZRANDMEMBER", "s2", "0"], ["ZRANDMEMBER", "s2", "100"],
        ["ZRANDMEMBER", "s2", "3", "WITHSCORES"], ["ZRANDMEMBER", "s2", "x"], ["ZRANDMEMBER", "s2", "1", "BOGUS"],
        ["ZRANDMEMBER", "s2", "1", "WITHSCORES", "x"], ["ZRANDMEMBER", "s2", "-9223372036854775807", "WITHSCORES"],
        ["ZRANDMEMBER", "s2", "-9223372036854775808"],
        ["ZSCAN", "z", "0"], ["ZSCAN", "z", "0", "MATCH", "t*"], ["ZSCAN", "z", "0", "COUNT", "1"], ["ZSCAN", "nokey", "0"],
        ["ZSCAN", "z", "x"], ["ZSCAN", "z", "0", "COUNT", "0"], ["ZSCAN", "z", "0", "BOGUS", "1"],
        // Wrong types, both ways
        ["SET", "str", "v"], ["ZADD", "str", "1", "a"], ["ZINCRBY", "str", "1", "a"], ["ZREM", "str", "a"], ["ZCARD", "str"],
        ["ZSCORE", "str", "a"], ["ZMSCORE", "str", "a"], ["ZRANK", "str", "a"], ["ZREVRANK", "str", "a"], ["ZCOUNT", "str", "0", "1"],
        ["ZCOUNT", "str", "x", "1"], ["ZLEXCOUNT", "str", "-", "+"], ["ZRANGE", "str", "0", "1"], ["ZRANGE", "str", "x", "1"],
        ["ZRANGEBYSCORE", "str", "0", "1"], ["ZRANGEBYLEX", "str", "-", "+"], ["ZREVRANGE", "str", "0", "1"], ["ZPOPMIN", "str"],
        ["ZPOPMAX", "str", "2"], ["ZMPOP", "2", "nokey", "str", "MIN"], ["ZMPOP", "2", "z", "str", "MIN"], ["ZREMRANGEBYRANK", "str", "0", "1"],
        ["ZREMRANGEBYSCORE", "str", "0", "1"], ["ZREMRANGEBYLEX", "str", "-", "+"], ["ZRANDMEMBER", "str"], ["ZRANDMEMBER", "str", "2"],
        ["ZSCAN", "str", "0"], ["ZADD", "str", "x", "a"], ["ZADD", "str", "XX", "1", "a"],
        ["GET", "z"], ["HGET", "z", "a"], ["HSET", "z", "a", "b"], ["INCR", "z"], ["APPEND", "z", "x"], ["TYPE", "z"], ["TYPE", "str"],
        // Keys of every type
        ["RENAME", "z", "z2"], ["ZRANGE", "z2", "0", "-1", "WITHSCORES"], ["EXPIRE", "z2", "100"], ["TTL", "z2"], ["ZADD", "z2", "1", "q"],
        ["TTL", "z2"], ["ZUNIONSTORE", "z2", "1", "s2"], ["TTL", "z2"], ["DEL", "z2"], ["EXISTS", "z2"],
        ["SCAN", "0", "TYPE", "zset", "COUNT", "1000"],
        // Arity
        ["ZADD", "z", "1"], ["ZINCRBY", "z", "1"], ["ZREM", "z"], ["ZCARD"], ["ZSCORE", "z"], ["ZMSCORE", "z"], ["ZRANK", "z"],
        ["ZRANK", "z", "a", "WITHSCORE"], ["ZCOUNT", "z", "1"], ["ZLEXCOUNT", "z", "-"], ["ZRANGE", "z", "0"], ["ZRANGESTORE", "d", "z", "0"],
        ["ZREVRANGE", "z", "0"], ["ZRANGEBYSCORE", "z", "0"], ["ZRANGEBYLEX", "z", "-"], ["ZPOPMIN"], ["ZMPOP", "1", "z"],
        ["ZREMRANGEBYRANK", "z", "0"], ["ZUNION", "1"], ["ZUNIONSTORE", "d", "1"], ["ZINTERCARD", "1"], ["ZDIFF", "1"], ["ZRANDMEMBER"], ["ZSCAN", "z"],
    ]

    @Test func everySortedSetCommandAnswersAsRedisDoes() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let pair = try DifferentialPair(kv: try ServerProcess().start(), redis: try RedisServerProcess())
        for command in Self.script {
            try pair.compare(command, unordered: command[0] == "SCAN")
        }
        // Scores of any length, as strtod reads them.
        let longOne = "1." + String(repeating: "0", count: 6000)
        try pair.compare(["ZADD", "long", longOne, "a", "2", "b"])
        try pair.compare(["ZCOUNT", "long", "(" + longOne, "+inf"])
        try pair.compare(["ZRANGE", "long", "0", "-1", "WITHSCORES"])
        pair.expectAllMatched()
    }

    /// Past 128 members (or with a member over 64 bytes) both servers leave the packed
    /// encoding; every rank, range and removal must still answer the same.
    @Test func largeSortedSetsAnswerAsRedisDoes() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let pair = try DifferentialPair(kv: try ServerProcess().start(), redis: try RedisServerProcess())
        var random = SeededRandom(seed: 77)
        for batch in 0..<100 {
            var command = ["ZADD", "big"]
            for index in 0..<100 {
                command += [String(Int(random.next(below: 5000)) - 2500) + (index % 3 == 0 ? ".5" : ""), "member:\(batch * 100 + index)"]
            }
            _ = try pair.both(command)
        }
        try pair.compare(["ZADD", "long", "1", String(repeating: "x", count: 65)])
        try pair.compare(["ZADD", "long", "2", "short"])
        for index in 0..<129 { _ = try pair.both(["ZADD", "edge", String(index), "m\(index)"]) }
        try pair.compare(["ZCARD", "big"])
        for rank in stride(from: -10_001, to: 10_001, by: 997) {
            try pair.compare(["ZRANGE", "big", String(rank), String(rank + 20), "WITHSCORES"])
            try pair.compare(["ZREVRANGE", "big", String(rank), String(rank + 5)])
        }
        for index in stride(from: 0, to: 10_000, by: 331) {
            try pair.compare(["ZRANK", "big", "member:\(index)"])
            try pair.compare(["ZREVRANK", "big", "member:\(index)"])
            try pair.compare(["ZSCORE", "big", "member:\(index)"])
        }
        for low in stride(from: -2600, to: 2600, by: 411) {
            try pair.compare(["ZCOUNT", "big", String(low), "(\(low + 300)"])
            try pair.compare(["ZRANGEBYSCORE", "big", "(\(low)", String(low + 40), "WITHSCORES", "LIMIT", "3", "7"])
            try pair.compare(["ZREVRANGEBYSCORE", "big", String(low + 40), String(low), "LIMIT", "1", "4"])
        }
        try pair.compare(["ZRANGE", "big", "0", "-1", "WITHSCORES"])
        // Removals of every kind, then the whole set again.
        try pair.compare(["ZREMRANGEBYRANK", "big", "100", "1099"])
        try pair.compare(["ZREMRANGEBYSCORE", "big", "-500", "(500"])
        try pair.compare(["ZPOPMIN", "big", "300"])
        try pair.compare(["ZPOPMAX", "big", "300"])
        try pair.compare(["ZMPOP", "1", "big", "MAX", "COUNT", "10"])
        for index in stride(from: 0, to: 10_000, by: 3) { _ = try pair.both(["ZREM", "big", "member:\(index)"]) }
        for index in stride(from: 1, to: 10_000, by: 7) { _ = try pair.both(["ZINCRBY", "big", "0.25", "member:\(index)"]) }
        try pair.compare(["ZCARD", "big"])
        try pair.compare(["ZRANGE", "big", "0", "-1", "WITHSCORES"])
        try pair.compare(["ZUNIONSTORE", "u", "2", "big", "edge", "WEIGHTS", "1", "2"])
        try pair.compare(["ZRANGE", "u", "0", "-1", "WITHSCORES"])
        try pair.compare(["ZINTER", "2", "big", "u", "WITHSCORES"])
        try pair.compare(["ZDIFFSTORE", "d", "2", "u", "edge"])
        try pair.compare(["ZRANGE", "d", "0", "-1", "WITHSCORES"])
        try pair.compare(["ZRANGESTORE", "rs", "big", "0", "99"])
        try pair.compare(["ZRANDMEMBER", "edge", "1000", "WITHSCORES"])
        // A large lex range: one score.
        for index in 0..<300 { _ = try pair.both(["ZADD", "words", "0", String(format: "w%04d", index * 7 % 1000)]) }
        try pair.compare(["ZRANGEBYLEX", "words", "[w0100", "(w0500", "LIMIT", "5", "10"])
        try pair.compare(["ZREVRANGEBYLEX", "words", "(w0500", "[w0100", "LIMIT", "5", "10"])
        try pair.compare(["ZLEXCOUNT", "words", "(w0100", "+"])
        try pair.compare(["ZREMRANGEBYLEX", "words", "-", "[w0300"])
        try pair.compare(["ZRANGE", "words", "0", "-1"])
        // ZSCAN over a large set: every member exactly once.
        var cursor = "0"
        var seen: [String: Int] = [:]
        repeat {
            guard case let .aggregate(_, parts) = try pair.kv.redisCall(["ZSCAN", "u", cursor, "COUNT", "50"]),
                  case let .bulk(_, next) = parts[0], case let .aggregate(_, items) = parts[1]
            else { Issue.record("ZSCAN's reply is not [cursor, items]"); return }
            for index in stride(from: 0, to: items.count, by: 2) { seen[items[index].description, default: 0] += 1 }
            cursor = String(decoding: next, as: UTF8.self)
        } while cursor != "0"
        guard case let .simple(length) = try pair.compare(["ZCARD", "u"]) else { Issue.record("ZCARD"); return }
        #expect(seen.count == Int(length.dropFirst()), "ZSCAN returned \(seen.count) members, ZCARD says \(length)")
        #expect(seen.values.allSatisfy { $0 == 1 }, "a member returned twice")
        pair.expectAllMatched()
    }

    /// Seeded random sequences of sorted set commands over a few keys (some packed, some
    /// large), replies compared one by one and every key's ZRANGE 0 -1 WITHSCORES at the end.
    @Test(arguments: [1, 2, 3, 4]) func randomSortedSetWorkloadsMatchRedis(seed: UInt64) throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let pair = try DifferentialPair(kv: try ServerProcess().start(), redis: try RedisServerProcess())
        var random = SeededRandom(seed: seed)
        let keys = ["z:a", "z:b", "z:big", "s:str"]
        func key() -> String { keys[Int(random.next(below: UInt64(keys.count)))] }
        func member(_ key: String) -> String { "m\(random.next(below: key == "z:big" ? 400 : 60))" }
        func score() -> String {
            switch random.next(below: 5) {
            case 0: String(Int(random.next(below: 200)) - 100)
            case 1: "\(Int(random.next(below: 20))).25"
            case 2: ["inf", "-inf", "0.1", "1e10"][Int(random.next(below: 4))]
            default: String(random.next(below: 10))
            }
        }
        func bound() -> String {
            switch random.next(below: 4) {
            case 0: "-inf"
            case 1: "+inf"
            case 2: "(" + String(Int(random.next(below: 20)) - 5)
            default: String(Int(random.next(below: 20)) - 5)
            }
        }
        try pair.compare(["SET", "s:str", "text"])
        for _ in 0..<200 { _ = try pair.both(["ZADD", "z:big", score(), member("z:big")]) }
        for _ in 0..<800 {
            let k = key()
            let command: [String]
            switch random.next(below: 24) {
            case 0, 1, 2: command = ["ZADD", k] + (0..<(1 + Int(random.next(below: 4)))).flatMap { _ in [score(), member(k)] }
            case 3: command = ["ZADD", k, ["NX", "XX", "GT", "LT", "CH"][Int(random.next(below: 5))], score(), member(k)]
            case 4: command = ["ZINCRBY", k, score(), member(k)]
            case 5: command = ["ZREM", k, member(k), member(k)]
            case 6: command = ["ZSCORE", k, member(k)]
            case 7: command = ["ZRANK", k, member(k)]
            case 8: command = ["ZREVRANK", k, member(k)]
            case 9: command = ["ZCOUNT", k, bound(), bound()]
            case 10: command = ["ZRANGE", k, String(Int(random.next(below: 40)) - 20), String(Int(random.next(below: 40)) - 20), "WITHSCORES"]
            case 11: command = ["ZRANGEBYSCORE", k, bound(), bound(), "WITHSCORES", "LIMIT", String(random.next(below: 5)), String(Int(random.next(below: 8)) - 1)]
            case 12: command = ["ZREVRANGEBYSCORE", k, bound(), bound()]
            case 13: command = ["ZPOPMIN", k, String(random.next(below: 3))]
            case 14: command = ["ZPOPMAX", k]
            case 15: command = ["ZREMRANGEBYRANK", k, String(Int(random.next(below: 10)) - 5), String(Int(random.next(below: 10)) - 5)]
            case 16: command = ["ZREMRANGEBYSCORE", k, bound(), bound()]
            case 17: command = ["ZCARD", k]
            case 18: command = ["ZMSCORE", k, member(k), member(k)]
            case 19: command = ["ZUNIONSTORE", "z:a", "2", k, key(), "AGGREGATE", ["SUM", "MIN", "MAX"][Int(random.next(below: 3))]]
            case 20: command = ["ZINTER", "2", k, key(), "WITHSCORES"]
            case 21: command = ["ZDIFF", "2", k, key(), "WITHSCORES"]
            case 22: command = ["ZMPOP", "2", k, key(), random.next(below: 2) == 0 ? "MIN" : "MAX", "COUNT", String(1 + random.next(below: 3))]
            default: command = ["ZRANGESTORE", "z:b", k, bound(), bound(), "BYSCORE"]
            }
            try pair.compare(command)
        }
        for key in keys {
            try pair.compare(["TYPE", key])
            try pair.compare(["ZRANGE", key, "0", "-1", "WITHSCORES"])
        }
        pair.expectAllMatched("seed \(seed)")
    }
}
