@testable import KVCore
import KVTestKit
import Testing

/// `SetObject`: the intset (its width growing as Redis's), the conversion to a table, the
/// payload, clones, and the logged effects of every set command replayed on another keyspace.
@Suite struct SetObjectTests {
    static func set(_ members: [String]) -> SetObject {
        SetObject.make(members.map { Array($0.utf8) })
    }

    static func strings(_ set: SetObject) -> [String] {
        set.members.map { String(decoding: $0, as: UTF8.self) }
    }

    static func width(_ set: SetObject) -> Int? {
        if case let .intset(intset) = set.storage { return intset.width }
        return nil
    }

    @Test func theIntsetWidensAsRedisAndNeverNarrows() {
        let set = Self.set(["3", "-1", "1"])
        #expect(set.encodingName == "intset")
        #expect(Self.width(set) == 2)
        #expect(Self.strings(set) == ["-1", "1", "3"])
        // Past Int16: every element 4 bytes wide; a positive value lands at the end.
        #expect(Array("40000".utf8).withUnsafeBytes { set.add($0) })
        #expect(Self.width(set) == 4)
        #expect(Self.strings(set) == ["-1", "1", "3", "40000"])
        // Past Int32, negative: 8 bytes, at the front.
        #expect(Array("-5000000000".utf8).withUnsafeBytes { set.add($0) })
        #expect(Self.width(set) == 8)
        #expect(Self.strings(set) == ["-5000000000", "-1", "1", "3", "40000"])
        for extreme in ["-9223372036854775808", "9223372036854775807"] {
            #expect(Array(extreme.utf8).withUnsafeBytes { set.add($0) })
        }
        #expect(Self.strings(set) == ["-9223372036854775808", "-5000000000", "-1", "1", "3", "40000", "9223372036854775807"])
        // Removing the wide values keeps the width, as Redis's intsetRemove.
        for wide in ["-9223372036854775808", "9223372036854775807", "-5000000000", "40000"] {
            #expect(Array(wide.utf8).withUnsafeBytes { set.remove($0) })
        }
        #expect(Self.width(set) == 8)
        #expect(Self.strings(set) == ["-1", "1", "3"])
        #expect(set.encodingName == "intset")
        // Not members: other spellings of members, values wider than the elements.
        for absent in ["01", "+1", " 1", "1 ", "-0", "x", "", "99999999999999999999", "40000"] {
            #expect(!Array(absent.utf8).withUnsafeBytes { set.contains($0) }, "\(absent)")
            #expect(!Array(absent.utf8).withUnsafeBytes { set.remove($0) }, "\(absent)")
        }
        #expect(Array("1".utf8).withUnsafeBytes { !set.add($0) })
        #expect(set.count == 3)
    }

    @Test func intsetElementsStayOrderedWhateverTheInsertionOrder() {
        var random = SetRandom(seed: 7)
        var intset = IntSet()
        var model = Swift.Set<Int64>()
        for _ in 0..<2000 {
            let magnitude: Int64 = [100, 60000, 3_000_000_000, Int64.max][random.index(below: 4)]
            let value = Int64(random.index(below: 1000)) * (magnitude / 1000) * (random.index(below: 2) == 0 ? -1 : 1)
            if random.index(below: 3) == 0 {
                #expect(intset.remove(value) == model.remove(value).map { _ in true } ?? false)
            } else {
                #expect(intset.insert(value) == model.insert(value).inserted)
            }
        }
        var listed: [Int64] = []
        intset.forEach { listed.append($0) }
        #expect(listed == model.sorted())
        #expect(intset.count == model.count)
    }

    @Test func aSetBecomesATableAtItsFirstNonIntegerOrItsIntegerPastLimit() {
        let full = Self.set((0..<512).map { String($0 * 3) })
        #expect(full.encodingName == "intset")
        #expect(full.count == 512)
        #expect(Array("1".utf8).withUnsafeBytes { full.add($0) })
        #expect(full.encodingName == "hashtable")
        #expect(full.count == 513)
        #expect((0..<512).allSatisfy { index in Array(String(index * 3).utf8).withUnsafeBytes { full.contains($0) } })
        // A table stays a table when only integers are left.
        let mixed = Self.set(["5", "a", "2"])
        #expect(mixed.encodingName == "hashtable")
        #expect(Array("a".utf8).withUnsafeBytes { mixed.remove($0) })
        #expect(mixed.encodingName == "hashtable")
        #expect(Swift.Set(Self.strings(mixed)) == ["5", "2"])
        // Strings that string2ll refuses are not integers.
        for text in ["01", "+1", " 1", "-0", "1.0", "9223372036854775808", ""] {
            #expect(Self.set([text]).encodingName == "hashtable", "\(text)")
        }
        #expect(Self.set(["-9223372036854775808"]).encodingName == "intset")
        // A set made with the table encoding forced (SDIFF's second algorithm).
        #expect(SetObject.make([Array("1".utf8)], table: true).encodingName == "hashtable")
    }

