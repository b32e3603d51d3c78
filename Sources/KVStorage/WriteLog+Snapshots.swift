import KVCore

extension WriteLog {
    /// Takes a snapshot and compacts the log behind it.
    ///
    /// Get `snapshot`, `lsn` and `lineage` together under the store's lock
    /// (`keyspace.snapshot()`, `lastAssigned` and the lineage), release the lock, then call this off the request path: it streams the
    /// file, fsyncs it, waits until the log is durable (policy `always`) or written (others) up
    /// to `lsn`, publishes the file, and only then deletes the segments and snapshots it makes
    /// unnecessary (keeping records after `retainAfter` for replication).
    ///
    /// The wait is what keeps snapshot and log consistent: a snapshot published ahead of its
    /// log could survive a crash that the log's last records do not.
    @discardableResult
    public func writeSnapshot(
        _ snapshot: DatasetSnapshot, at lsn: LSN, lineage: Lineage, retainAfter: LSN? = nil
    ) throws -> (snapshot: SnapshotInfo, compaction: CompactionResult) {
        // A closed log may already have been replaced (a replica's re-clone): its snapshot
        // would put data of the old history into the directory.
        if positions.withLock({ $0.stopped }) {
            throw StorageError(.closed, "the write log is closed; no snapshot taken", path: directory.logPath)
        }
        // Bytes appended between the caller's capture and this call are counted as covered:
        // logBytesSinceSnapshot is a trigger for the next snapshot, not an exact measure.
        let appendedAtCapture = staging.withLock { $0.bytesAppended }
        let writer = SnapshotWriter(directory: directory, history: history)
        let published = try writer.write(snapshot, at: lsn, lineage: lineage) {
            try waitUntilWritten(lsn, durable: policy == .always)
        }
        bytesAppendedAtSnapshot.store(appendedAtCapture, ordering: .relaxed)
        snapshotLSN.store(lsn.rawValue, ordering: .relaxed)
        let compaction = try Compaction.run(in: directory, snapshotLSN: lsn, retainAfter: retainAfter)
        return (published, compaction)
    }
}

extension WriteLog {
    /// `writeSnapshot` of a single database (database 0): tests and tools.
    @discardableResult
    public func writeSnapshot(
        _ snapshot: KeyspaceSnapshot, at lsn: LSN, lineage: Lineage, retainAfter: LSN? = nil
    ) throws -> (snapshot: SnapshotInfo, compaction: CompactionResult) {
        try writeSnapshot(DatasetSnapshot(snapshot), at: lsn, lineage: lineage, retainAfter: retainAfter)
    }
}
