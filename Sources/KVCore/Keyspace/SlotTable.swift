/// The keyspace's hash table (and the large collections'): a `SlotArray`, which it resizes
/// incrementally, so that no single operation pays for a resize.
///
/// Growing (an insert would pass a load of 0.8) or shrinking (fewer than 1/10 of the slots
/// used) starts a new array (`current`, its pages made lazily: O(pages) to start) and keeps
/// the old one (`previous`) until it is empty. Every write then moves a few of the old array's
/// entries (`advanceResize`: at most `stepSlots` slots looked at, so at most that many entries
/// moved, whatever the size); the expiry timer advances it too when the store is idle. While
/// a resize runs:
///
/// - every key is in exactly one array; lookups try `current`, then `previous`;
/// - new keys go to `current`; a key found in `previous` is replaced or edited in place there;
/// - a position (`find`, `remove(at:)`, `withEntry(at:)`) is a slot of `current` when ≥ 0
///   and `~slot` of `previous` when negative;
/// - SCAN takes the entries of its hash range from both arrays (a hash range means the same
///   in both), so its guarantee holds half-way through a resize too;
/// - a snapshot holds both arrays' pages: each key once.
///
/// The old array is emptied in slot order from slot 0 (`drainLow`), one cluster at a time
/// from the cluster's last slot backwards, so no entry is ever shifted and no gap opens in
/// front of a remaining one. Slots below `drainLow` stay empty (nothing is inserted into
/// `previous`, and backward shifts only move entries into emptied slots of their own cluster),
/// so each old page is released as soon as the drain passes it. See docs/keyspace.md,
/// "Incremental resizing".
struct SlotTable {
    /// The array new keys go to (the only one when no resize runs).
    private(set) var current: SlotArray
    /// The array being emptied into `current`; nil when no resize runs.
    private(set) var previous: SlotArray?
    /// Slots of `previous` below this are drained: empty for good.
    private var drainLow = 0
    /// The end of the cluster being drained: slots [`drainLow`, `drainEnd`) are being walked
    /// or drained, and slot `drainEnd` is empty once `drainEndFound`.
    private var drainEnd = 0
    private var drainEndFound = false
    /// While draining a cluster: slots [`drainTop`, `drainEnd`) of it are already empty.
    private var drainTop = 0
    /// For tests: the most slots one operation's resize work looked at (each moved entry
    /// counts one), and the number of resizes started.
    private(set) var largestResizeStep = 0
    private(set) var resizesStarted = 0

    /// The slots one resize step looks at, at most: a bound on the entries it moves.
    static let stepSlots = 64

    /// The smallest table: 8 slots.
    static let minimumLog2Capacity = 3

    init(hash: KeyHash, log2Capacity: Int = SlotTable.minimumLog2Capacity) {
        current = SlotArray(hash: hash, log2Capacity: log2Capacity)
    }

    /// The seeded hash function that places keys.
    @inline(__always) var hash: KeyHash { current.hash }
    /// The number of entries.
    @inline(__always) var count: Int { current.count + (previous?.count ?? 0) }
    /// The number of slots of the current array.
    @inline(__always) var capacity: Int { current.capacity }
    /// True while entries are being moved from an old array.
    var isResizing: Bool { previous != nil }
    /// The page references both arrays hold (made pages or not).
    var pageCount: Int { current.pages.count + (previous?.pages.count ?? 0) }
    /// The bytes both arrays' made pages occupy.
    var slotBytes: Int { current.slotBytes + (previous?.slotBytes ?? 0) }

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

    // The current array's geometry, for the expiry sweep's slot walk.
    @inline(__always) var mask: Int { current.mask }
    @inline(__always) var shift: UInt64 { current.shift }
    @inline(__always) func home(_ hash: UInt64) -> Int { current.home(hash) }

    /// The entry at `position` (≥ 0: a slot of `current`; negative: `~slot` of `previous`).
    @inline(__always) func entry(at position: Int) -> Entry? {
        position >= 0 ? current.entry(at: position) : previous!.entry(at: ~position)
    }