    static let payloadCases: [[String]] = [
        ["1"], ["3", "-1", "100000", "-5000000000"], (0..<512).map(String.init), (0..<600).map(String.init),
        ["a", "", "1", "01", String(repeating: "x", count: 300)], (0..<700).map { "member:\($0)" },
    ]

    @Test(arguments: payloadCases) func thePayloadRoundTrips(members: [String]) throws {
        let set = Self.set(members)
        let payload = ValuePayload.encode(set)
        let decoded = try payload.withUnsafeBytes { try ValuePayload.decode(.set, $0) }
        let copy = try #require(decoded as? SetObject)
        #expect(copy.count == members.count)
        #expect(copy.encodingName == set.encodingName)
        #expect(Swift.Set(Self.strings(copy)) == Swift.Set(members))
        if set.encodingName == "intset" { #expect(Self.strings(copy) == Self.strings(set)) }
        var a: [[UInt8]] = [], b: [[UInt8]] = []
        set.digestElements { a.append($0) }
        copy.digestElements { b.append($0) }
        #expect(a == b)
    }

    /// A table of integers only (left so by removals) comes back as an intset, as Redis loads it.
    @Test func aPayloadTakesTheEncodingItsMembersCallFor() throws {
        let set = Self.set(["9", "a", "-4"])
        _ = Array("a".utf8).withUnsafeBytes { set.remove($0) }
        let decoded = try ValuePayload.encode(set).withUnsafeBytes { try ValuePayload.decode(.set, $0) }
        #expect(decoded.encodingName == "intset")
        #expect(Self.strings(decoded as! SetObject) == ["-4", "9"])
    }

    static func payload(_ count: UInt32, _ elements: [[UInt8]], trailing: [UInt8] = []) -> [UInt8] {
        var bytes = withUnsafeBytes(of: count.littleEndian) { Array($0) }
        for element in elements {
            bytes += withUnsafeBytes(of: UInt32(element.count).littleEndian) { Array($0) } + element
        }
        return bytes + trailing
    }

    static let malformed: [(String, [UInt8])] = [
        ("no count", []),
        ("truncated count", [1, 0]),
        ("an empty set", payload(0, [])),
        ("fewer members than counted", payload(2, [Array("a".utf8)])),
        ("an integer twice", payload(2, [Array("7".utf8), Array("7".utf8)])),
        ("a string twice", payload(3, [Array("a".utf8), Array("b".utf8), Array("a".utf8)])),
        ("a member past the end", payload(1, []) + [9, 0, 0, 0, 65]),
        ("a count larger than the bytes", payload(1_000_000, [Array("a".utf8)])),
        ("bytes after the members", payload(1, [Array("a".utf8)], trailing: [0])),
    ]

    @Test(arguments: malformed) func malformedPayloadsAreRefused(reason: String, bytes: [UInt8]) {
        #expect(throws: ValuePayload.Malformed.self, "\(reason)") {
            _ = try bytes.withUnsafeBytes { try ValuePayload.decode(.set, $0) }
        }
    }

    @Test(arguments: [["1", "2", "3"], (0..<600).map { "m\($0)" }])
    func aCloneIsIndependent(members: [String]) {
        let original = Self.set(members)
        let copy = original.clone() as! SetObject
        _ = Array("4".utf8).withUnsafeBytes { copy.add($0) }
        _ = Array(members[0].utf8).withUnsafeBytes { copy.remove($0) }
        #expect(Swift.Set(Self.strings(original)) == Swift.Set(members))
        _ = Array("x".utf8).withUnsafeBytes { original.add($0) }  // converts an intset original
        #expect(!Array("x".utf8).withUnsafeBytes { copy.contains($0) })
        #expect(Swift.Set(Self.strings(copy)) == Swift.Set(members.dropFirst() + ["4"]))
        #expect(original.count == members.count + 1)
    }

