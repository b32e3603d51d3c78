@testable import KVCore
import KVTestKit
import Testing

@Suite("Keyspace hash table")
struct KeyspaceTableTests {
    static func key(_ n: Int) -> [UInt8] { Array("key:\(n)".utf8) }

    static func entry(_ n: Int, value: Int = 0) -> Entry {
        Entry.make(key: key(n), value: Array("value-\(value)".utf8), expiresAt: nil)
    }

    func lookup(_ keyspace: Keyspace, _ key: [UInt8]) -> Entry? {
        key.withUnsafeBytes { keyspace.lookup($0) }
    }

    @Test(arguments: [1, 2, 3])
    func randomOperationsAgreeWithADictionary(seed: UInt64) {
        var generator = SplitMix(seed: seed)
        var keyspace = Keyspace(hashSeed: seed)
        var reference: [[UInt8]: Int] = [:]
        for round in 0..<60_000 {
            // Phases that grow and then shrink the table.
            let range = round < 30_000 ? 20_000 : 600
            let n = Int(generator.next() % UInt64(range))
            let key = Self.key(n)
            if generator.next() % 3 == 0 {
                let removed = key.withUnsafeBytes { keyspace.remove($0) }
                #expect((removed != nil) == (reference.removeValue(forKey: key) != nil))
            } else {
                let replaced = keyspace.insert(Self.entry(n, value: round))
                #expect((replaced != nil) == (reference.updateValue(round, forKey: key) != nil))
            }
            if round % 10_000 == 9_999 { check(keyspace, against: reference) }
        }
        for n in 600..<20_000 { _ = Self.key(n).withUnsafeBytes { keyspace.remove($0) }; reference[Self.key(n)] = nil }
        check(keyspace, against: reference)
        #expect(keyspace.slotCount <= 4096, "the table shrinks when sparse")
    }

    func check(_ keyspace: Keyspace, against reference: [[UInt8]: Int]) {
        #expect(keyspace.count == reference.count)
        #expect(keyspace.count <= keyspace.slotCount * 4 / 5, "load factor ≤ 0.8")
        for (key, value) in reference {
            #expect(lookup(keyspace, key)?.value == Array("value-\(value)".utf8))
        }
        #expect(keyspace.snapshot().count == reference.count)
        #expect(Set(keyspace.snapshot().map(\.key)) == Set(reference.keys))
    }

    @Test func keysOfEveryLengthHashAndCompare() {
        var keyspace = Keyspace(hashSeed: 9)
        let keys = (0...130).map { length in (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ length) } }
        for key in keys { keyspace.insert(Entry.make(key: key, value: key, expiresAt: nil)) }
        #expect(keyspace.count == keys.count)
        for key in keys { #expect(lookup(keyspace, key)?.value == key) }
        #expect(lookup(keyspace, [1, 2, 3, 4, 5, 6, 7, 8, 9]) == nil)
    }

    @Test func hashesDependOnTheSeedAndSpreadOverTheTopBits() {
        let a = KeyHash(seed: 1)
        let b = KeyHash(seed: 2)
        var topBytes = Set<UInt64>()
        for n in 0..<4096 {
            let key = Self.key(n)
            let hashA = key.withUnsafeBytes { a($0) }
            let hashB = key.withUnsafeBytes { b($0) }
            #expect(hashA != hashB)
            topBytes.insert(hashA >> 56)
        }
        #expect(topBytes.count == 256, "4096 keys reach every one of the 256 top-byte values")
    }

    @Test func snapshotsAreIsolatedFromLaterWrites() {
        var keyspace = Keyspace(hashSeed: 5)
        for n in 0..<10_000 { keyspace.insert(Self.entry(n)) }
        let snapshot = keyspace.snapshot()
        for n in 0..<5_000 { _ = Self.key(n).withUnsafeBytes { keyspace.remove($0) } }
        for n in 10_000..<30_000 { keyspace.insert(Self.entry(n)) }
        keyspace.insert(Self.entry(7_000, value: 1))
        #expect(snapshot.count == 10_000)
        let keys = snapshot.map(\.key)
        #expect(keys.count == 10_000)
        #expect(Set(keys) == Set((0..<10_000).map(Self.key)))
        #expect(snapshot.allSatisfy { $0.value == Array("value-0".utf8) })
        #expect(keyspace.count == 25_000)
        #expect(lookup(keyspace, Self.key(7_000))?.value == Array("value-1".utf8))
    }

