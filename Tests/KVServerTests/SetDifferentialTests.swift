import Foundation
import Testing

/// The set commands against a real redis-server, byte for byte in RESP2 and RESP3: a script
/// of every command and its error paths, sets past the intset limits, and seeded random
/// workloads with the final datasets compared. An intset lists in ascending order in both
/// servers, so replies that list one are compared in order; a hash table's order is each
/// server's own, so those are compared as sets. SPOP and SRANDMEMBER are checked by what must
/// hold of their answers.
@Suite(.serialized) struct SetDifferentialTests {
    /// Commands whose answers list members in hash-table order: compared as sets.
    static let unorderedScript: Set<[String]> = [
        ["SMEMBERS", "n"], ["SMEMBERS", "m"], ["SMEMBERS", "dst"], ["SINTER", "i1", "h1"], ["SUNION", "i1", "h1"],
        ["SDIFF", "h1", "i1"], ["SMEMBERS", "h1"], ["SSCAN", "h1", "0", "COUNT", "100"], ["SSCAN", "m", "0"],
        ["SUNION", "h1", "nokey"], ["SINTER", "h1", "h1"], ["SRANDMEMBER", "h1", "100"],
        ["SCAN", "0", "TYPE", "set", "COUNT", "1000"], ["SPOP", "h1", "100"], ["SMEMBERS", "hd"], ["SINTER", "m"],
    ]

