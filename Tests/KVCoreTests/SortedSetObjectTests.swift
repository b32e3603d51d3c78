@testable import KVCore
import KVTestKit
import Testing

/// `SortedSetObject`: the packed and large encodings and the conversion between them, ranks
/// against a sorted-array model, payloads, clones, and edits that reproduce their commands.
@Suite struct SortedSetObjectTests {
    typealias Element = (member: [UInt8], score: Double)

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// "m000042": members whose byte order is their number's.
    static func padded(_ number: Int) -> String {
        let digits = String(number)
        return "m" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    static func elements(_ zset: SortedSetObject, reverse: Bool = false) -> [Element] {
        var result: [Element] = []
        zset.forEach(reverse: reverse) { member, score in
            result.append((Array(member), score))
            return true
        }
        return result
    }

    static func sorted(_ model: [[UInt8]: Double]) -> [Element] {
        model.map { ($0.key, $0.value) }.sorted { x, y in
            x.member.withUnsafeBytes { a in y.member.withUnsafeBytes { ScoreOrder.less(x.score, a, y.score, $0) } }
        }
    }

    static func same(_ a: [Element], _ b: [Element]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.member == $1.member && $0.score == $1.score }
    }

    @discardableResult
    static func set(_ zset: SortedSetObject, _ member: String, _ score: Double) -> (old: Double?, new: Double) {
        bytes(member).withUnsafeBytes { zset.set($0, score) }
    }

    @Test func packedUntilTheThresholdsThenLargeForGood() {
        let zset = SortedSetObject()
        for index in 0..<128 { Self.set(zset, "m\(index)", Double(index)) }
        #expect(zset.encodingName == "listpack" && zset.count == 128)
        Self.set(zset, "m0", 5)  // an update never converts
        #expect(zset.encodingName == "listpack")
        Self.set(zset, "m128", 1)
        #expect(zset.encodingName == "skiplist" && zset.count == 129)
        for index in 0..<120 { _ = Self.bytes("m\(index)").withUnsafeBytes { zset.remove($0) } }
        #expect(zset.encodingName == "skiplist" && zset.count == 9, "a large set never goes back")

        let long = SortedSetObject()
        Self.set(long, String(repeating: "x", count: 64), 1)
        #expect(long.encodingName == "listpack")
        Self.set(long, String(repeating: "y", count: 65), 2)
        #expect(long.encodingName == "skiplist" && long.count == 2)
        #expect(Self.elements(long).map(\.score) == [1, 2])

        // Built whole (…STORE results, payloads): the encoding its size calls for.
        #expect(SortedSetObject.make((0..<128).map { (Self.bytes("k\($0)"), Double($0)) }).encodingName == "listpack")
        #expect(SortedSetObject.make((0..<129).map { (Self.bytes("k\($0)"), Double($0)) }).encodingName == "skiplist")
        #expect(SortedSetObject.make([(Array(repeating: 1, count: 65), 0)]).encodingName == "skiplist")
    }

    /// A packed set stores -0 as 0, as Redis 7.0's listpack does; a large one keeps -0.
    @Test func negativeZeroAsRedisStoresIt() {
        let packed = SortedSetObject()
        #expect(Self.set(packed, "a", -0.0).new.sign == .plus)
        let large = SortedSetObject.make((0..<200).map { (Self.bytes("k\($0)"), Double($0) + 1) })
        #expect(Self.set(large, "a", -0.0).new.sign == .minus)
        #expect(Self.bytes("a").withUnsafeBytes { large.score($0) }?.sign == .minus)
    }