    /// The position of `key` (whose hash is `hash`) and its entry.
    @inline(__always) func find(_ key: UnsafeRawBufferPointer, hash: UInt64) -> (position: Int, entry: Entry)? {
        if let found = current.find(key, hash: hash) { return found }
        guard let previous, previous.count > 0, let found = previous.find(key, hash: hash) else { return nil }
        return (~found.position, found.entry)
    }

    /// The position of `key`, whose hash is `hash`.
    @inline(__always) func position(of key: UnsafeRawBufferPointer, hash: UInt64) -> Int? {
        find(key, hash: hash)?.position
    }

    /// Stores `entry` (whose key hashes to `hash`), replacing the entry with the same key.
    @discardableResult
    mutating func insert(_ entry: Entry, hash: UInt64) -> Entry? {
        if previous != nil { advanceResize() }
        if let replaced = entry.withKey({ find($0, hash: hash) }) {
            if replaced.position >= 0 {
                current.replace(at: replaced.position, with: entry, hash: hash)
            } else {
                previous!.replace(at: ~replaced.position, with: entry, hash: hash)
            }
            return replaced.entry
        }
        if current.count >= current.maximumCount {
            // While a resize runs the new array cannot fill up (see `advanceResize`); if it
            // ever did, the resize is finished at once rather than the load passing 0.8.
            if previous != nil { finishResize() }
            beginResize(log2Capacity: current.log2Capacity + 1)
        }
        current.place(entry, hash: hash)
        return nil
    }

    /// Calls `body` with the entry at occupied `position`, held in place (see
    /// `SlotArray.withEntry`).
    mutating func withEntry<R>(at position: Int, _ body: (inout Entry) throws -> R) rethrows -> R {
        if position >= 0 { return try current.withEntry(at: position, body) }
        return try previous!.withEntry(at: ~position, body)
    }

    /// Removes the entry at `position` (backward shift in its array), then does a step of the
    /// running resize, or starts a shrink when the table got sparse.
    @discardableResult
    mutating func remove(at position: Int) -> Entry {
        let removed = position >= 0 ? current.remove(at: position) : previous!.remove(at: ~position)
        if previous != nil { advanceResize() } else { shrinkIfSparse() }
        return removed
    }

    /// Removes every entry and returns to the smallest size. The old arrays (and the entries
    /// only they held) are freed on a background thread: freeing millions of entries here
    /// would stall the caller (FLUSHALL under the database lock).
    mutating func removeAll() {
        let empty = SlotTable(hash: hash)
        if count > BackgroundRelease.threshold {
            BackgroundRelease.take(&self, leaving: empty)
        } else {
            self = empty
        }
    }

    /// The smallest log2 capacity that holds `count` entries at a load factor of at most 0.4,
    /// so that a fresh table has room to double its content before it grows.
    static func log2Capacity(for count: Int) -> Int {
        var log2 = minimumLog2Capacity
        while (1 << log2) * 2 / 5 < count { log2 += 1 }
        return log2
    }

    /// Starts a shrink when fewer than 1/10 of the slots are used: to the size at load ≤ 0.4,
    /// but at most 8 times smaller at once, so that the writes that come while it runs cannot
    /// fill the new array (they are at most 1/32 of the old slots: see `advanceResize`).
    mutating func shrinkIfSparse() {
        guard previous == nil, current.count < current.capacity / 10,
              current.log2Capacity > SlotTable.minimumLog2Capacity else { return }
        beginResize(log2Capacity: max(SlotTable.log2Capacity(for: current.count), current.log2Capacity - 3))
    }

    /// Makes the current array the old one and starts an empty one of `1 << newLog2` slots.
    /// O(pages): the new array's pages are made as they are written.
    private mutating func beginResize(log2Capacity newLog2: Int) {
        precondition(previous == nil)
        previous = current
        current = SlotArray(hash: hash, log2Capacity: newLog2)
        drainLow = 0
        drainEnd = 0
        drainEndFound = false
        drainTop = 0
        resizesStarted += 1
    }

