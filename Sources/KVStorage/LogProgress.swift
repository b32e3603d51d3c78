import KVCore

/// When the write log calls `fsync`, and therefore what an acknowledged write survives.
public enum FsyncPolicy: String, Sendable, CaseIterable, CustomStringConvertible {
    /// fsync after every batch; a write is acknowledged only once it is on disk. Group commit
    /// makes one fsync cover every write that arrived while the previous one ran.
    case always
    /// fsync at most once a second (and within a second of the last write, even when idle);
    /// writes are acknowledged once handed to the OS: they survive a process crash, and a power
    /// loss may take the last second or so.
    case everysec
    /// never fsync on the write path (only at segment rollover, at close, and when a caller
    /// asks with `waitUntilWritten(_:durable: true)`); writes are
    /// acknowledged once handed to the OS, and the OS decides when they reach the disk.
    case no

    public var description: String { rawValue }
}

/// How far the write log has got: published by the flusher after each batch.
public struct LogProgress: Sendable, Equatable {
    /// The last LSN handed out by `append` (staged, maybe not yet written).
    public var lastAssigned: LSN
    /// Every record up to here has been handed to the OS with `write(2)`: it survives a crash
    /// of this process (kill -9), not necessarily a power loss.
    public var written: LSN
    /// Every record up to here has been fsynced: it survives a power loss.
    public var durable: LSN
    /// Every record up to here may be acknowledged to its client under the log's fsync policy:
    /// `durable` for `always`, `written` otherwise.
    public var acknowledged: LSN
    /// Set while the log cannot write (disk full, I/O error): nothing more is acknowledged
    /// until it clears. A failed fsync never clears (see `WriteLog.failure`).
    public var failure: StorageError?
    /// True once `close()` has finished: nothing more will be written.
    public var isClosed: Bool

    public init(lastAssigned: LSN, written: LSN, durable: LSN, acknowledged: LSN,
                failure: StorageError? = nil, isClosed: Bool = false) {
        self.lastAssigned = lastAssigned
        self.written = written
        self.durable = durable
        self.acknowledged = acknowledged
        self.failure = failure
        self.isClosed = isClosed
    }
}

/// Counters for `/metrics` and `INFO persistence`. Monotonic unless noted.
public struct WriteLogStatistics: Sendable, Equatable {
    /// Records given to `append`.
    public var recordsAppended: UInt64
    /// Encoded bytes given to `append` (frames included).
    public var bytesAppended: UInt64
    /// Bytes handed to the OS with `write(2)`.
    public var bytesWritten: UInt64
    /// `fsync`/`fdatasync` calls on segments.
    public var fsyncCount: UInt64
    /// Time spent in those calls, in microseconds.
    public var fsyncMicrosecondsTotal: UInt64
    /// Duration of the latest one, in microseconds (not monotonic).
    public var fsyncMicrosecondsLast: UInt64
    /// Bytes appended since the latest snapshot was published (not monotonic): the server
    /// takes a snapshot when this grows large, to bound recovery time and disk use.
    public var logBytesSinceSnapshot: UInt64
    /// The LSN of the latest snapshot published through this log (not monotonic across restarts).
    public var snapshotLSN: LSN
    /// Segment files created by this log (rollovers plus the first).
    public var segmentsCreated: UInt64
}