    /// Random adds, updates and removals (up to a few thousand members, so the tree splits,
    /// merges and rebalances) against a dictionary and a sorted array.
    @Test(arguments: [1, 2, 3]) func ranksMatchASortedArrayModel(seed: UInt64) {
        var random = SplitMix(seed: seed)
        let zset = SortedSetObject()
        var model: [[UInt8]: Double] = [:]
        let universe = seed == 1 ? 100 : 3000
        for step in 0..<12_000 {
            let member = Self.bytes("member-\(random.next() % UInt64(universe))")
            if random.next() % 3 == 0 {
                let removed = member.withUnsafeBytes { zset.remove($0) }
                #expect(removed == (model.removeValue(forKey: member) != nil))
            } else {
                // Few distinct scores: many ties ordered by member.
                let score = Double(Int(random.next() % 50) - 25) / 2
                let result = member.withUnsafeBytes { zset.set($0, score) }
                #expect(result.old == model[member])
                model[member] = score
            }
            guard step % 1000 == 999 else { continue }
            let expected = Self.sorted(model)
            #expect(zset.count == expected.count)
            #expect(Self.same(Self.elements(zset), expected))
            #expect(Self.same(Self.elements(zset, reverse: true), expected.reversed()))
            for (rank, element) in expected.enumerated() where rank % 7 == 0 {
                #expect(element.member.withUnsafeBytes { zset.rank($0) } == rank)
                #expect(element.member.withUnsafeBytes { zset.score($0) } == element.score)
                let found = zset.element(at: rank)
                #expect(found.member == element.member && found.score == element.score)
            }
            for bound in stride(from: -13.0, through: 13, by: 2.5) {
                #expect(zset.partition { _, score in score >= bound } == expected.filter { $0.score < bound }.count)
            }
            let window = (expected.count / 3)..<(expected.count / 2)
            var seen: [Element] = []
            zset.forEach(window, reverse: true) { member, score in
                seen.append((Array(member), score))
                return true
            }
            #expect(Self.same(seen, Array(expected[window].reversed())))
        }
        #expect(zset.encodingName == (universe > 128 ? "skiplist" : "listpack"))
    }

    /// Appends in order (the tree's lopsided splits), then removals from the top, the bottom
    /// and at random, checked against the model as the tree shrinks to nothing.
    @Test(arguments: [0, 1, 2]) func treeSurvivesAppendsAndRemovalsInEveryOrder(order: Int) {
        let zset = SortedSetObject()
        let size = 20_000
        for index in 0..<size { Self.set(zset, Self.padded(index), Double(index)) }
        var remaining = Array(0..<size)
        var random = SplitMix(seed: UInt64(order) + 7)
        switch order {
        case 0: remaining.reverse()
        case 1: break
        default: remaining.shuffle(using: &random)
        }
        var live = Set(0..<size)
        for (step, index) in remaining.enumerated() {
            let removed = Self.bytes(Self.padded(index)).withUnsafeBytes { zset.remove($0) }
            #expect(removed)
            live.remove(index)
            guard step % 2500 == 0 || live.count < 70 else { continue }
            let expected = live.sorted()
            #expect(zset.count == expected.count)
            for probe in stride(from: 0, to: size, by: 997) {
                #expect(zset.partition { _, score in score >= Double(probe) } == expected.filter { $0 < probe }.count)
            }
            if let middle = expected.dropFirst(expected.count / 2).first {
                #expect(zset.element(at: expected.count / 2).score == Double(middle))
                #expect(Self.bytes(Self.padded(middle)).withUnsafeBytes { zset.rank($0) } == expected.count / 2)
            }
        }
        #expect(zset.count == 0)
        Self.set(zset, "again", 1)
        #expect(zset.count == 1 && Self.elements(zset).map(\.score) == [1])
    }

    @Test(arguments: [10, 128, 129, 5000]) func payloadsRoundTrip(size: Int) throws {
        var random = SplitMix(seed: UInt64(size))
        let zset = SortedSetObject()
        for index in 0..<size {
            let special = [Double.infinity, -.infinity, 0.1, 1e300, -0.0][index % 5]
            Self.set(zset, "m\(index)", random.next() % 3 == 0 ? special : Double(index % 9) + 0.5)
        }
        let payload = ValuePayload.encode(zset)
        let decoded = try payload.withUnsafeBytes { try ValuePayload.decode(.zset, $0) } as! SortedSetObject
        #expect(Self.same(Self.elements(decoded), Self.elements(zset)))
        #expect(decoded.encodingName == zset.encodingName)
        #expect(ValuePayload.encode(decoded) == payload)
    }

    @Test func malformedPayloadsAreRefused() {
        func payload(_ elements: [(Double, String)], count: Int? = nil) -> [UInt8] {
            var bytes: [UInt8] = []
            ValuePayload.appendCount(count ?? elements.count, to: &bytes)
            for (score, member) in elements {
                withUnsafeBytes(of: score.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
                Self.bytes(member).withUnsafeBytes { ValuePayload.append($0, to: &bytes) }
            }
            return bytes
        }
        let good = payload([(1, "a"), (2, "b")])
        let cases: [(String, [UInt8])] = [
            ("empty", payload([])),
            ("NaN score", payload([(1, "a"), (.nan, "b")])),
            ("out of order", payload([(2, "a"), (1, "b")])),
            ("same score, members out of order", payload([(1, "b"), (1, "a")])),
            ("a member twice", payload([(1, "a"), (2, "a")])),
            ("count past the bytes", payload([(1, "a")], count: 1000)),
            ("truncated score", Array(good.dropLast(9))),
            ("truncated member", Array(good.dropLast(1))),
            ("trailing bytes", good + [0]),
            ("no count", [1, 0]),
        ]
        for (name, bytes) in cases {
            #expect(throws: ValuePayload.Malformed.self, Comment(rawValue: name)) {
                _ = try bytes.withUnsafeBytes { try ValuePayload.decode(.zset, $0) }
            }
        }
        #expect(throws: Never.self) { _ = try good.withUnsafeBytes { try ValuePayload.decode(.zset, $0) } }
    }

