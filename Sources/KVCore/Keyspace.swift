/// Every key of the store and its entry.
///
/// A value type: copying a keyspace is cheap and the copy is a consistent point-in-time
/// view (see `snapshot()`), which is how snapshots and clones are taken without stopping
/// writes.
///
/// PLACEHOLDER IMPLEMENTATION (Dictionary-backed) — the API is what the other layers rely on;
/// the storage is replaced by a purpose-made hash table.
public struct Keyspace {
    @usableFromInline var entries: [[UInt8]: Entry] = [:]

    public init() {}

    /// The number of keys, expired ones not yet removed included.
    public var count: Int { entries.count }

    /// The entry stored under `key`, expired or not.
    public func lookup(_ key: UnsafeRawBufferPointer) -> Entry? {
        entries[Array(key)]
    }

    /// Stores `entry` under its key; returns the entry it replaced.
    @discardableResult
    public mutating func insert(_ entry: Entry) -> Entry? {
        entries.updateValue(entry, forKey: entry.key)
    }

    /// Removes `key`; returns the entry it held.
    @discardableResult
    public mutating func remove(_ key: UnsafeRawBufferPointer) -> Entry? {
        entries.removeValue(forKey: Array(key))
    }

    /// Removes every key.
    public mutating func removeAll() {
        entries.removeAll()
    }

    /// Applies a logged operation (recovery, replicas).
    public mutating func apply(_ operation: WriteOperation) {
        switch operation {
        case let .put(entry):
            insert(entry)
        case let .delete(key):
            key.withUnsafeBytes { _ = remove($0) }
        case let .expire(key, at):
            key.withUnsafeBytes { raw in
                if let old = lookup(raw) { insert(old.withExpiry(at)) }
            }
        case .flushAll:
            removeAll()
        }
    }

    /// A consistent, immutable view of every entry as of now, safe to read on another thread
    /// while this keyspace goes on changing.
    public func snapshot() -> KeyspaceSnapshot {
        KeyspaceSnapshot(entries: Array(entries.values))
    }
}

/// A frozen copy of a keyspace: what a snapshot file or a clone is written from.
public struct KeyspaceSnapshot: Sendable, Sequence {
    @usableFromInline let entries: [Entry]

    /// The number of entries.
    public var count: Int { entries.count }

    public func makeIterator() -> IndexingIterator<[Entry]> { entries.makeIterator() }
}