    static let script: [[String]] = [
        // SADD, SMEMBERS, SCARD over an intset, its width growing 2 → 4 → 8 bytes
        ["SADD", "s", "3", "1", "2"], ["SADD", "s", "2", "5", "-7"], ["SMEMBERS", "s"], ["SCARD", "s"],
        ["SADD", "s", "100000", "-40000"], ["SMEMBERS", "s"], ["SADD", "s", "5000000000", "-5000000000"], ["SMEMBERS", "s"],
        ["SADD", "s", "-9223372036854775808", "9223372036854775807", "0"], ["SMEMBERS", "s"], ["SCARD", "s"],
        ["SADD", "s"], ["SADD"], ["SCARD", "nokey"], ["SMEMBERS", "nokey"],
        // Not integers to string2ll: a hash table from the start
        ["SADD", "n", "01", "1", "+1", " 1", "-0", "0", "1.0", "9223372036854775808"], ["SMEMBERS", "n"], ["SCARD", "n"],
        // Membership
        ["SISMEMBER", "s", "1"], ["SISMEMBER", "s", "01"], ["SISMEMBER", "s", "x"], ["SISMEMBER", "s", "5000000000"],
        ["SISMEMBER", "s", "99999999999999999999"], ["SISMEMBER", "nokey", "1"], ["SISMEMBER", "n", "01"], ["SISMEMBER", "n", "2"],
        ["SMISMEMBER", "s", "1", "9", "01", "x"], ["SMISMEMBER", "nokey", "a", "b"], ["SMISMEMBER", "n", "+1", "1"],
        // SREM
        ["SREM", "s", "1", "01", "x", "9", "1"], ["SREM", "s", "9223372036854775807"], ["SMEMBERS", "s"], ["SREM", "nokey", "a"],
        ["SREM", "n", "01", "nothere"], ["SCARD", "n"],
        // A table keeps its encoding when only integers are left; a new set built from it does not
        ["SADD", "m", "a", "b", "10", "2"], ["SMEMBERS", "m"], ["SREM", "m", "a", "b"], ["SMEMBERS", "m"], ["SUNION", "m"],
        ["SDIFF", "m", "nokey"], ["SINTER", "m"], ["SSCAN", "m", "0"],
        // Emptied sets are deleted
        ["SADD", "gone", "1", "x"], ["SREM", "gone", "1", "x"], ["EXISTS", "gone"], ["TYPE", "gone"], ["TYPE", "s"], ["TYPE", "n"],
        // Wrong types, both ways
        ["SET", "str", "v"], ["SADD", "str", "1"], ["SREM", "str", "1"], ["SCARD", "str"], ["SMEMBERS", "str"],
        ["SISMEMBER", "str", "1"], ["SMISMEMBER", "str", "1"], ["SPOP", "str"], ["SPOP", "str", "1"], ["SRANDMEMBER", "str"],
        ["SRANDMEMBER", "str", "0"], ["SRANDMEMBER", "str", "-1"], ["SSCAN", "str", "0"], ["SSCAN", "str", "0", "COUNT", "0"],
        ["SINTER", "s", "str"], ["SINTER", "nokey", "str"], ["SUNION", "nokey", "str"], ["SDIFF", "nokey", "str"],
        ["SDIFF", "s", "str"], ["SINTERCARD", "2", "nokey", "str"], ["SINTERSTORE", "d", "nokey", "str"],
        ["SUNIONSTORE", "d", "s", "str"], ["SDIFFSTORE", "d", "s", "str"], ["EXISTS", "d"],
        ["GET", "s"], ["APPEND", "s", "x"], ["INCR", "s"], ["HSET", "s", "f", "v"], ["HGET", "s", "f"], ["STRLEN", "s"],
        ["SET", "s", "x", "GET"], ["MGET", "s", "str"],
        // SPOP and SRANDMEMBER: arguments, and the forms whose answers are certain
        ["SADD", "p", "5", "3", "1"], ["SPOP", "p", "0"], ["SPOP", "p", "-1"], ["SPOP", "p", "x"], ["SPOP", "p", "1", "2"],
        ["SPOP", "nokey"], ["SPOP", "nokey", "3"], ["SPOP", "nokey", "-1"], ["SPOP", "nokey", "0"], ["SPOP", "p", "10"],
        ["EXISTS", "p"], ["SADD", "p", "5", "3", "1"], ["SPOP", "p", "3"], ["EXISTS", "p"],
        ["SADD", "p", "5", "3", "1"], ["SRANDMEMBER", "p", "10"], ["SRANDMEMBER", "p", "3"], ["SRANDMEMBER", "p", "0"],
        ["SRANDMEMBER", "nokey"], ["SRANDMEMBER", "nokey", "5"], ["SRANDMEMBER", "nokey", "-5"], ["SRANDMEMBER", "nokey", "0"],
        ["SRANDMEMBER", "p", "x"], ["SRANDMEMBER", "p", "-9223372036854775808"], ["SRANDMEMBER", "p", "-9223372036854775807x"],
        ["SRANDMEMBER", "p", "1", "2"], ["SRANDMEMBER", "p", "9223372036854775807"],
        ["SADD", "one", "only"], ["SRANDMEMBER", "one"], ["SRANDMEMBER", "one", "-3"], ["SRANDMEMBER", "one", "1"],
        ["SRANDMEMBER", "one", "5"], ["SPOP", "one"], ["EXISTS", "one"],
        ["SADD", "one", "42"], ["SPOP", "one", "1"], ["EXISTS", "one"],
        // SMOVE
        ["SADD", "src", "1", "2", "a"], ["SADD", "dst", "3"], ["SMOVE", "src", "dst", "1"], ["SMOVE", "src", "dst", "9"],
        ["SMOVE", "src", "dst", "a"], ["SMEMBERS", "dst"], ["SMOVE", "src", "newdst", "2"], ["SMEMBERS", "newdst"],
        ["EXISTS", "src"], ["SMOVE", "nokey", "str", "1"], ["SMOVE", "dst", "str", "3"], ["SMOVE", "str", "dst", "3"],
        ["SMOVE", "dst", "dst", "3"], ["SMOVE", "dst", "dst", "zz"], ["SMOVE", "newdst", "dst", "2"], ["EXISTS", "newdst"],
        ["SADD", "newdst", "3"], ["SMOVE", "dst", "newdst", "3"], ["SMEMBERS", "newdst"], ["SMOVE", "nokey", "nokey2", "1"],
        // Intersections, unions, differences
        ["SADD", "i1", "1", "2", "3", "4"], ["SADD", "i2", "3", "4", "5"], ["SADD", "i3", "4", "5", "6", "7", "8"],
        ["SADD", "h1", "4", "x", "3"],
        ["SINTER", "i1", "i2"], ["SINTER", "i3", "i1", "i2"], ["SINTER", "i1", "nokey"], ["SINTER", "nokey"], ["SINTER", "i1"],
        ["SINTER", "i1", "i1"], ["SINTER", "i1", "h1"], ["SINTER", "h1", "h1"], ["SINTER", "i3", "i1"],
        ["SUNION", "i1", "i2", "i3"], ["SUNION", "i3", "i1"], ["SUNION", "i1", "nokey"], ["SUNION", "i1", "h1"], ["SUNION", "nokey"],
        ["SUNION", "h1", "nokey"],
        ["SDIFF", "i1", "i2"], ["SDIFF", "i3", "i1", "i2"], ["SDIFF", "nokey", "i1"], ["SDIFF", "i1", "nokey"], ["SDIFF", "i1", "i1"],
        ["SDIFF", "i1", "i2", "i1"], ["SDIFF", "h1", "i1"], ["SDIFF", "i1", "h1"], ["SDIFF", "i3", "i1", "i2", "h1", "s", "n"],
        // SINTERCARD
        ["SINTERCARD", "2", "i1", "i2"], ["SINTERCARD", "1", "i3"], ["SINTERCARD", "1", "i3", "LIMIT", "2"],
        ["SINTERCARD", "1", "i3", "limit", "0"], ["SINTERCARD", "1", "i3", "LIMIT", "100"], ["SINTERCARD", "1", "i3", "LIMIT", "2", "LIMIT", "3"],
        ["SINTERCARD", "2", "i1", "nokey"], ["SINTERCARD", "0", "i1"], ["SINTERCARD", "-1", "i1"], ["SINTERCARD", "x", "i1"],
        ["SINTERCARD", "3", "i1", "i2"], ["SINTERCARD", "1", "i1", "LIMIT"], ["SINTERCARD", "1", "i1", "LIMIT", "-1"],
        ["SINTERCARD", "1", "i1", "LIMIT", "x"], ["SINTERCARD", "1", "i1", "FOO", "1"], ["SINTERCARD", "1", "i1", "i2"],
        ["SINTERCARD", "1", "str"], ["SINTERCARD", "9223372036854775808", "i1"],
        // The …STORE commands replace the destination, whatever it held, and its TTL
        ["SINTERSTORE", "d1", "i1", "i2"], ["SMEMBERS", "d1"], ["SINTERSTORE", "d1", "i1", "nokey"], ["EXISTS", "d1"],
        ["SINTERSTORE", "d1", "nokey"], ["SUNIONSTORE", "d1", "i1", "i3"], ["SMEMBERS", "d1"], ["SUNIONSTORE", "d1", "nokey"],
        ["EXISTS", "d1"], ["SDIFFSTORE", "d1", "i3", "i1"], ["SMEMBERS", "d1"], ["SDIFFSTORE", "d1", "i1", "i1"], ["EXISTS", "d1"],
        ["SET", "sv", "x", "EX", "100"], ["SUNIONSTORE", "sv", "i1"], ["TYPE", "sv"], ["TTL", "sv"], ["SMEMBERS", "sv"],
        ["EXPIRE", "sv", "100"], ["SINTERSTORE", "sv", "i1", "i2"], ["TTL", "sv"], ["SDIFFSTORE", "sv", "i1", "i1"], ["EXISTS", "sv"],
        ["SUNIONSTORE", "i2", "i2", "i3"], ["SMEMBERS", "i2"], ["SINTERSTORE", "i2", "i2", "i1"], ["SMEMBERS", "i2"],
        ["SDIFFSTORE", "hd", "h1", "i2"], ["SMEMBERS", "hd"], ["SUNIONSTORE", "str2", "nokey"], ["SINTERSTORE", "str", "i1"], ["TYPE", "str"],
        ["SET", "str", "v"],
        // SSCAN: an intset answers whole, with cursor 0
        ["SSCAN", "i3", "0"], ["SSCAN", "i3", "0", "MATCH", "[4-6]"], ["SSCAN", "i3", "0", "COUNT", "1"], ["SSCAN", "i3", "7"],
        ["SSCAN", "nokey", "0"], ["SSCAN", "nokey", "0", "COUNT", "0"], ["SSCAN", "i3", "x"], ["SSCAN", "i3", "0", "COUNT", "0"],
        ["SSCAN", "i3", "0", "BOGUS", "1"], ["SSCAN", "i3", "0", "COUNT"], ["SSCAN", "i3", "0", "TYPE", "set"],
        ["SSCAN", "h1", "0", "COUNT", "100"], ["SCAN", "0", "TYPE", "set", "COUNT", "1000"],
        // Whole-set SPOP of a table
        ["SPOP", "h1", "100"], ["EXISTS", "h1"],
        // Keys of every type
        ["RENAME", "i3", "i4"], ["SMEMBERS", "i4"], ["EXPIRE", "i4", "100"], ["SADD", "i4", "99"], ["TTL", "i4"], ["DEL", "i4"],
        // Arity
        ["SCARD"], ["SCARD", "a", "b"], ["SMEMBERS"], ["SISMEMBER", "s"], ["SMISMEMBER", "s"], ["SREM", "s"], ["SMOVE", "a", "b"],
        ["SINTER"], ["SUNION"], ["SDIFF"], ["SINTERCARD", "1"], ["SINTERSTORE", "d"], ["SUNIONSTORE", "d"], ["SDIFFSTORE", "d"],
        ["SSCAN", "s"], ["SPOP"], ["SRANDMEMBER"],
    ]