    /// A clone shares storage (O(1)) yet editing either never shows in the other.
    @Test(arguments: [50, 4000]) func clonesAreIndependent(size: Int) {
        let original = SortedSetObject()
        for index in 0..<size { Self.set(original, "m\(index)", Double(index % 37)) }
        let before = Self.elements(original)
        let copy = original.clone() as! SortedSetObject
        for index in stride(from: 0, to: size, by: 3) { _ = Self.bytes("m\(index)").withUnsafeBytes { copy.remove($0) } }
        for index in 0..<200 { Self.set(copy, "new\(index)", -Double(index)) }
        Self.set(copy, "m1", 1000)
        #expect(Self.same(Self.elements(original), before), "the original changed with its clone")
        let copied = Self.elements(copy)
        let second = original.clone() as! SortedSetObject
        for index in 0..<size where index % 2 == 0 { _ = Self.bytes("m\(index)").withUnsafeBytes { original.remove($0) } }
        #expect(Self.same(Self.elements(copy), copied), "the clone changed with its original")
        #expect(Self.same(Self.elements(second), before))
        #expect(original.count == size / 2)
    }

    /// Each command's effects, applied to a keyspace that saw only the effects of the set-up,
    /// give the same dataset as the command did (DEBUG DIGEST).
    @Test(arguments: [
        ["ZADD", "z", "5", "a", "6", "new", "-0.0", "zero"], ["ZADD", "z", "GT", "CH", "100", "a", "0", "b"],
        ["ZADD", "z", "INCR", "2.5", "c"], ["ZINCRBY", "z", "-1", "nosuch"], ["ZREM", "z", "a", "b", "nosuch"],
        ["ZPOPMIN", "z", "3"], ["ZPOPMAX", "z"], ["ZMPOP", "2", "nokey", "z", "MAX", "COUNT", "2"],
        ["ZREMRANGEBYRANK", "z", "1", "-2"], ["ZREMRANGEBYSCORE", "z", "(1", "150"], ["ZREMRANGEBYLEX", "lex", "[b", "(e"],
        ["ZUNIONSTORE", "out", "2", "z", "big", "WEIGHTS", "2", "1"], ["ZINTERSTORE", "z", "2", "z", "big"],
        ["ZDIFFSTORE", "out", "2", "z", "z"], ["ZRANGESTORE", "out", "big", "10", "20", "BYSCORE"], ["ZRANGESTORE", "z", "nokey", "0", "-1"],
        ["ZADD", "big", "0.5", "m1", "7", "m2"], ["ZPOPMIN", "big", "150"], ["ZREMRANGEBYRANK", "big", "0", "250"],
    ] as [[String]])
    func appliedEffectsReproduceTheCommand(command: [String]) {
        let now = UnixMillis(1_700_000_000_000)
        var primary = Keyspace(hashSeed: 1)
        var replica = Keyspace(hashSeed: 2)
        var setup: [[String]] = [
            ["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "150", "e"], ["ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e"],
            ["SET", "out", "old"],
        ]
        setup.append(["ZADD", "big"] + (0..<300).flatMap { [String($0 % 40), "m\($0)"] })
        for step in setup + [command] {
            let outcome = primary.run(step, now: now)
            if case let .error(error) = outcome.reply { Issue.record("\(step): \(error)") }
            for operation in outcome.effects { replica.apply(operation) }
        }
        #expect(primary.digest() == replica.digest(), "\(command)")
        #expect(primary.count == replica.count)
    }

    /// The digest of a sorted set does not depend on its encoding or history.
    @Test func digestsIgnoreEncodingAndHistory() {
        let now = UnixMillis(1_700_000_000_000)
        var a = Keyspace(hashSeed: 1)
        var b = Keyspace(hashSeed: 2)
        a.run(["ZADD", "z"] + (0..<200).flatMap { [String($0), "m\($0)"] }, now: now)
        a.run(["ZREMRANGEBYRANK", "z", "5", "-1"], now: now)
        b.run(["ZADD", "z", "4", "m4", "3", "m3", "2", "m2", "1", "m1", "0", "m0"], now: now)
        #expect(a.digest() == b.digest())
    }
}
