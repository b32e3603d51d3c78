/// Every database of the store (SELECT 0–15): one `Keyspace` each.
///
/// What the log, snapshots, clones and digests cover. A logged record's operations apply to
/// database 0 until a `.select` names another (the record's own cursor: the next record
/// starts at 0 again), so a log written before there were databases reads as database 0's.
/// Databases named by the log beyond the configured count are made as they are needed: a
/// replica never drops what its primary wrote.
public struct Dataset {
    /// The databases by index. Commands run on `databases[i]` in place after `ensure(i)`.
    public var databases: [Keyspace]

    /// `count` empty databases (at least one), each with its own random hash seed.
    public init(count: Int = 16) {
        databases = (0..<max(1, count)).map { _ in Keyspace() }
    }

    /// A dataset whose database 0 is `keyspace` (tests, tools, single-database loads).
    public init(_ keyspace: Keyspace, count: Int = 1) {
        databases = [keyspace] + (1..<max(1, count)).map { _ in Keyspace() }
    }

    /// Database `index`, made (empty) if the dataset has fewer.
    public subscript(index: Int) -> Keyspace {
        get { index < databases.count ? databases[index] : Keyspace() }
        set {
            ensure(index)
            databases[index] = newValue
        }
    }

    /// Makes databases up to `index` exist.
    @inline(__always)
    public mutating func ensure(_ index: Int) {
        while databases.count <= index { databases.append(Keyspace()) }
    }

    /// Keys in every database.
    public var count: Int { databases.reduce(0) { $0 + $1.count } }

    /// Keys with an expiry in every database.
    public var expiringCount: Int { databases.reduce(0) { $0 + $1.expiringCount } }

    /// The bytes every database occupies (estimate, for INFO memory).
    public var memoryFootprint: Int { databases.reduce(0) { $0 + $1.memoryFootprint } }

    /// Applies one logged record's operations, in order, following its `.select`s.
    public mutating func apply(_ operations: [WriteOperation]) {
        var current = 0
        for operation in operations {
            switch operation {
            case let .select(index): current = index
            case .flushAll: for index in databases.indices { databases[index].removeAll() }
            case let .swapDatabases(first, second):
                ensure(max(first, second))
                databases.swapAt(first, second)
            default:
                ensure(current)
                databases[current].apply(operation)
            }
        }
    }

    /// Inserts `entry` into database `index` (loading a snapshot).
    public mutating func insert(_ entry: Entry, database index: Int) {
        ensure(index)
        databases[index].insert(entry)
    }

    /// Every database's consistent, immutable view as of now (see `Keyspace.snapshot()`).
    public func snapshot() -> DatasetSnapshot {
        DatasetSnapshot(databases: databases.map { $0.snapshot() })
    }

    /// `DEBUG DIGEST` of the whole dataset: database 0's digest is `Keyspace.digest()`; each
    /// other non-empty database's is mixed in with its index, so moving a key between
    /// databases changes the result.
    public func digest() -> [UInt8] {
        var result = [UInt8](repeating: 0, count: 20)
        for (index, keyspace) in databases.enumerated() where keyspace.count > 0 {
            var part = keyspace.digest()
            if index > 0 {
                var hash = SHA1()
                var number = UInt32(index).littleEndian
                withUnsafeBytes(of: &number) { hash.update($0) }
                hash.update(part)
                part = hash.finish()
            }
            for byte in 0..<20 { result[byte] ^= part[byte] }
        }
        return result
    }
}

/// Every database's entries as of one instant, readable on another thread (`Dataset.snapshot()`).
public struct DatasetSnapshot: Sendable, Sequence {
    public let databases: [KeyspaceSnapshot]

    public init(databases: [KeyspaceSnapshot]) { self.databases = databases }

    /// Database 0 alone (tests, single-database writers).
    public init(_ snapshot: KeyspaceSnapshot) { databases = [snapshot] }

    /// Entries in every database.
    public var count: Int { databases.reduce(0) { $0 + $1.count } }

    public var underestimatedCount: Int { count }

    public func makeIterator() -> Iterator { Iterator(databases: databases) }

    /// Each entry with its database, database by database.
    public struct Iterator: IteratorProtocol {
        let databases: [KeyspaceSnapshot]
        var index = 0
        var entries: KeyspaceSnapshot.Iterator?

        init(databases: [KeyspaceSnapshot]) {
            self.databases = databases
            entries = databases.first?.makeIterator()
        }

        public mutating func next() -> (database: Int, entry: Entry)? {
            while index < databases.count {
                if let entry = entries?.next() { return (index, entry) }
                index += 1
                entries = index < databases.count ? databases[index].makeIterator() : nil
            }
            return nil
        }
    }
}
