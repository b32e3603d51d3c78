/// One effect of a write on the keyspace, as it is logged and replicated.
///
/// Operations state results, not commands: `INCR` is logged as the `put` of the new value,
/// expiry as an absolute instant. Applying the same operations in the same order to the same
/// state always yields the same state — on recovery, on a replica, from a snapshot plus log.
public enum WriteOperation: Sendable {
    /// The entry's key now holds the entry's value (a string or a whole collection) and
    /// expiry, whatever it held before.
    case put(Entry)
    /// The collection under the key changed as the edit says (created if missing, deleted if
    /// left empty); its expiry stays.
    case edit(key: [UInt8], CollectionEdit)
    /// The key no longer exists.
    case delete(key: [UInt8])
    /// The key, which exists, now expires at the instant (nil: never).
    case expire(key: [UInt8], at: UnixMillis?)
    /// Every key of every database is gone.
    case flushAll
    /// The record's next operations apply to this database (a record starts in database 0).
    case select(Int)
    /// Every key of the current database is gone (FLUSHDB).
    case flushDatabase
    /// The two databases trade places (SWAPDB).
    case swapDatabases(Int, Int)
    /// A new epoch of the history starts with this record (`Lineage`): the marker a primary
    /// writes, and makes durable, before its first write. Changes no key.
    case beginEpoch(Epoch)
}

/// One write of the primary: everything one command (or one MULTI/EXEC) changed, under one LSN.
public struct LogRecord: Sendable {
    /// The record's position in the log.
    public var lsn: LSN
    /// The primary's wall-clock time when the write was applied.
    public var timestamp: UnixMillis
    /// What the write changed, in order.
    public var operations: [WriteOperation]

    public init(lsn: LSN, timestamp: UnixMillis, operations: [WriteOperation]) {
        self.lsn = lsn
        self.timestamp = timestamp
        self.operations = operations
    }
}
