@testable import KVCore
import Glibc
import Synchronization
import KVTestKit
import Testing

/// The table resizes incrementally: no operation moves more than a constant number of entries,
/// and lookups, inserts, deletes, SCAN and snapshots stay right while a resize is half done.
@Suite("Incremental resizing")
struct IncrementalResizeTests {
    static func key(_ n: Int) -> [UInt8] { Array("key:\(n)".utf8) }

    static func entry(_ n: Int, value: Int = 0) -> Entry {
        Entry.make(key: key(n), value: Array("value-\(value)".utf8), expiresAt: nil)
    }

    func lookup(_ keyspace: Keyspace, _ key: [UInt8]) -> Entry? {
        key.withUnsafeBytes { keyspace.lookup($0) }
    }

    @discardableResult
    func remove(_ keyspace: inout Keyspace, _ n: Int) -> Entry? {
        Self.key(n).withUnsafeBytes { keyspace.remove($0) }
    }

    /// Both arrays slot by slot: tags match entries, every entry at or after its home with no
    /// gap, nothing below the drain point of the old array, and the counts add up.
    func checkArrays(_ keyspace: Keyspace, sourceLocation: SourceLocation = #_sourceLocation) {
        let table = keyspace.table
        var occupied = 0
        for array in [table.current] + (table.previous.map { [$0] } ?? []) {
            var inArray = 0
            for position in 0..<array.capacity {
                guard let entry = array.entry(at: position) else {
                    #expect(array.tag(at: position) == 0, sourceLocation: sourceLocation)
                    continue
                }
                inArray += 1
                let hash = array.hash(of: entry)
                #expect(array.tag(at: position) == SlotTable.tag(of: hash), sourceLocation: sourceLocation)
                var walk = array.home(hash)
                while walk != position {
                    #expect(array.isOccupied(walk), "gap before slot \(position)", sourceLocation: sourceLocation)
                    walk = (walk + 1) & array.mask
                }
            }
            #expect(inArray == array.count, sourceLocation: sourceLocation)
            occupied += inArray
        }
        #expect(occupied == keyspace.count, sourceLocation: sourceLocation)
    }

    @Test func noOperationMovesMoreThanAConstantNumberOfEntries() {
        var keyspace = Keyspace(hashSeed: 5)
        var resizingOperations = 0
        let keys = 300_000
        for n in 0..<keys {
            keyspace.insert(Self.entry(n))
            if keyspace.table.isResizing { resizingOperations += 1 }
        }
        #expect(keyspace.slotCount == 1 << 19)
        #expect(keyspace.table.resizesStarted == 16, "8 slots to 512k, one doubling at a time")
        // The doublings spread over many inserts: the last one alone (262k → 524k slots)
        // over at least 262k / 64 of them.
        #expect(resizingOperations > 262_144 / SlotTable.stepSlots * 2)
        for n in 0..<keys { remove(&keyspace, n) }
        #expect(keyspace.count == 0)
        #expect(keyspace.table.resizesStarted > 16, "deleting shrank it")
        #expect(keyspace.table.largestResizeStep <= SlotTable.stepSlots)
    }

    @Test func aStepMovesAtMostItsBudget() {
        var table = SlotTable(hash: KeyHash(seed: 3))
        for n in 0..<3_276 {  // 4096 slots at 0.8: the next insert doubles
            let entry = Self.entry(n)
            table.insert(entry, hash: table.hash(of: entry))
        }
        #expect(!table.isResizing)
        let entry = Self.entry(-1)
        table.insert(entry, hash: table.hash(of: entry))
        #expect(table.isResizing)
        // Right after the doubling the new array holds the new key and nothing else.
        #expect(table.current.count == 1)
        var steps = 0
        while table.isResizing {
            let before = table.previous!.count
            table.advanceResize(slots: 10)
            let after = table.previous?.count ?? 0
            #expect(before - after <= 10)
            steps += 1
        }
        #expect(table.count == 3_277)
        #expect(steps > 4096 / 10, "every old slot is looked at")
    }

