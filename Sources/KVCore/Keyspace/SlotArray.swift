/// One open-addressing array of slots: linear probing, backward-shift deletion (no
/// tombstones), power-of-two capacity, slots kept in copy-on-write pages. It never resizes
/// itself: `SlotTable` holds one (two while it moves entries to a new size) and decides.
///
/// A key's home slot is the top `log2Capacity` bits of its hash, so slot order is hash order:
/// an array twice the size sends slot `i`'s entries to slots `2i` and `2i+1`, and a SCAN
/// cursor can be a hash value that means the same at every size (see `Keyspace+Scan.swift`).
/// An entry always sits at or after its home slot, with no empty slot in between (wrapping at
/// the end); insertion, backward-shift deletion and `takeClusterEnd` all keep that invariant.
///
/// Every slot also has a one-byte tag (low bits of its entry's hash, 0 when empty), so that a
/// probe compares tags and dereferences only entries whose tag matches: about one entry per
/// hit and almost none per miss (see `find` and docs/keyspace.md).
///
/// Full-size pages start as `SlotPage.empty`, shared: an array of millions of slots costs one
/// page reference per 4096 slots until it is written, and each page is made on its first write
/// (copy-on-write, as for a snapshot's page). That is what lets a resize begin in O(pages).
struct SlotArray {
    /// The slots, `1 << pageLog2` per page. Shared with snapshots; copied page by page on write.
    private(set) var pages: ContiguousArray<SlotPage>
    /// log2 of the number of slots.
    let log2Capacity: Int
    /// log2 of the number of slots per page.
    let pageLog2: Int
    /// The number of entries.
    private(set) var count: Int
    /// Pages that are not the shared empty page (what the slots occupy in memory).
    private(set) var madePages: Int
    /// The seeded hash function that places keys.
    let hash: KeyHash

    init(hash: KeyHash, log2Capacity: Int) {
        self.hash = hash
        self.log2Capacity = log2Capacity
        self.pageLog2 = min(log2Capacity, SlotPage.maximumSlotCountLog2)
        self.count = 0
        let pageCount = 1 << (log2Capacity - pageLog2)
        if pageLog2 == SlotPage.maximumSlotCountLog2 {
            pages = ContiguousArray(repeating: SlotPage.empty, count: pageCount)
            madePages = 0
        } else {
            pages = [SlotPage.make(count: 1 << pageLog2)]
            madePages = 1
        }
    }

    /// The number of slots.
    @inline(__always) var capacity: Int { 1 << log2Capacity }
    @inline(__always) var mask: Int { capacity &- 1 }
    /// How far a hash is shifted right to give its home slot.
    @inline(__always) var shift: UInt64 { UInt64(64 - log2Capacity) }
    /// The most entries the array holds at a load factor of 0.8.
    var maximumCount: Int { capacity * 4 / 5 }
    /// The bytes the made pages occupy: slots, tags and page headers.
    var slotBytes: Int { madePages * ((1 << pageLog2) * (MemoryLayout<Entry?>.stride + MemoryLayout<SlotTag>.stride) + 48) }

