/// An open-addressing hash table of entries: linear probing, backward-shift deletion (no
/// tombstones), power-of-two capacity, slots kept in copy-on-write pages.
///
/// A key's home slot is the top `log2Capacity` bits of its hash, so slot order is hash order:
/// doubling the table sends slot `i` to slots `2i` and `2i+1`, and a SCAN cursor can be a hash
/// value that means the same at every size (see `Keyspace+Scan.swift`). An entry always sits
/// at or after its home slot, with no empty slot in between (wrapping at the end); insertion
/// and backward-shift deletion both keep that invariant.
struct SlotTable {
    /// The slots, `1 << pageLog2` per page. Shared with snapshots; copied page by page on write.
    private(set) var pages: ContiguousArray<SlotPage>
    /// log2 of the number of slots.
    private(set) var log2Capacity: Int
    /// log2 of the number of slots per page.
    private(set) var pageLog2: Int
    /// The number of entries.
    private(set) var count: Int
    /// The seeded hash function that places keys.
    let hash: KeyHash

    /// The smallest table: 8 slots.
    static let minimumLog2Capacity = 3

    init(hash: KeyHash, log2Capacity: Int = SlotTable.minimumLog2Capacity) {
        self.hash = hash
        self.log2Capacity = log2Capacity
        self.pageLog2 = min(log2Capacity, SlotPage.maximumSlotCountLog2)
        self.count = 0
        self.pages = SlotTable.emptyPages(log2Capacity: log2Capacity, pageLog2: pageLog2)
    }

    private static func emptyPages(log2Capacity: Int, pageLog2: Int) -> ContiguousArray<SlotPage> {
        let pageCount = 1 << (log2Capacity - pageLog2)
        var pages = ContiguousArray<SlotPage>()
        pages.reserveCapacity(pageCount)
        for _ in 0..<pageCount { pages.append(SlotPage.make(count: 1 << pageLog2)) }
        return pages
    }

    /// The number of slots.
    @inline(__always) var capacity: Int { 1 << log2Capacity }
    @inline(__always) var mask: Int { capacity &- 1 }
    /// How far a hash is shifted right to give its home slot.
    @inline(__always) var shift: UInt64 { UInt64(64 - log2Capacity) }
    /// The most entries the table holds before it doubles: a load factor of 0.8.
    var maximumCount: Int { capacity * 4 / 5 }

    /// The home slot of a hash: its top bits.
    @inline(__always) func home(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash &>> shift) }

    /// The hash of an entry's key.
    @inline(__always) func hash(of entry: Entry) -> UInt64 { entry.withKey { hash($0) } }

    /// The entry in slot `position`.
    @inline(__always) func entry(at position: Int) -> Entry? {
        pages[position &>> pageLog2][position & ((1 << pageLog2) &- 1)]
    }

    /// True when slot `position` holds an entry.
    @inline(__always) func isOccupied(_ position: Int) -> Bool {
        pages[position &>> pageLog2].isOccupied(position & ((1 << pageLog2) &- 1))
    }

    /// Writes slot `position`, first copying its page if a snapshot shares it.
    @inline(__always) private mutating func set(_ entry: Entry?, at position: Int) {
        let page = position &>> pageLog2
        if !isKnownUniquelyReferenced(&pages[page]) { pages[page] = pages[page].copy() }
        pages[page][position & ((1 << pageLog2) &- 1)] = entry
    }

    /// The slot holding `key`, whose hash is `hash`.
    @inline(__always) func position(of key: UnsafeRawBufferPointer, hash: UInt64) -> Int? {
        var position = home(hash)
        while let candidate = entry(at: position) {
            if candidate.hasKey(key) { return position }
            position = (position &+ 1) & mask
        }
        return nil
    }

    /// Stores `entry` (whose key hashes to `hash`), replacing the entry with the same key.
    mutating func insert(_ entry: Entry, hash: UInt64) -> Entry? {
        var position = home(hash)
        while let candidate = self.entry(at: position) {
            if entry.withKey({ candidate.hasKey($0) }) {
                set(entry, at: position)
                return candidate
            }
            position = (position &+ 1) & mask
        }
        if count >= maximumCount {
            resize(log2Capacity: log2Capacity + 1)
            position = firstEmpty(from: home(hash))
        }
        set(entry, at: position)
        count += 1
        return nil
    }

    private func firstEmpty(from start: Int) -> Int {
        var position = start
        while isOccupied(position) { position = (position &+ 1) & mask }
        return position
    }

    /// Empties slot `position` and shifts the rest of its cluster back over the hole, so that
    /// no lookup ever meets a gap before its entry. May shrink the table when it gets sparse.
    @discardableResult
    mutating func remove(at position: Int) -> Entry {
        let removed = entry(at: position)!
        var hole = position
        var next = (position &+ 1) & mask
        while let candidate = entry(at: next) {
            // The candidate may fill the hole only if its home is not in (hole, next].
            let home = home(hash(of: candidate))
            if (next &- home) & mask >= (next &- hole) & mask {
                set(candidate, at: hole)
                hole = next
            }
            next = (next &+ 1) & mask
        }
        set(nil, at: hole)
        count -= 1
        if count < capacity / 10 && log2Capacity > SlotTable.minimumLog2Capacity {
            resize(log2Capacity: SlotTable.log2Capacity(for: count))
        }
        return removed
    }

    /// Removes every entry and returns to the smallest size.
    mutating func removeAll() {
        self = SlotTable(hash: hash)
    }

    /// The smallest log2 capacity that holds `count` entries at a load factor of at most 0.4,
    /// so that a fresh table has room to double its content before it grows.
    static func log2Capacity(for count: Int) -> Int {
        var log2 = minimumLog2Capacity
        while (1 << log2) * 2 / 5 < count { log2 += 1 }
        return log2
    }

    /// Rebuilds the table with `1 << newLog2` slots. Old pages are left untouched for any
    /// snapshot that holds them.
    mutating func resize(log2Capacity newLog2: Int) {
        let old = pages
        log2Capacity = newLog2
        pageLog2 = min(newLog2, SlotPage.maximumSlotCountLog2)
        pages = SlotTable.emptyPages(log2Capacity: newLog2, pageLog2: pageLog2)
        for page in old {
            for index in 0..<page.count {
                if let entry = page[index] {
                    set(entry, at: firstEmpty(from: home(hash(of: entry))))
                }
            }
        }
    }
}