    @Test func effectsAreWhatChanged() {
        func effects(_ setup: [String], _ command: String) -> [String] {
            var keyspace = Keyspace(hashSeed: 3)
            for line in setup { keyspace.run(line.split(separator: " ").map(String.init), now: UnixMillis(1)) }
            return keyspace.run(command.split(separator: " ").map(String.init), now: UnixMillis(1)).effectSummaries
        }
        #expect(effects([], "SADD k 1 2 1 a") == ["setAdd k 1 2 a"])
        #expect(effects(["SADD k 1 2"], "SADD k 2") == [])
        #expect(effects(["SADD k 1 2"], "SREM k 1 9 1") == ["setRemove k 1"])
        #expect(effects(["SADD k 1 2"], "SPOP k 5") == ["delete k"])
        #expect(effects(["SADD k 7"], "SPOP k") == ["setRemove k 7"])
        #expect(effects(["SADD a x", "SADD b y"], "SMOVE a b x") == ["setRemove a x", "setAdd b x"])
        #expect(effects(["SADD a x", "SADD b x"], "SMOVE a b x") == ["setRemove a x"])
        #expect(effects(["SADD a x"], "SMOVE a a x") == [])
        #expect(effects(["SADD a 1", "SET d v"], "SINTERSTORE d a nokey") == ["delete d"])
        #expect(effects(["SADD a 1"], "SINTERSTORE d a nokey") == [])
        #expect(effects(["SADD a 1"], "SUNIONSTORE d a").map { $0.prefix(5) } == ["put d"])
        #expect(effects(["SADD a 1"], "SRANDMEMBER a -5") == [])
    }

    /// Each command on one keyspace, its effects applied to another: the two digest equally
    /// after every command (the replica's sets may keep another encoding, as Redis's do).
    @Test(arguments: [1, 2, 3]) func appliedEffectsReproduceEveryCommand(seed: UInt64) {
        var primary = Keyspace(hashSeed: seed)
        var replica = Keyspace(hashSeed: seed &+ 100)
        let script: [[String]] = [
            ["SADD", "i", "5", "1", "3"], ["SADD", "i", "40000", "-5000000000"], ["SREM", "i", "1", "9"],
            ["SADD", "big"] + (0..<600).map { String($0 * 5) }, ["SADD", "words"] + (0..<300).map { "w\($0)" },
            ["SADD", "mixed", "a", "1", "2"], ["SREM", "mixed", "a"],
            ["SPOP", "i"], ["SPOP", "big", "3"], ["SPOP", "big", "500"], ["SPOP", "words", "290"], ["SPOP", "mixed", "9"],
            ["SMOVE", "big", "dest", "0"], ["SMOVE", "big", "dest", "5"], ["SMOVE", "words", "dest", "w1"],
            ["SMOVE", "dest", "i", "w1"], ["SADD", "one", "x"], ["SMOVE", "one", "i", "x"],
            ["SET", "str", "v", "PX", "100000"], ["SUNIONSTORE", "str", "big", "dest"], ["SINTERSTORE", "inter", "big", "dest"],
            ["SDIFFSTORE", "diff", "big", "dest"], ["SDIFFSTORE", "diff", "dest", "dest"], ["SINTERSTORE", "str", "nokey"],
            ["SADD", "t1", "5"], ["SADD", "t2", "5"], ["SADD", "t3", "5"],
            ["SDIFFSTORE", "d2", "words", "t1", "t2", "t3"], ["SUNIONSTORE", "d3", "i", "dest", "words"],
            ["SRANDMEMBER", "d3", "-10"], ["SPOP", "d3", "2"], ["SREM", "d3", "w2", "w3"],
        ]
        for command in script {
            let outcome = primary.run(command, now: UnixMillis(1))
            if case let .error(error) = outcome.reply { Issue.record("\(command): \(error)") }
            for operation in outcome.effects { replica.apply(operation) }
            #expect(primary.digest() == replica.digest(), "after \(command.prefix(4).joined(separator: " "))")
        }
        #expect(primary.count == replica.count)
    }

    /// Equal sets digest equally whatever their encodings.
    @Test func theDigestIgnoresTheEncoding() {
        var intset = Keyspace(hashSeed: 1)
        var table = Keyspace(hashSeed: 2)
        intset.run(["SADD", "k", "3", "1", "2"], now: UnixMillis(1))
        table.run(["SADD", "k", "a", "2", "3", "1"], now: UnixMillis(1))
        table.run(["SREM", "k", "a"], now: UnixMillis(1))
        #expect(intset.digest() == table.digest())
    }
}
