import Foundation
import Testing

/// SORT and SORT_RO against a real redis-server, byte for byte in RESP2 and RESP3: numbers and
/// ALPHA, DESC, LIMIT, BY weights from strings and hash fields, BY nosort, GET, STORE, over
/// lists, sets and sorted sets, and the errors. (Orders Redis leaves undefined — ties under
/// ALPHA with BY, a set with BY nosort and no STORE — are not asked.)
@Suite(.serialized) struct SortDifferentialTests {
    static let script: [[String]] = [
        ["RPUSH", "l", "3", "1", "2", "10", "-5", "2.5"], ["SORT", "l"], ["SORT", "l", "DESC"], ["SORT", "l", "ALPHA"],
        ["SORT", "l", "ALPHA", "DESC"], ["SORT", "l", "LIMIT", "1", "2"], ["SORT", "l", "LIMIT", "-1", "2"],
        ["SORT", "l", "LIMIT", "0", "-1"], ["SORT", "l", "LIMIT", "4", "100"], ["SORT", "l", "LIMIT", "100", "1"],
        ["SORT", "l", "LIMIT", "a", "1"], ["SORT", "l", "LIMIT", "1"], ["SORT", "l", "BOGUS"],
        ["RPUSH", "words", "pear", "apple", "fig"], ["SORT", "words"], ["SORT", "words", "ALPHA"],
        ["SADD", "s", "5", "3", "9", "-1"], ["SORT", "s"], ["SORT", "s", "DESC", "LIMIT", "0", "2"],
        ["SADD", "sw", "x", "y", "z", "w"], ["SORT", "sw", "ALPHA"], ["SORT", "sw", "ALPHA", "DESC"],
        ["ZADD", "z", "1", "c", "2", "b", "3", "a", "4", "d"], ["SORT", "z", "ALPHA"], ["SORT", "z", "BY", "nosort"],
        ["SORT", "z", "BY", "nosort", "DESC"], ["SORT", "z", "BY", "nosort", "LIMIT", "1", "2"],
        ["SORT", "l", "BY", "nosort"], ["SORT", "l", "BY", "nosort", "DESC"],
        // BY and GET
        ["MSET", "w_3", "30", "w_1", "10", "w_2", "20", "w_10", "5", "w_-5", "50", "w_2.5", "25"],
        ["SORT", "l", "BY", "w_*"], ["SORT", "l", "BY", "w_*", "DESC"], ["SORT", "l", "BY", "w_*", "GET", "#"],
        ["SORT", "l", "BY", "w_*", "GET", "w_*", "GET", "#"], ["SORT", "l", "GET", "#", "GET", "nokey_*"],
        ["SORT", "l", "GET", "nostar"], ["SET", "w_bad", "x"], ["RPUSH", "lb", "bad", "1"], ["SORT", "lb", "BY", "w_*"],
        ["HSET", "h_1", "f", "a1"], ["HSET", "h_2", "f", "b2"], ["HSET", "h_3", "f", "c3"], ["HSET", "h_10", "f", "d10"],
        ["HSET", "h_-5", "f", "e5"], ["HSET", "h_2.5", "f", "f25"], ["SORT", "l", "BY", "h_*->f", "ALPHA"],
        ["SORT", "l", "BY", "h_*->f", "ALPHA", "DESC", "GET", "h_*->f", "GET", "#"], ["SORT", "l", "GET", "h_*->nofield"],
        ["SORT", "l", "GET", "w_*->f"], ["SORT", "l", "GET", "h_*->"],
        // STORE
        ["SORT", "l", "STORE", "dst"], ["LRANGE", "dst", "0", "-1"], ["TYPE", "dst"], ["SET", "dst2", "x"],
        ["SORT", "l", "GET", "nokey_*", "STORE", "dst2"], ["LRANGE", "dst2", "0", "-1"], ["SORT", "empty", "STORE", "dst"],
        ["EXISTS", "dst"], ["SORT", "sw", "BY", "nosort", "STORE", "dst3"], ["LRANGE", "dst3", "0", "-1"],
        ["SORT", "z", "BY", "nosort", "STORE", "dst4"], ["LRANGE", "dst4", "0", "-1"],
        // SORT_RO and errors
        ["SORT_RO", "l"], ["SORT_RO", "l", "BY", "w_*", "GET", "#"], ["SORT_RO", "l", "STORE", "x"],
        ["SORT", "h_1"], ["SORT", "w_1"], ["SORT", "missing"], ["SORT"], ["SORT_RO"],
    ]

    @Test func sortAnswersAsRedisDoes() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let pair = try DifferentialPair(kv: try ServerProcess().start(), redis: try RedisServerProcess())
        for command in Self.script { try pair.compare(command) }
        pair.expectAllMatched()
    }
}
