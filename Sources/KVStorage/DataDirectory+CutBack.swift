#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KVCore

/// What cutting the log back removed.
public struct CutBack: Sendable, Hashable, CustomStringConvertible {
    /// The log now ends at this LSN (or holds nothing after the snapshot).
    public var lsn: LSN
    /// Records removed (past `lsn`).
    public var recordsDiscarded: Int
    /// Segment files deleted whole.
    public var segmentsDeleted: Int

    public var description: String {
        "\(recordsDiscarded) records after LSN \(lsn) discarded (\(segmentsDeleted) segments deleted)"
    }
}

extension DataDirectory {
    /// Cuts the log back so that it ends at `lsn` (a replica on a dead branch, back to the fork
    /// point — docs/replication.md, "Lineage"). Call it with the log closed.
    ///
    /// Newest first, so that a crash at any point leaves a log that ends between `lsn` and
    /// where it ended — never a gap: segments wholly after `lsn` are deleted, then the one
    /// holding `lsn` is truncated right after that record and fsynced. Throws `invalidArgument`
    /// when a snapshot lies past `lsn` (its state holds records after the fork: only a new
    /// clone repairs that) or when the log holds no record `lsn` to end at.
    public func cutLog(after lsn: LSN) throws -> CutBack {
        if let newest = try snapshots().last, newest.lsn > lsn {
            throw StorageError(.invalidArgument, "the newest snapshot (LSN \(newest.lsn)) lies past LSN \(lsn)",
                               path: newest.path)
        }
        var result = CutBack(lsn: lsn, recordsDiscarded: 0, segmentsDeleted: 0)
        for segment in try segments().reversed() where segment.firstLSN > lsn {
            result.recordsDiscarded += try Self.recordCount(in: segment.path)
            try FileSystem.remove(segment.path)
            try FileSystem.syncDirectory(logPath)
            result.segmentsDeleted += 1
        }
        guard let holding = try segments().last else { return result }
        let file = try SystemFile.open(holding.path, flags: O_RDWR)
        defer { file.close() }
        _ = try SegmentHeader.read(from: file, expectedFirstLSN: holding.firstLSN,
                                   history: try readHistory() ?? HistoryID(high: 0, low: 0))
        var reader = SegmentReader(file: file)
        var end: Int?
        var after = 0
        scan: while true {
            switch try reader.next() {
            case let .found(record, offset, byteCount):
                if record.lsn == lsn { end = offset + byteCount }
                if record.lsn > lsn { after += 1 }
            case .end, .incomplete:
                break scan
            case let .corrupt(offset, corruption):
                throw StorageError(.corruption, "\(corruption)", path: holding.path, offset: offset)
            }
        }
        // A log that ends before `lsn` (its tail after the snapshot is gone) has nothing to cut.
        if let end {
            try file.truncate(to: end)
            try file.sync()
            result.recordsDiscarded += after
        } else if after > 0 {
            throw StorageError(.invalidArgument, "the log does not hold LSN \(lsn) to end at", path: holding.path)
        }
        return result
    }

    private static func recordCount(in path: String) throws -> Int {
        let file = try SystemFile.openForReading(path)
        defer { file.close() }
        var reader = SegmentReader(file: file)
        var count = 0
        while case .found = try reader.next() { count += 1 }
        return count
    }
}