    @Test(arguments: [(1, ~0), (2, ~0), (3, 0xFC00_0000_0000_00FF)] as [(UInt64, UInt64)])
    func operationsWhileResizingAgreeWithADictionary(seed: UInt64, mask: UInt64) {
        var generator = SplitMix(seed: seed)
        var keyspace = Keyspace(hashSeed: seed, hashMask: mask)
        var reference: [[UInt8]: Int] = [:]
        var checksWhileResizing = 0
        for round in 0..<40_000 {
            // Grow to about 10k keys, then shrink to a few hundred.
            let range = round < 20_000 ? 12_000 : 400
            let n = Int(generator.next() % UInt64(range))
            let key = Self.key(n)
            switch generator.next() % 4 {
            case 0:
                #expect((remove(&keyspace, n) != nil) == (reference.removeValue(forKey: key) != nil))
            case 1:
                let expected = reference[key].map { Array("value-\($0)".utf8) }
                #expect(lookup(keyspace, key)?.value == expected)
            default:
                let replaced = keyspace.insert(Self.entry(n, value: round))
                #expect((replaced != nil) == (reference.updateValue(round, forKey: key) != nil))
            }
            if keyspace.table.isResizing && round % 7 == 0 {
                checksWhileResizing += 1
                #expect(keyspace.count == reference.count)
                for (key, value) in reference { #expect(lookup(keyspace, key)?.value == Array("value-\(value)".utf8)) }
                if checksWhileResizing % 10 == 0 { checkArrays(keyspace) }
            }
        }
        #expect(checksWhileResizing > 20)
        #expect(Set(keyspace.snapshot().map(\.key)) == Set(reference.keys))
    }

    @Test func scanReturnsEveryKeyPresentThroughoutWhileResizesRun() {
        var keyspace = Keyspace(hashSeed: 17)
        // Stable keys stay for the whole scan; churn keys come and go, growing the table
        // through several doublings and then shrinking it.
        for n in 0..<2_000 { keyspace.insert(Self.entry(n)) }
        var cursor: UInt64 = 0
        var seen: [[UInt8]: Int] = [:]
        var callsWhileResizing = 0
        var churn = 1_000_000
        var calls = 0
        repeat {
            cursor = keyspace.scan(cursor: cursor, count: 5) { seen[$0.key, default: 0] += 1 }
            calls += 1
            if keyspace.table.isResizing { callsWhileResizing += 1 }
            if calls < 400 {
                for _ in 0..<100 { keyspace.insert(Self.entry(churn)); churn += 1 }
            } else if churn > 1_000_000 {
                for _ in 0..<200 where churn > 1_000_000 { churn -= 1; remove(&keyspace, churn) }
            }
        } while cursor != 0
        #expect(callsWhileResizing > 10)
        #expect(keyspace.table.resizesStarted >= 8)
        for n in 0..<2_000 { #expect(seen[Self.key(n)] == 1, "key \(n)") }
    }

    @Test func aSnapshotTakenHalfWaySeesEveryKeyOnce() {
        var keyspace = Keyspace(hashSeed: 23)
        var n = 0
        // Insert until a doubling is about half done.
        while !(keyspace.table.isResizing && keyspace.table.current.count * 2 > keyspace.count) || n < 1_000 {
            keyspace.insert(Self.entry(n))
            n += 1
        }
        #expect(keyspace.table.previous!.count > 100)
        let expected = Set((0..<n).map(Self.key))
        let snapshot = keyspace.snapshot()
        // Change everything the snapshot holds while the resize completes, and more.
        for m in 0..<n where m % 3 == 0 { remove(&keyspace, m) }
        for m in 0..<n where m % 3 == 1 { keyspace.insert(Self.entry(m, value: 1)) }
        for m in n..<(3 * n) { keyspace.insert(Self.entry(m)) }
        #expect(!keyspace.table.isResizing || keyspace.table.resizesStarted > 1)
        let keys = snapshot.map(\.key)
        #expect(keys.count == n)
        #expect(Set(keys) == expected)
        #expect(snapshot.allSatisfy { $0.value == Array("value-0".utf8) })
        checkArrays(keyspace)
    }

    @Test func randomKeyDrawsFromBothArrays() {
        var keyspace = Keyspace(hashSeed: 29)
        var n = 0
        while !(keyspace.table.isResizing && keyspace.table.current.count > 200) || n < 1_000 {
            keyspace.insert(Self.entry(n))
            n += 1
        }
        var fromPrevious = 0
        var fromCurrent = 0
        for draw in 0..<2_000 {
            let position = keyspace.table.randomPosition(UInt64(draw) &* 0x9e37_79b9_7f4a_7c15)
            #expect(keyspace.table.entry(at: position) != nil)
            if position < 0 { fromPrevious += 1 } else { fromCurrent += 1 }
        }
        #expect(fromPrevious > 100 && fromCurrent > 100)
    }

    @Test func flushedTablesAreFreedOffTheCallersThread() async throws {
        /// Records the thread that frees a witness (pthread_t is a UInt on Linux; 0: not yet).
        final class Record: Sendable { let thread = Atomic<UInt>(0) }
        final class Witness {
            let record: Record
            init(_ record: Record) { self.record = record }
            deinit { record.thread.store(UInt(pthread_self()), ordering: .releasing) }
        }
        let record = Record()
        var held: [Witness] = (0..<100).map { _ in Witness(record) }
        let caller = UInt(pthread_self())
        BackgroundRelease.take(&held, leaving: [])
        #expect(held.isEmpty)
        var waited = 0
        while record.thread.load(ordering: .acquiring) == 0 && waited < 200 {
            try await Task.sleep(nanoseconds: 10_000_000)
            waited += 1
        }
        let thread = record.thread.load(ordering: .acquiring)
        #expect(thread != 0, "freed within 2 s")
        #expect(thread != caller)
    }
}