    /// The home slot of a hash: its top bits.
    @inline(__always) func home(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash &>> shift) }

    /// The slots per page, less one: the index within a page of a position.
    @inline(__always) var pageMask: Int { (1 << pageLog2) &- 1 }

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

    /// Makes page `page` writable: a new page for the shared empty one, a copy of one a
    /// snapshot shares.
    @inline(__always) private mutating func makeWritable(_ page: Int) {
        if !isKnownUniquelyReferenced(&pages[page]) {
            if pages[page] === SlotPage.empty {
                pages[page] = SlotPage.make(count: 1 << pageLog2)
                madePages += 1
            } else {
                pages[page] = pages[page].copy()
            }
        }
    }

    /// Writes slot `position` (and its tag), first making its page writable.
    @inline(__always) private mutating func set(_ entry: Entry?, tag: SlotTag, at position: Int) {
        let page = position &>> pageLog2
        makeWritable(page)
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

    /// Replaces the entry in occupied slot `position` with one of the same key.
    mutating func replace(at position: Int, with entry: Entry, hash: UInt64) {
        set(entry, tag: SlotTable.tag(of: hash), at: position)
    }

    /// Stores `entry`, whose key (hashing to `hash`) is not in the array, in the first empty
    /// slot from its home. The caller keeps the load at most 0.8.
    mutating func place(_ entry: Entry, hash: UInt64) {
        var position = home(hash)
        while isOccupied(position) { position = (position &+ 1) & mask }
        set(entry, tag: SlotTable.tag(of: hash), at: position)
        count += 1
    }

    /// Calls `body` with the entry in occupied slot `position`, held in place (the page made
    /// unshared first): `isKnownUniquelyReferenced` on it tells whether anyone else (a
    /// snapshot's page, a log record) holds the entry. `body` may replace it with an entry of
    /// the same key, never with nil.
    mutating func withEntry<R>(at position: Int, _ body: (inout Entry) throws -> R) rethrows -> R {
        let page = position &>> pageLog2
        makeWritable(page)
        return try pages[page].withSlot(position & pageMask) { slot in
            var entry = slot.take()!
            defer { slot = entry }
            return try body(&entry)
        }
    }

    /// Empties slot `position` and shifts the rest of its cluster back over the hole, so that
    /// no lookup ever meets a gap before its entry.
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
        return removed
    }

    /// Empties slot `position`, which must be the last slot of its cluster (the next slot is
    /// empty), and answers its entry. No shift: nothing after it can be missing it.
    mutating func takeClusterEnd(at position: Int) -> Entry? {
        guard let taken = entry(at: position) else { return nil }
        set(nil, tag: 0, at: position)
        count -= 1
        return taken
    }

    /// Drops page `page`, whose slots are all empty for good, for the shared empty page (full
    /// size pages only): a resize frees the old array page by page as it empties it.
    mutating func releasePage(_ page: Int) {
        guard pageLog2 == SlotPage.maximumSlotCountLog2, pages[page] !== SlotPage.empty else { return }
        pages[page] = SlotPage.empty
        madePages -= 1
    }

    /// The end of a SCAN range starting at hash `cursor`: the first hash of the slot after
    /// about `count` occupied slots from home(cursor), or after `10 × count` slots, so that
    /// sparse arrays still progress; nil when the range runs to the end of the hash space.
    func scanEnd(cursor: UInt64, count: Int) -> UInt64? {
        let start = home(cursor)
        let target = max(1, count)
        let slotLimit = target.multipliedReportingOverflow(by: 10).overflow ? Int.max : target * 10
        var end = start
        var occupied = 0
        while end < capacity && occupied < target && end - start < slotLimit {
            if isOccupied(end) { occupied += 1 }
            end += 1
        }
        return end == capacity ? nil : UInt64(end) << shift
    }

    /// Calls `body` with every entry whose hash is in [`lower`, `upper`) (`upper` nil: to the
    /// end of the hash space). It walks from home(lower) through home(upper − 1), then on to
    /// the first empty slot: by the invariant every entry whose home is in the range is there.
    func forEach(hashesFrom lower: UInt64, below upper: UInt64?, _ body: (Entry) -> Void) {
        guard count > 0 else { return }
        let start = home(lower)
        let last = upper.map { home($0 &- 1) } ?? capacity - 1
        let rangeSlots = last - start + 1
        var position = start
        var steps = 0
        while steps < capacity {
            guard let entry = entry(at: position) else {
                if steps >= rangeSlots { break }
                position = (position + 1) & mask
                steps += 1
                continue
            }
            let hash = hash(of: entry)
            if hash >= lower, upper.map({ hash < $0 }) ?? true { body(entry) }
            position = (position + 1) & mask
            steps += 1
        }
    }
}