    @Test func everySetCommandAnswersAsRedisDoes() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let pair = try DifferentialPair(kv: try ServerProcess().start(), redis: try RedisServerProcess())
        for command in Self.script {
            try pair.compare(command, unordered: Self.unorderedScript.contains(command))
        }
        pair.expectAllMatched()
    }

    /// Sets past 512 integers, or with other members, are hash tables in both servers: replies
    /// that list them are compared as sets, and whatever depends on chance by its invariants.
    @Test func largeSetsAnswerAsRedisDoes() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let pair = try DifferentialPair(kv: try ServerProcess().start(), redis: try RedisServerProcess())
        // 512 integers stay an intset (listed in order); the 513th makes a table.
        try pair.compare(["SADD", "edge"] + (0..<512).map { String(1000 - 3 * $0) })
        try pair.compare(["SMEMBERS", "edge"])
        try pair.compare(["SADD", "edge", "-1"])
        try pair.compare(["SMEMBERS", "edge"], unordered: true)
        try pair.compare(["SREM", "edge", "-1"])
        try pair.compare(["SUNION", "edge"])  // a new set of 512 integers: an intset again
        for index in 0..<600 { try pair.compare(["SADD", "big", String(index * 7 - 2000)]) }
        try pair.compare(["SADD", "words"] + (0..<600).map { "word:\($0)" })
        try pair.compare(["SADD", "few", "-2000", "5", "12", "19"])
        try pair.compare(["SADD", "fewmixed", "-2000", "5", "word:3"])
        for key in ["t1", "t2", "t3", "t4"] { try pair.compare(["SADD", key, "5", key]) }
        try pair.compare(["SADD", "cut"] + (0..<200).map { String($0 * 7 - 2000) })
        for key in ["big", "words"] {
            try pair.compare(["SCARD", key])
            try pair.compare(["SMEMBERS", key], unordered: true)
            try pair.compare(["SRANDMEMBER", key, "1000"], unordered: true)
            try pair.compare(["SISMEMBER", key, "word:599"])
            try pair.compare(["SMISMEMBER", key, "-2000", "word:0", "nothere", "5"])
        }
        try pair.compare(["SINTER", "big", "few"])  // the smallest is an intset: in order
        try pair.compare(["SINTER", "words", "fewmixed"], unordered: true)
        try pair.compare(["SINTER", "fewmixed", "big"], unordered: true)
        try pair.compare(["SINTERCARD", "2", "big", "cut"])
        try pair.compare(["SINTERCARD", "2", "big", "cut", "LIMIT", "50"])
        try pair.compare(["SUNION", "big", "few"], unordered: true)
        try pair.compare(["SDIFF", "big", "cut"])  // Redis's first algorithm: 400 integers, an intset
        try pair.compare(["SDIFF", "big", "few", "t1", "t2", "t3", "t4"], unordered: true)  // its second: a table
        try pair.compare(["SDIFFSTORE", "d2", "big", "few", "t1", "t2", "t3", "t4"])
        try pair.compare(["SDIFFSTORE", "dd", "big", "cut"])
        try pair.compare(["SMEMBERS", "dd"])
        try pair.compare(["SINTERSTORE", "di", "words", "big", "few"])
        try pair.compare(["SUNIONSTORE", "du", "words", "big"])
        try pair.compare(["SCARD", "du"])
        try pair.compare(["SMEMBERS", "du"], unordered: true)
        try pair.compare(["SMOVE", "big", "words", "-2000"])
        try pair.compare(["SMOVE", "words", "big", "word:5"])
        for index in stride(from: 0, to: 600, by: 9) {
            try pair.compare(["SREM", "big", String(index * 7 - 2000), "word:5"])
        }
        try pair.compare(["SMEMBERS", "big"], unordered: true)

        // SSCAN over a table: every member exactly once, whatever the cursors.
        for key in ["words", "du"] {
            var cursor = "0"
            var seen: [String: Int] = [:]
            repeat {
                guard case let .aggregate(_, parts) = try pair.kv.redisCall(["SSCAN", key, cursor, "COUNT", "25"]),
                      case let .bulk(_, next) = parts[0], case let .aggregate(_, items) = parts[1]
                else { Issue.record("SSCAN's reply is not [cursor, items]"); return }
                for item in items { seen[item.description, default: 0] += 1 }
                cursor = String(decoding: next, as: UTF8.self)
            } while cursor != "0"
            guard case let .simple(size) = try pair.compare(["SCARD", key]) else { Issue.record("SCARD"); return }
            #expect(seen.count == Int(size.dropFirst()), "SSCAN returned \(seen.count) members of \(key), SCARD says \(size)")
            #expect(seen.values.allSatisfy { $0 == 1 }, "a member returned twice")
        }

        // SRANDMEMBER: counts right, members distinct for a positive count, all from the set.
        let members = Set(try kvMembers(pair, "words"))
        for count in [1, 5, 150, 550, -5, -700] {
            let drawn = try kvList(pair, ["SRANDMEMBER", "words", String(count)])
            #expect(drawn.count == abs(count), "SRANDMEMBER words \(count) drew \(drawn.count)")
            #expect(drawn.allSatisfy(members.contains), "SRANDMEMBER drew a non-member")
            if count > 0 { #expect(Set(drawn).count == drawn.count, "SRANDMEMBER \(count) repeated a member") }
        }
        #expect(try members.contains(kvBulk(pair, ["SRANDMEMBER", "words"])))

        // SPOP both ways (few drawn; most drawn: the kept ones rebuilt), on each server,
        // then the popped members are removed from the other so that they stay equal.
        for (key, count) in [("big", 10), ("words", 3), ("big", 450), ("words", 590), ("du", 1)] {
            try popChecked(pair, key, count: count)
        }
        // 450 of big's integers drawn: what remains is a new intset, listed in order.
        let rest = try kvMembers(pair, "big")
        #expect(rest.compactMap(Int.init) == rest.compactMap(Int.init).sorted(), "the set SPOP rebuilt is not listed in order")
        try popChecked(pair, "words", count: nil)
        for key in ["big", "words", "du", "dd", "di", "d2", "few", "edge"] {
            try pair.compare(["SCARD", key])
            try pair.compare(["SMEMBERS", key], unordered: true)
        }
        pair.expectAllMatched()
    }

    /// Seeded random sequences of set commands over integer-only keys (intsets, compared in
    /// order), mixed keys (compared as sets) and a string, the store commands included; SPOPs
    /// checked by invariants and mirrored; the datasets compared at the end.
    @Test(arguments: [1, 2, 3, 4]) func randomSetWorkloadsMatchRedis(seed: UInt64) throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let pair = try DifferentialPair(kv: try ServerProcess().start(), redis: try RedisServerProcess())
        var random = SeededRandom(seed: seed)
        let integerKeys = ["i:a", "i:b", "i:c"]
        let mixedKeys = ["m:a", "m:b", "m:c"]
        let keys = integerKeys + mixedKeys + ["s:str", "none"]
        func pick(_ from: [String]) -> String { from[Int(random.next(below: UInt64(from.count)))] }
        func integer() -> String { String(Int(random.next(below: 60)) - 20) }
        func member(for key: String) -> String {
            if key.hasPrefix("i:") || random.next(below: 2) == 0 { return integer() }
            return random.next(below: 4) == 0 ? "0\(random.next(below: 5))" : "m\(random.next(below: 30))"
        }
        func sources(_ pool: [String]) -> [String] { (0..<(1 + Int(random.next(below: 3)))).map { _ in pick(pool) } }
        try pair.compare(["SET", "s:str", "text"])
        for _ in 0..<700 {
            // Integer keys only ever receive integers: they stay intsets.
            let integerOnly = random.next(below: 2) == 0
            let pool = integerOnly ? integerKeys : keys
            let key = pick(pool)
            var command: [String]
            switch random.next(below: 16) {
            case 0, 1, 2: command = ["SADD", key] + (0..<(1 + Int(random.next(below: 4)))).map { _ in member(for: key) }
            case 3: command = ["SREM", key] + (0..<(1 + Int(random.next(below: 3)))).map { _ in member(for: "m:") }
            case 4: command = ["SISMEMBER", key, member(for: "m:")]
            case 5: command = ["SMISMEMBER", key, member(for: "m:"), member(for: "m:")]
            case 6: command = ["SCARD", key]
            case 7: command = ["SMEMBERS", key]
            case 8:
                let destination = pick(pool)
                command = ["SMOVE", pick(pool), destination, member(for: destination)]
            case 9: command = ["SINTER"] + sources(pool)
            case 10: command = ["SUNION"] + sources(pool)
            case 11: command = ["SDIFF"] + sources(pool)
            case 12:
                let from = sources(pool)
                command = ["SINTERCARD", String(from.count)] + from + (random.next(below: 2) == 0 ? ["LIMIT", String(random.next(below: 4))] : [])
            case 13, 14:
                // An integer key is only ever given a set made from integer keys.
                let destination = pick(pool)
                let name = ["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"][Int(random.next(below: 3))]
                command = [name, destination] + sources(destination.hasPrefix("i:") ? integerKeys : pool)
            default:
                try popChecked(pair, key, count: random.next(below: 3) == 0 ? nil : Int(random.next(below: 6)))
                continue
            }
            try pair.compare(command, unordered: !integerOnly)
        }
        for key in keys {
            try pair.compare(["TYPE", key])
            try pair.compare(["SCARD", key])
            try pair.compare(["SMEMBERS", key], unordered: !key.hasPrefix("i:"))
        }
        pair.expectAllMatched("seed \(seed)")
    }

    // MARK: - SPOP by invariants

    /// SPOP `key` [count] on kv and on redis: each answer must be members the set had (as
    /// many as asked, or all), now gone; each server then removes what the other popped, so
    /// that both hold the same set again (compared).
    private func popChecked(_ pair: DifferentialPair, _ key: String, count: Int?) throws {
        let redis = try RESPSession(port: pair.redis.port)
        let kv = try RESPSession(port: pair.kv.port)
        let before = try pair.both(["SMEMBERS", key])
        let command = ["SPOP", key] + (count.map { [String($0)] } ?? [])
        let kvReply = try kv.call(command)
        let redisReply = try redis.call(command)
        guard case .aggregate = before.kv, case .aggregate = before.redis else {
            // Not a set: the errors must match.
            #expect(kvReply == redisReply, "\(command): kv \(kvReply), redis \(redisReply)")
            return
        }
        let had = Set(Self.strings(before.kv))
        #expect(had == Set(Self.strings(before.redis)), "the servers held different sets before \(command)")
        var popped: [String: [String]] = [:]
        for (name, reply, session) in [("kv", kvReply, kv), ("redis", redisReply, redis)] {
            let members: [String]
            switch reply {
            case .simple("$-1"), .simple("_"): members = []
            case let .bulk(_, bytes): members = [String(decoding: bytes, as: UTF8.self)]
            default: members = Self.strings(reply)
            }
            let expected = count.map { min($0, had.count) } ?? min(1, had.count)
            #expect(members.count == expected, "\(name) \(command) popped \(members.count) of \(had.count), wanted \(expected)")
            #expect(Set(members).count == members.count, "\(name) \(command) popped a member twice")
            #expect(members.allSatisfy(had.contains), "\(name) \(command) popped a non-member")
            let after = Set(Self.strings(try session.call(["SMEMBERS", key])))
            #expect(after == had.subtracting(members), "\(name): the popped members are not exactly what left the set")
            popped[name] = members
        }
        // Mirror: each server loses what the other popped too.
        if let fromRedis = popped["redis"], !fromRedis.isEmpty { _ = try kv.call(["SREM", key] + fromRedis) }
        if let fromKV = popped["kv"], !fromKV.isEmpty { _ = try redis.call(["SREM", key] + fromKV) }
        try pair.compare(["SMEMBERS", key], unordered: true, once: true)
    }

    private static func strings(_ reply: RESPReply) -> [String] {
        guard case let .aggregate(_, items) = reply else { return [] }
        return items.compactMap { item in
            if case let .bulk(_, bytes) = item { return String(decoding: bytes, as: UTF8.self) }
            return nil
        }
    }

    private func kvList(_ pair: DifferentialPair, _ command: [String]) throws -> [String] {
        Self.strings(try pair.kv.redisCall(command))
    }

    private func kvMembers(_ pair: DifferentialPair, _ key: String) throws -> [String] {
        try kvList(pair, ["SMEMBERS", key])
    }

    private func kvBulk(_ pair: DifferentialPair, _ command: [String]) throws -> String {
        guard case let .bulk(_, bytes) = try pair.kv.redisCall(command) else { return "" }
        return String(decoding: bytes, as: UTF8.self)
    }
}