    /// One step of the running resize: looks at up to `slots` slots of the old array and moves
    /// the entries found to the new one (at most `slots` of them).
    ///
    /// The old array is emptied from slot 0 upwards. For each cluster, the walk first finds
    /// its end (the next empty slot), then takes entries from the end backwards: a cluster's
    /// last entry has no follower that could need it in place, so no entry is shifted. The
    /// walk may pause anywhere (the next step resumes it); deletions meanwhile only move
    /// entries back within the undrained slots, and never into slot `drainEnd` once it is
    /// known empty.
    ///
    /// Bound: a resize passes each old slot at most three times (walk, take, skip), so it
    /// ends within `3 × oldCapacity / slots` steps, each write making at most one step and one
    /// insertion: a growth (new array twice the old, 0.8 → 0.4 full) or a shrink (at most 8
    /// times smaller, ≤ 0.4 full) ends long before the new array could pass 0.8.
    mutating func advanceResize(slots: Int = SlotTable.stepSlots) {
        guard var old = previous else { return }
        previous = nil  // `old` is then the only holder: the pages it writes are not copied
        let capacity = old.capacity
        var visited = 0
        while visited < slots && drainLow < capacity {
            visited += 1
            if !drainEndFound {
                if drainEnd == capacity || !old.isOccupied(drainEnd) {
                    drainEndFound = true
                    drainTop = drainEnd
                } else {
                    drainEnd += 1
                }
            } else if drainTop > drainLow {
                drainTop -= 1
                if let entry = old.takeClusterEnd(at: drainTop) { current.place(entry, hash: hash(of: entry)) }
            } else {
                // The cluster is empty and slot `drainEnd` too: go on after it, releasing
                // the pages passed.
                let next = min(drainEnd + 1, capacity)
                let firstPage = drainLow >> old.pageLog2
                let pastPage = next >> old.pageLog2
                if firstPage < pastPage { for page in firstPage..<pastPage { old.releasePage(page) } }
                drainLow = next
                drainEnd = next
                drainEndFound = false
            }
        }
        largestResizeStep = max(largestResizeStep, visited)
        if drainLow < capacity {
            previous = old
        } else {
            assert(old.count == 0, "a drained array holds \(old.count) entries")
        }
    }

    /// Finishes the running resize at once (a fallback that the bounds above never reach).
    private mutating func finishResize() {
        while previous != nil { advanceResize(slots: Int.max) }
    }

    /// A position holding an entry, drawn from `draw` (the table must not be empty): an
    /// array chosen in proportion to its entries, a slot drawn in it, then the first occupied
    /// slot from there (for RANDOMKEY, SRANDMEMBER, HRANDFIELD).
    func randomPosition(_ draw: UInt64) -> Int {
        if let previous, previous.count > 0,
           current.count == 0 || Int((draw >> 32) % UInt64(count)) < previous.count {
            // Only slots from `drainLow` on may hold entries.
            let span = previous.capacity - drainLow
            var position = drainLow + Int(truncatingIfNeeded: draw % UInt64(span))
            while !previous.isOccupied(position) {
                position += 1
                if position == previous.capacity { position = drainLow }
            }
            return ~position
        }
        var position = Int(truncatingIfNeeded: draw) & current.mask
        while !current.isOccupied(position) { position = (position &+ 1) & current.mask }
        return position
    }

    /// Every page of both arrays (current first): what a snapshot holds.
    var pageLists: [ContiguousArray<SlotPage>] {
        if let previous { return [current.pages, previous.pages] }
        return [current.pages]
    }

    /// Every entry, in slot order of the current array, then of the old one.
    var entries: SlotPages { SlotPages(pageLists) }

    /// The entries whose hash lies in [cursor, next), about `count` of them; answers next, or 0
    /// after the last range (see docs/keyspace.md, "SCAN cursor semantics"). The range's end
    /// is the nearer of the two arrays' choices, and both arrays give their entries in it.
    func scan(cursor: UInt64, count: Int, _ body: (Entry) -> Void) -> UInt64 {
        guard count > 0 else { return 0 }
        var upper = current.scanEnd(cursor: cursor, count: count)
        if let previous, previous.count > 0, let end = previous.scanEnd(cursor: cursor, count: count) {
            upper = min(upper ?? end, end)
        }
        current.forEach(hashesFrom: cursor, below: upper, body)
        previous?.forEach(hashesFrom: cursor, below: upper, body)
        return upper ?? 0
    }
}