    @Test func aSnapshotCanBeReadOnAnotherThread() async {
        var keyspace = Keyspace(hashSeed: 5)
        for n in 0..<2_000 { keyspace.insert(Self.entry(n)) }
        let snapshot = keyspace.snapshot()
        let reader = Task.detached { snapshot.reduce(0) { $0 + $1.keyCount } }
        for n in 0..<2_000 { keyspace.insert(Self.entry(n, value: 1)) }
        let total = await reader.value
        #expect(total == (0..<2_000).reduce(0) { $0 + Self.key($1).count })
    }

    @Test func copiesOfAKeyspaceAreIndependent() {
        var original = Keyspace(hashSeed: 5)
        original.insert(Self.entry(1))
        var copy = original
        copy.insert(Self.entry(2))
        _ = Self.key(1).withUnsafeBytes { copy.remove($0) }
        #expect(original.count == 1)
        #expect(lookup(original, Self.key(1)) != nil)
        #expect(lookup(original, Self.key(2)) == nil)
        #expect(copy.count == 1)
    }

    @Test func removeAllReturnsToTheSmallestTable() {
        var keyspace = Keyspace(hashSeed: 5)
        for n in 0..<1_000 { keyspace.insert(Self.entry(n)) }
        keyspace.removeAll()
        #expect(keyspace.count == 0)
        #expect(keyspace.slotCount == 8)
        #expect(lookup(keyspace, Self.key(1)) == nil)
    }

    @Test func memoryPerKeyStaysNearTheEntryItself() {
        var keyspace = Keyspace(hashSeed: 5)
        let value = [UInt8](repeating: 120, count: 100)
        let count = 100_000
        for n in 0..<count {
            var key = Array("key:\(n)".utf8)
            key += [UInt8](repeating: 95, count: 16 - key.count)
            keyspace.insert(Entry.make(key: key, value: value, expiresAt: nil))
        }
        let perKey = keyspace.memoryFootprint / count
        // 160 bytes for the entry block, 11–23 bytes of slots and tags (9 bytes ÷ load factor).
        #expect(perKey >= 160 && perKey <= 185, "\(perKey) bytes per key")
    }

    @Test func expiringKeysAreCounted() {
        var keyspace = Keyspace(hashSeed: 5)
        keyspace.store("a", "1", expiresAt: UnixMillis(T0))
        keyspace.store("b", "1")
        #expect(keyspace.expiringCount == 1)
        keyspace.run(["EXPIRE", "b", "10"], now: UnixMillis(T0 - 1))
        #expect(keyspace.expiringCount == 2)
        keyspace.run(["PERSIST", "a"], now: UnixMillis(T0 - 1))
        #expect(keyspace.expiringCount == 1)
        keyspace.run(["DEL", "b"], now: UnixMillis(T0 - 1))
        #expect(keyspace.expiringCount == 0)
    }

    @Test func applyReplaysOperations() {
        var keyspace = Keyspace(hashSeed: 5)
        keyspace.apply(.put(Self.entry(1)))
        keyspace.apply(.expire(key: Self.key(1), at: UnixMillis(T0)))
        #expect(lookup(keyspace, Self.key(1))?.expiresAt == UnixMillis(T0))
        keyspace.apply(.expire(key: Self.key(2), at: UnixMillis(T0)))
        #expect(keyspace.count == 1)
        keyspace.apply(.delete(key: Self.key(1)))
        #expect(keyspace.count == 0)
        keyspace.apply(.put(Self.entry(3)))
        keyspace.apply(.flushAll)
        #expect(keyspace.count == 0)
    }
}

/// A seeded generator, so that a failing randomized test fails the same way again.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
