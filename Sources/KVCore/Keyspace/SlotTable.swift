/// An open-addressing hash table of entries: linear probing, backward-shift deletion (no
/// tombstones), power-of-two capacity, slots kept in copy-on-write pages.
///
/// A key's home slot is the top `log2Capacity` bits of its hash, so slot order is hash order:
/// doubling the table sends slot `i` to slots `2i` and `2i+1`, and a SCAN cursor can be a hash
/// value that means the same at every size (see `Keyspace+Scan.swift`). An entry always sits
/// at or after its home slot, with no empty slot in between (wrapping at the end); insertion
/// and backward-shift deletion both keep that invariant.
///
/// Every slot also has a one-byte tag (low bits of its entry's hash, 0 when empty), so that a
/// probe compares tags and dereferences only entries whose tag matches: about one entry per
/// hit and almost none per miss (see `find` and docs/keyspace.md).
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

    /// The slots per page, less one: the index within a page of a position.
    @inline(__always) var pageMask: Int { (1 << pageLog2) &- 1 }

    /// The tag of a hash: its low bits (the home slot uses the top ones), with 0 — which
    /// marks an empty slot — moved to 1.
    ///
    /// Tags only filter: a lookup compares the key of every entry whose tag matches, so two
    /// keys with the same tag (or the same whole hash) are still told apart.
    @inline(__always) static func tag(of hash: UInt64) -> SlotTag {
        let tag = SlotTag(truncatingIfNeeded: hash)
        return tag == 0 ? 1 : tag
    }

    /// The hash of an entry's key.
    @inline(__always) func hash(of entry: Entry) -> UInt64 { entry.withKey { hash($0) } }

    /// The entry in slot `position`.
    @inline(__always) func entry(at position: Int) -> Entry? {
        pages[position &>> pageLog2][position & pageMask]
    }

    /// The tag of slot `position`: 0 when it is empty.
    @inline(__always) func tag(at position: Int) -> SlotTag {
        pages[position &>> pageLog2].tag(position & pageMask, count: 1 << pageLog2)
    }

    /// True when slot `position` holds an entry (read from the tags: no slot load).
    @inline(__always) func isOccupied(_ position: Int) -> Bool { tag(at: position) != 0 }

    /// Writes slot `position` (and its tag), first copying its page if a snapshot shares it.
    @inline(__always) private mutating func set(_ entry: Entry?, tag: SlotTag, at position: Int) {
        let page = position &>> pageLog2
        if !isKnownUniquelyReferenced(&pages[page]) { pages[page] = pages[page].copy() }
        pages[page].set(entry, tag: tag, at: position & pageMask, count: 1 << pageLog2)
    }

    /// The slot holding `key` (whose hash is `hash`) and its entry.
    ///
    /// The probe walks the tags: it stops at the first empty slot (tag 0) and loads a slot,
    /// and compares its entry's key, only when the tag matches. A hit thus dereferences one
    /// entry (plus one per tag collision, 1 in 255 of the occupied slots probed); a miss
    /// almost never dereferences any.
    @inline(__always) func find(_ key: UnsafeRawBufferPointer, hash: UInt64) -> (position: Int, entry: Entry)? {
        let wanted = SlotTable.tag(of: hash)
        let pageSize = 1 << pageLog2
        var position = home(hash)
        while true {
            let page = pages[position &>> pageLog2]
            let index = position & pageMask
            let tag = page.tag(index, count: pageSize)
            if tag == 0 { return nil }
            if tag == wanted, let candidate = page[index], candidate.hasKey(key) { return (position, candidate) }
            position = (position &+ 1) & mask
        }
    }

    /// The slot holding `key`, whose hash is `hash`.
    @inline(__always) func position(of key: UnsafeRawBufferPointer, hash: UInt64) -> Int? {
        find(key, hash: hash)?.position
    }

    /// Stores `entry` (whose key hashes to `hash`), replacing the entry with the same key.
    @discardableResult
    mutating func insert(_ entry: Entry, hash: UInt64) -> Entry? {
        let tag = SlotTable.tag(of: hash)
        let replaced = entry.withKey { find($0, hash: hash) }
        if let replaced {
            set(entry, tag: tag, at: replaced.position)
            return replaced.entry
        }
        if count >= maximumCount { resize(log2Capacity: log2Capacity + 1) }
        set(entry, tag: tag, at: firstEmpty(from: home(hash)))
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
    /// Calls `body` with the entry in occupied slot `position`, held in place (the page made
    /// unshared first): `isKnownUniquelyReferenced` on it tells whether anyone else (a
    /// snapshot's page, a log record) holds the entry. `body` may replace it with an entry of
    /// the same key, never with nil.
    mutating func withEntry<R>(at position: Int, _ body: (inout Entry) throws -> R) rethrows -> R {
        let page = position &>> pageLog2
        if !isKnownUniquelyReferenced(&pages[page]) { pages[page] = pages[page].copy() }
        return try pages[page].withSlot(position & pageMask) { slot in
            var entry = slot.take()!
            defer { slot = entry }
            return try body(&entry)
        }
    }

    @discardableResult
    mutating func remove(at position: Int) -> Entry {
        let removed = entry(at: position)!
        var hole = position
        var next = (position &+ 1) & mask
        while let candidate = entry(at: next) {
            // The candidate may fill the hole only if its home is not in (hole, next].
            let home = home(hash(of: candidate))
            if (next &- home) & mask >= (next &- hole) & mask {
                set(candidate, tag: tag(at: next), at: hole)
                hole = next
            }
            next = (next &+ 1) & mask
        }
        set(nil, tag: 0, at: hole)
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
                    let hash = hash(of: entry)
                    set(entry, tag: SlotTable.tag(of: hash), at: firstEmpty(from: home(hash)))
                }
            }
        }
    }

    /// The entries whose hash lies in [cursor, next), about `count` of them; answers next, or 0
    /// after the last range (see docs/keyspace.md, "SCAN cursor semantics").
    func scan(cursor: UInt64, count: Int, _ body: (Entry) -> Void) -> UInt64 {
        guard count > 0 else { return 0 }
        let capacity = capacity
        let start = home(cursor)
        let target = max(1, count)
        let slotLimit = target.multipliedReportingOverflow(by: 10).overflow ? Int.max : target * 10

        // Choose the end slot: after about `target` occupied slots, or `slotLimit` slots.
        var end = start
        var occupied = 0
        while end < capacity && occupied < target && end - start < slotLimit {
            if isOccupied(end) { occupied += 1 }
            end += 1
        }
        let upper: UInt64? = end == capacity ? nil : UInt64(end) << shift

        // Walk from `start` through the range and on to the first empty slot at or after `end`.
        var position = start
        var steps = 0
        let rangeSlots = end - start
        while steps < capacity {
            guard let entry = entry(at: position) else {
                if steps >= rangeSlots { break }
                position = (position + 1) & mask
                steps += 1
                continue
            }
            let hash = hash(of: entry)
            if hash >= cursor, upper.map({ hash < $0 }) ?? true { body(entry) }
            position = (position + 1) & mask
            steps += 1
        }
        return upper ?? 0
    }
}
