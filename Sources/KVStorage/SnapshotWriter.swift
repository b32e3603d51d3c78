#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KVCore

/// A snapshot file on disk.
public struct SnapshotInfo: Sendable, Hashable {
    /// Every write up to and including this LSN is in the snapshot.
    public var lsn: LSN
    /// Where it is (a `.tmp` path until published).
    public var path: String
    public var entryCount: UInt64
    /// The file's size.
    public var byteCount: Int
}

/// Writes snapshot files: streamed to `snapshot-<lsn>.kvs.tmp`, fsynced, and only then renamed
/// into place (and the directory fsynced) — a half-written snapshot is never taken for data.
///
/// Writing and publishing are separate steps so that the caller can hold the file back until
/// the log is written up to the snapshot's LSN (see `WriteLog.writeSnapshot`, which does both).
public struct SnapshotWriter: Sendable {
    public let directory: DataDirectory
    public let history: HistoryID

    public init(directory: DataDirectory, history: HistoryID) {
        self.directory = directory
        self.history = history
    }

    /// Bytes written between two syncs of a snapshot file (Redis's 4 MB `REDIS_AUTOSYNC_BYTES`).
    static let syncInterval = 4 << 20

    /// Streams `snapshot` (the keyspace as of `lsn`) to a temporary file and fsyncs it; returns
    /// the unpublished file. Runs for as long as the keyspace takes to write — call it off the
    /// request path.
    public func writeTemporary(_ snapshot: DatasetSnapshot, at lsn: LSN, lineage: Lineage,
                               chunkSize: Int = 1 << 20) throws -> SnapshotInfo {
        let path = directory.snapshotPath(lsn: lsn) + DataDirectory.temporarySuffix
        let file = try SystemFile.open(path, flags: O_WRONLY | O_CREAT | O_TRUNC)
        var encoder = SnapshotEncoder(history: history, lsn: lsn, lineage: lineage, snapshot: snapshot,
                                      chunkSize: chunkSize)
        var chunk: [UInt8] = []
        var size = 0
        var unsynced = 0
        do {
            while encoder.encodeNext(into: &chunk) {
                try file.write(chunk)
                size += chunk.count
                unsynced += chunk.count
                // Redis's rdb-save-incremental-fsync: a snapshot of millions of keys would
                // otherwise pile up hundreds of MB of dirty pages, and the kernel's writeback
                // throttling then makes every writer sleep — the event loop's log writes too.
                if unsynced >= SnapshotWriter.syncInterval {
                    try file.sync()
                    unsynced = 0
                }
                chunk.removeAll(keepingCapacity: true)
            }
            guard encoder.entriesWritten == encoder.header.entryCount else {
                throw StorageError(.invalidArgument, "the keyspace snapshot holds \(encoder.entriesWritten) entries "
                                   + "but its count says \(encoder.header.entryCount)", path: path)
            }
            try file.sync()
            file.close()
        } catch {
            file.close()
            try? FileSystem.remove(path)
            throw error
        }
        return SnapshotInfo(lsn: lsn, path: path, entryCount: encoder.header.entryCount, byteCount: size)
    }

    /// Renames a file from `writeTemporary` into place and fsyncs the directory.
    public func publish(_ temporary: SnapshotInfo) throws -> SnapshotInfo {
        let path = directory.snapshotPath(lsn: temporary.lsn)
        try FileSystem.rename(temporary.path, to: path)
        try FileSystem.syncDirectory(directory.snapshotsPath)
        var published = temporary
        published.path = path
        return published
    }

    /// Writes, then calls `beforePublishing` (wait for the log there), then publishes. If
    /// anything throws, the temporary file is removed and nothing is published.
    public func write(
        _ snapshot: DatasetSnapshot, at lsn: LSN, lineage: Lineage, beforePublishing: () throws -> Void = {}
    ) throws -> SnapshotInfo {
        let temporary = try writeTemporary(snapshot, at: lsn, lineage: lineage)
        do {
            try beforePublishing()
            return try publish(temporary)
        } catch {
            try? FileSystem.remove(temporary.path)
            throw error
        }
    }
}

extension SnapshotWriter {
    /// Writes a single database's snapshot (database 0): tests and tools.
    public func write(
        _ snapshot: KeyspaceSnapshot, at lsn: LSN, lineage: Lineage, beforePublishing: () throws -> Void = {}
    ) throws -> SnapshotInfo {
        try write(DatasetSnapshot(snapshot), at: lsn, lineage: lineage, beforePublishing: beforePublishing)
    }
}
