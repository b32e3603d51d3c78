@testable import KVCore
import KVTestKit
import Testing

/// The per-slot hash tags only filter: correctness must never depend on them. These tests
/// shrink the hash space (`Keyspace(hashSeed:hashMask:)`) so that tags, and whole hashes,
/// collide all the time, and check the table's invariants slot by slot.
@Suite("Keyspace slot tags")
struct SlotTagTests {
    static func key(_ n: Int) -> [UInt8] { Array("key:\(n)".utf8) }

    static func entry(_ n: Int, value: Int = 0) -> Entry {
        Entry.make(key: key(n), value: Array("value-\(value)".utf8), expiresAt: nil)
    }

    func lookup(_ keyspace: Keyspace, _ key: [UInt8]) -> Entry? {
        key.withUnsafeBytes { keyspace.lookup($0) }
    }

    /// Every slot: tag 0 exactly when empty, otherwise the tag of its entry's hash; every
    /// entry at or after its home with no empty slot in between; the count matches.
    func checkSlots(_ keyspace: Keyspace, sourceLocation: SourceLocation = #_sourceLocation) {
        var occupied = 0
        // Both arrays while a resize runs.
        for table in [keyspace.table.current] + (keyspace.table.previous.map { [$0] } ?? []) {
        for position in 0..<table.capacity {
            let tag = table.tag(at: position)
            guard let entry = table.entry(at: position) else {
                #expect(tag == 0, "empty slot \(position) has tag \(tag)", sourceLocation: sourceLocation)
                continue
            }
            occupied += 1
            let hash = table.hash(of: entry)
            #expect(tag == SlotTable.tag(of: hash), "slot \(position)", sourceLocation: sourceLocation)
            var walk = table.home(hash)
            while walk != position {
                #expect(table.isOccupied(walk), "gap before slot \(position)", sourceLocation: sourceLocation)
                walk = (walk + 1) & table.mask
            }
        }
        }
        #expect(occupied == keyspace.count, sourceLocation: sourceLocation)
    }

