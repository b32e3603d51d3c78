import KVCore

/// What `WriteLog.losePower` took back: the bytes of the open segment past its last fsync.
public struct PowerLossCut: Sendable, Hashable {
    /// The segment that was cut (the only one that can hold bytes no fsync covered).
    public var segmentPath: String
    /// The segment's size before the cut and after it.
    public var bytesBefore: Int
    public var bytesAfter: Int
    /// The last LSN the kept bytes hold: what the last fsync covered.
    public var durable: LSN
    /// The last LSN written to the file before the cut (records `durable + 1 … written` are gone).
    public var written: LSN
    /// The last LSN handed out (records after `written` were only staged in memory).
    public var lastAssigned: LSN

    /// Bytes dropped from the file.
    public var droppedBytes: Int { bytesBefore - bytesAfter }
}

extension WriteLog {
    /// Does to the log what a machine crash (power loss, kernel panic) does: the open segment
    /// loses every byte its last fsync did not cover, and nothing is written or fsynced
    /// afterwards. For fault injection — `DEBUG POWERLOSS`, whose caller then kills the process
    /// inside `then` — and tests.
    ///
    /// A process kill leaves written bytes in the page cache, so a chaos run that only kills
    /// never sees the tail an `everysec` primary loses with its machine; cutting at the
    /// durable offset drops exactly what a power loss may drop, and no more: segments before
    /// the open one were fsynced whole before the log rolled over, and a segment is created
    /// with its header fsynced. (A real disk may keep some of the unsynced bytes; this is the
    /// worst case.)
    ///
    /// Runs under the writer lock, so no write or fsync is in flight or can start between the
    /// cut and `then`, which runs with the lock still held. Afterwards the log is dead as after
    /// a failed fsync: nothing more reaches the file and `failure` says why; `close()` still
    /// works. Throws if the file cannot be cut (then nothing changed).
    @discardableResult
    public func losePower<Result>(then body: (PowerLossCut) -> Result) throws -> Result {
        try writer.withLock { state throws -> Result in
            let lastAssigned = self.lastAssigned
            let cut = PowerLossCut(segmentPath: state.segment.file.path, bytesBefore: state.segment.size,
                                   bytesAfter: state.durableBytes, durable: state.durable, written: state.written,
                                   lastAssigned: lastAssigned)
            try state.segment.file.truncate(to: state.durableBytes)
            state.segment.size = state.durableBytes
            state.written = state.durable
            // As after a failed fsync: the flusher and `writeStaged` write and fsync nothing more.
            state.syncFailed = true
            positions.withLock {
                $0.failure = StorageError(.io, "the machine lost power (simulated): the log lost its unsynced tail",
                                          path: cut.segmentPath, offset: cut.bytesAfter)
            }
            return body(cut)
        }
    }
}
