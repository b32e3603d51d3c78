import KVCore

extension WriteLog {
    /// Asks the flusher to fsync every record up to `lsn` now, whatever the policy, without
    /// waiting: the progress handler reports `durable` when it is done (WAITAOF).
    public func requestDurable(_ lsn: LSN) {
        guard policy != .always else { return }  // every batch is fsynced anyway
        positions.withLock { $0.durableRequested = max($0.durableRequested, min(lsn, lastAssigned)) }
        ringDoorbell()
    }

    /// Blocks the calling thread until every record up to `lsn` is written (handed to the OS)
    /// or, with `durable`, fsynced.
    ///
    /// This is the gate a snapshot passes before it is published: a snapshot at LSN s must not
    /// be visible on disk while the log up to s could still be lost, or a restart would hold a
    /// state the log (and the replicas streaming it) never had. Asking for `durable` under the
    /// `everysec` and `no` policies makes the flusher fsync now rather than wait its turn.
    ///
    /// Throws the log's failure if it cannot write, `closed` if it stopped first, and
    /// `invalidArgument` for an LSN not yet assigned. Do not call it from the progress handler.
    public func waitUntilWritten(_ lsn: LSN, durable: Bool) throws {
        let last = lastAssigned
        guard lsn <= last else {
            throw StorageError(.invalidArgument, "LSN \(lsn) has not been assigned (last is \(last))")
        }
        if durable && policy != .always {
            positions.withLock { $0.durableRequested = max($0.durableRequested, lsn) }
        }
        ringDoorbell()
        let outcome = positions.withLock(waitingUntil: { positions in
            (durable ? positions.durable : positions.written) >= lsn || positions.failure != nil || positions.stopped
        }) { positions -> Result<Void, StorageError> in
            if (durable ? positions.durable : positions.written) >= lsn { return .success(()) }
            if let failure = positions.failure { return .failure(failure) }
            return .failure(StorageError(.closed, "the write log closed before LSN \(lsn) was written",
                                         path: directory.logPath))
        }
        try outcome.get()
    }

    /// Writes and fsyncs everything staged, stops the flusher and closes the segment file;
    /// returns the final positions. Safe to call more than once and from several threads: later
    /// calls wait for the first to finish. If the disk refuses the last bytes, they are lost
    /// and the returned progress carries the failure.
    @discardableResult
    public func close() -> LogProgress {
        let first = staging.withLock { staging -> Bool in
            defer { staging.closing = true }
            return !staging.closing
        }
        ringDoorbell()
        if first {
            thread.withLock { $0 }?.join()
            // The flusher has reported its last progress. Let go of the handler: it usually
            // captures what owns this log, and kept here it would make a retain cycle that
            // outlives the owner (the server's, found by LeakSanitizer).
            setProgressHandler(nil)
        }
        let lastAssigned = self.lastAssigned
        return positions.withLock(waitingUntil: { $0.stopped }) { makeProgress(lastAssigned: lastAssigned, $0) }
    }
}
