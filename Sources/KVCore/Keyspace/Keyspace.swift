/// Every key of the store and its entry.
///
/// A value type over a purpose-made hash table (`SlotTable`): open addressing with linear
/// probing, 9 bytes per slot (an entry reference and a one-byte hash tag) at a load factor between 0.4 and 0.8, slots in copy-on-write
/// pages. Copying a keyspace, or taking a `snapshot()`, copies only the array of page
/// references; the first write to a shared page copies that page alone. That is how snapshots
/// and clones are taken without stopping writes. See `docs/keyspace.md`.
public struct Keyspace {
    var table: SlotTable
    /// The sum of the entries' footprints, kept as entries come and go (for INFO memory).
    var entryBytes = 0
    /// The number of entries with an expiry (for INFO keyspace's `expires=`).
    public private(set) var expiringCount = 0
    /// Where active expiry resumes, as a hash position (see `sweepExpired`).
    var sweepCursor: UInt64 = 0
    /// State of the generator RANDOMKEY draws slots from.
    var randomState: UInt64

    /// An empty keyspace whose hash is seeded at random (hash-flooding resistance).
    public init() {
        var generator = SystemRandomNumberGenerator()
        self.init(hashSeed: generator.next())
    }

    /// An empty keyspace with a given hash seed: reproducible layouts for tests and benchmarks.
    public init(hashSeed: UInt64) {
        self.init(hash: KeyHash(seed: hashSeed), randomSeed: hashSeed)
    }

    /// An empty keyspace whose hashes keep only the bits of `hashMask` (tests: a tiny hash
    /// space makes tag collisions and whole-hash collisions common).
    init(hashSeed: UInt64, hashMask: UInt64) {
        self.init(hash: KeyHash(seed: hashSeed, mask: hashMask), randomSeed: hashSeed)
    }

    private init(hash: KeyHash, randomSeed: UInt64) {
        table = SlotTable(hash: hash)
        randomState = randomSeed | 1
    }

    /// The number of keys, expired ones not yet removed included.
    public var count: Int { table.count }

    /// The number of slots of the hash table (for INFO and tests).
    public var slotCount: Int { table.capacity }

    /// An estimate of the bytes the keyspace occupies: entries, slots, tags and page headers
    /// (of the pages made: a resize's new array makes its pages as it fills them).
    public var memoryFootprint: Int {
        entryBytes + table.slotBytes + table.pageCount * MemoryLayout<SlotPage>.stride + 32
    }

    /// The entry stored under `key`, expired or not.
    public func lookup(_ key: UnsafeRawBufferPointer) -> Entry? {
        table.find(key, hash: table.hash(key))?.entry
    }

    /// Stores `entry` under its key; returns the entry it replaced.
    @discardableResult
    public mutating func insert(_ entry: Entry) -> Entry? {
        let replaced = table.insert(entry, hash: table.hash(of: entry))
        entryBytes += entry.footprint - (replaced?.footprint ?? 0)
        expiringCount += (entry.expiresAt == nil ? 0 : 1) - (replaced?.expiresAt == nil ? 0 : 1)
        return replaced
    }

    /// Removes `key`; returns the entry it held.
    @discardableResult
    public mutating func remove(_ key: UnsafeRawBufferPointer) -> Entry? {
        guard let position = table.position(of: key, hash: table.hash(key)) else { return nil }
        return remove(at: position)
    }

    /// Removes the entry in slot `position`.
    @discardableResult
    mutating func remove(at position: Int) -> Entry {
        let removed = table.remove(at: position)
        entryBytes -= removed.footprint
        if removed.expiresAt != nil { expiringCount -= 1 }
        return removed
    }

    /// Removes `key` for good (DEL, UNLINK): a collection of more than
    /// `BackgroundRelease.threshold` elements is freed on a background thread.
    mutating func discard(_ key: UnsafeRawBufferPointer) {
        guard let position = table.position(of: key, hash: table.hash(key)) else { return }
        var removed: Entry? = remove(at: position)
        if (removed?.object?.count ?? 0) > BackgroundRelease.threshold {
            BackgroundRelease.take(&removed, leaving: nil)
        }
    }

    /// Removes every key (the old table is freed on a background thread: `SlotTable.removeAll`).
    public mutating func removeAll() {
        table.removeAll()
        entryBytes = 0
        expiringCount = 0
        sweepCursor = 0
    }

    /// Applies a logged operation (recovery, replicas).
    public mutating func apply(_ operation: WriteOperation) {
        switch operation {
        case let .put(entry):
            insert(entry)
        case let .edit(key, edit):
            apply(edit, to: key)
        case let .delete(key):
            key.withUnsafeBytes { discard($0) }
        case let .expire(key, at):
            key.withUnsafeBytes { raw in
                if let old = lookup(raw) { insert(old.withExpiry(at)) }
            }
        case .flushAll, .flushDatabase:
            removeAll()
        case .select, .swapDatabases:
            break  // the dataset's, not one keyspace's (`Dataset.apply`)
        case .beginEpoch:
            break  // the log's lineage, not the keyspace's (`Lineage`)
        }
    }

    /// A consistent, immutable view of every entry as of now (expired ones not yet removed
    /// included), safe to read on another thread while this keyspace goes on changing.
    ///
    /// O(1): it shares the pages (both arrays' while the table resizes), and later writes
    /// copy the pages they touch.
    public func snapshot() -> KeyspaceSnapshot {
        KeyspaceSnapshot(pages: table.entries, count: table.count)
    }
}