    @Test func tagsAreNeverZeroAndComeFromTheLowBits() {
        #expect(SlotTable.tag(of: 0) == 1)
        #expect(SlotTable.tag(of: 0xFF00) == 1)
        #expect(SlotTable.tag(of: 1) == 1)
        #expect(SlotTable.tag(of: 0xAB) == 0xAB)
        #expect(SlotTable.tag(of: 0xFFFF_FFFF_FFFF_FF00) == 1)
        for n in 0..<1_000 { #expect(SlotTable.tag(of: UInt64(n) &* 0x9e37_79b9_7f4a_7c15) != 0) }
    }

    /// Masks: every tag equal (homes spread); 16 homes × 4 tags; a single hash for all keys.
    @Test(arguments: [
        (UInt64(0xFFFF_FFFF_0000_0000), 20_000),
        (UInt64(0xF000_0000_0000_0003), 600),
        (UInt64(0), 150),
    ])
    func randomOperationsAgreeWithADictionaryWhenHashesCollide(mask: UInt64, range: Int) {
        var generator = SplitMix(seed: mask | 1)
        var keyspace = Keyspace(hashSeed: 3, hashMask: mask)
        var reference: [[UInt8]: Int] = [:]
        let rounds = range >= 10_000 ? 60_000 : 8_000
        for round in 0..<rounds {
            // Grow, then shrink to a fifth of the key range.
            let n = Int(generator.next() % UInt64(round < rounds / 2 ? range : range / 5))
            let key = Self.key(n)
            if generator.next() % 3 == 0 {
                let removed = key.withUnsafeBytes { keyspace.remove($0) }
                #expect((removed != nil) == (reference.removeValue(forKey: key) != nil))
            } else {
                let replaced = keyspace.insert(Self.entry(n, value: round))
                #expect((replaced != nil) == (reference.updateValue(round, forKey: key) != nil))
            }
            if round % (rounds / 4) == rounds / 4 - 1 {
                checkSlots(keyspace)
                for (key, value) in reference {
                    #expect(lookup(keyspace, key)?.value == Array("value-\(value)".utf8))
                }
                for n in range..<(range + 50) { #expect(lookup(keyspace, Self.key(n)) == nil) }
            }
        }
        #expect(keyspace.count == reference.count)
    }

    @Test func keysWithTheSameTagAndLengthAreToldApart() {
        // Every key hashes to 0: one cluster, one tag; only the key comparison separates them.
        var keyspace = Keyspace(hashSeed: 1, hashMask: 0)
        let keys: [[UInt8]] = [[], [1], [2], [1, 2], [2, 1], [1, 2, 3], [1, 3, 3], [1, 2, 4],
                               Array("abcdefg".utf8), Array("abcdefh".utf8), Array("bbcdefg".utf8),
                               Array("abcdefgh12345678".utf8), Array("abcdefgh12345679".utf8),
                               Array("Abcdefgh12345678".utf8), Array("abcdefgh1234567".utf8),
                               Array("abcdefgh123456780".utf8), Array("abcdefgh123456781".utf8)]
        for (n, key) in keys.enumerated() {
            keyspace.insert(Entry.make(key: key, value: Array("\(n)".utf8), expiresAt: nil))
        }
        #expect(keyspace.count == keys.count)
        for (n, key) in keys.enumerated() { #expect(lookup(keyspace, key)?.value == Array("\(n)".utf8)) }
        #expect(lookup(keyspace, [3]) == nil)
        #expect(lookup(keyspace, Array("abcdefgh12345677".utf8)) == nil)
        checkSlots(keyspace)
    }

    @Test func scanReturnsEveryKeyOnceWhenHashesCollide() {
        var keyspace = Keyspace(hashSeed: 2, hashMask: 0xFC00_0000_0000_0001)
        for n in 0..<3_000 { keyspace.insert(Self.entry(n)) }
        var cursor: UInt64 = 0
        var seen: [[UInt8]] = []
        repeat {
            cursor = keyspace.scan(cursor: cursor, count: 10) { seen.append($0.key) }
        } while cursor != 0
        #expect(seen.count == 3_000)
        #expect(Set(seen) == Set((0..<3_000).map(Self.key)))
    }

    @Test func copyOnWriteKeepsTheTagsOfBothCopies() {
        var original = Keyspace(hashSeed: 8)
        for n in 0..<3_000 { original.insert(Self.entry(n)) }
        let snapshot = original.snapshot()
        var copy = original
        // No resize: overwrite and delete a few hundred keys, so pages are copied one by one.
        for n in stride(from: 0, to: 3_000, by: 7) { copy.insert(Self.entry(n, value: 1)) }
        for n in stride(from: 3, to: 3_000, by: 11) { _ = Self.key(n).withUnsafeBytes { copy.remove($0) } }
        #expect(copy.slotCount == original.slotCount)
        checkSlots(original)
        checkSlots(copy)
        for n in 0..<3_000 {
            #expect(lookup(original, Self.key(n))?.value == Array("value-0".utf8))
            let expected: [UInt8]? = n % 11 == 3 ? nil : Array("value-\(n % 7 == 0 ? 1 : 0)".utf8)
            #expect(lookup(copy, Self.key(n))?.value == expected)
        }
        #expect(Set(snapshot.map(\.key)) == Set((0..<3_000).map(Self.key)))
    }

    @Test func sweepAndExpiryWorkWhenHashesCollide() {
        var keyspace = Keyspace(hashSeed: 4, hashMask: 0xFF00_0000_0000_0000)
        for n in 0..<2_000 {
            let expiry: UnixMillis? = n % 2 == 0 ? UnixMillis(T0) : nil
            keyspace.insert(Entry.make(key: Self.key(n), value: [1], expiresAt: expiry))
        }
        var effects: [WriteOperation] = []
        var expired = 0
        for _ in 0..<100 { expired += keyspace.sweepExpired(now: UnixMillis(T0), budget: 100, effects: &effects).expired }
        #expect(expired == 1_000)
        #expect(keyspace.count == 1_000)
        checkSlots(keyspace)
        for n in 0..<2_000 { #expect((lookup(keyspace, Self.key(n)) != nil) == (n % 2 == 1)) }
    }
}
