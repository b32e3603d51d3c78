import KVCore

extension DataDirectory {
    /// Where a clone writes the snapshot it receives: a `.tmp` name, so that a clone cut short
    /// is deleted at the next startup instead of being taken for data.
    public var cloneSnapshotPath: String {
        FileSystem.join(snapshotsPath, "clone.kvs" + Self.temporarySuffix)
    }

    /// Makes a received snapshot this (empty) directory's data: verifies the whole file, renames
    /// it to `snapshot-<lsn>.kvs`, then writes the history file. Returns the snapshot's header;
    /// `Recovery.open` then loads it and starts the log at its LSN + 1.
    ///
    /// The snapshot goes in first: a crash before the history file is written leaves a
    /// verified snapshot that recovery adopts the history from. The other order could leave an
    /// empty store claiming the history — a replica that believes it is at LSN 0.
    ///
    /// - Parameter verified: the header of a snapshot already verified as it was written (a
    ///   `CloneWriter`'s), to skip reading the file again.
    public func installSnapshot(at temporaryPath: String, verified: SnapshotHeader? = nil) throws -> SnapshotHeader {
        guard try segments().isEmpty && snapshots().isEmpty && !FileSystem.exists(historyPath) else {
            throw StorageError(.invalidArgument, "a clone can only be installed into an empty data directory", path: path)
        }
        let header = try verified ?? SnapshotReader.verify(temporaryPath)
        try create()
        try FileSystem.rename(temporaryPath, to: snapshotPath(lsn: header.lsn))
        try FileSystem.syncDirectory(snapshotsPath)
        try writeHistory(header.history)
        return header
    }
}

extension DataDirectory {
    /// Deletes this directory's data (segments, snapshots, history) to make room for a new
    /// clone, keeping an unfinished clone (`clone.kvs.tmp`) and any lock file.
    ///
    /// Deletes newest first — segments, then snapshots, then the history file — so that a crash
    /// at any point leaves a consistent prefix of the old data (or nothing), never log segments
    /// without the history they belong to, nor a log that starts after a gap.
    public func wipe() throws {
        for segment in try segments().reversed() { try FileSystem.remove(segment.path) }
        try FileSystem.syncDirectory(logPath)
        for snapshot in try snapshots().reversed() { try FileSystem.remove(snapshot.path) }
        try FileSystem.syncDirectory(snapshotsPath)
        if FileSystem.exists(historyPath) {
            try FileSystem.remove(historyPath)
            try FileSystem.syncDirectory(path)
        }
    }
}
