import KVCore

/// What a compaction removed.
public struct CompactionResult: Sendable, Hashable {
    /// Log segments deleted (all their records were covered by the snapshot).
    public var deletedSegments: [String] = []
    /// Older snapshots deleted.
    public var deletedSnapshots: [String] = []
    /// The first LSN the log files still hold (the oldest remaining segment's), nil when none.
    public var oldestRetainedLSN: LSN?
}

/// Deletes what a newer snapshot has made unnecessary: log segments whose records are all at or
/// before the snapshot, and older snapshots.
///
/// A segment's records end where the next segment begins, so segment *i* may go when segment
/// *i+1* starts at or before `floor + 1` — where `floor` is the snapshot's LSN, lowered to
/// `retainAfter` when replication still needs records after that. The newest segment is never
/// deleted (the flusher is appending to it), so the segment holding `floor + 1` always stays.
public enum Compaction {
    /// Compacts `directory` after the snapshot at `snapshotLSN` was published.
    ///
    /// - Parameter retainAfter: keep every record with LSN > this (a replica still streaming
    ///   from there); nil keeps only what the snapshot does not cover.
    @discardableResult
    public static func run(in directory: DataDirectory, snapshotLSN: LSN, retainAfter: LSN? = nil) throws -> CompactionResult {
        let floor = min(snapshotLSN, retainAfter ?? snapshotLSN)
        var result = CompactionResult()
        let segments = try directory.segments()
        for (segment, next) in zip(segments, segments.dropFirst()) where next.firstLSN <= floor.next {
            try FileSystem.remove(segment.path)
            result.deletedSegments.append(segment.path)
        }
        if !result.deletedSegments.isEmpty { try FileSystem.syncDirectory(directory.logPath) }
        result.oldestRetainedLSN = segments.dropFirst(result.deletedSegments.count).first?.firstLSN

        // Keep the snapshot just written; newer ones (none, normally) are not ours to judge.
        for snapshot in try directory.snapshots() where snapshot.lsn < snapshotLSN {
            try FileSystem.remove(snapshot.path)
            result.deletedSnapshots.append(snapshot.path)
        }
        if !result.deletedSnapshots.isEmpty { try FileSystem.syncDirectory(directory.snapshotsPath) }
        return result
    }
}
