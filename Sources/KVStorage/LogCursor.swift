#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KVCore

/// Reads the log's records after a given LSN, in order, across segments — what the primary
/// sends a replica that asks for "everything after my LSN".
///
/// Reads the files, not the flusher's memory, and stops at `limit` (by default what was
/// written when the cursor was made), so it never returns a record the log has not written.
/// Raise `limit` to read further. Not thread-safe: one cursor per reader.
public final class LogCursor {
    /// The cursor returns records with LSN > this.
    public let after: LSN
    /// The cursor returns records up to this LSN (inclusive), then nil until it is raised.
    public var limit: LSN
    /// The LSN of the last record returned (or `after`).
    public private(set) var position: LSN

    private let directory: DataDirectory
    private let history: HistoryID
    private var reader: SegmentReader?
    /// File offset of the last frame returned.
    private var frameOffset = 0
    private var scratch: [UInt8] = []

    init(directory: DataDirectory, history: HistoryID, after: LSN, limit: LSN) {
        self.directory = directory
        self.history = history
        self.after = after
        self.limit = limit
        self.position = after
    }

    deinit {
        reader?.file.close()
    }

    /// The next record, verified and decoded, or nil once `limit` is reached. Throws
    /// `logCompacted` when the records asked for were already deleted by compaction (a replica
    /// that far behind must re-clone), and `corruption`/`logGap` naming the file and offset
    /// when the log does not verify.
    public func next() throws -> LogRecord? {
        scratch.removeAll(keepingCapacity: true)
        guard try nextFrame(into: &scratch) != nil else { return nil }
        switch RecordCodec.decode(scratch, at: 0) {
        case let .found(record, _):
            return record
        case let .corrupt(corruption):
            throw StorageError(.corruption, corruption.description, path: reader?.file.path, offset: frameOffset)
        case .incomplete:
            throw StorageError(.corruption, "record \(position) is cut short", path: reader?.file.path, offset: frameOffset)
        }
    }

    /// Appends the next record's frame to `output` exactly as it is in the log (header, checksum,
    /// body) and returns its LSN, or nil once `limit` is reached. The frame's checksum is not
    /// checked here: whoever applies it decodes it with `RecordCodec.decode`, which does.
    /// Throws as `next` does.
    public func nextFrame(into output: inout [UInt8]) throws -> LSN? {
        guard position < limit else { return nil }
        while true {
            if reader == nil { try openSegment(containing: position.next) }
            let mark = output.count
            switch try reader!.nextFrame(into: &output) {
            case let .found(lsn, offset, _):
                if lsn <= position {  // before `after` in the first segment
                    output.removeSubrange(mark...)
                    continue
                }
                guard lsn == position.next else {
                    output.removeSubrange(mark...)
                    throw StorageError(.logGap, "expected LSN \(position.next), found \(lsn)",
                                       path: reader!.file.path, offset: offset)
                }
                position = lsn
                frameOffset = offset
                return lsn
            case .end, .incomplete:
                reader!.file.close()
                reader = nil
                try openSegment(startingAt: position.next)
            case let .corrupt(offset, corruption):
                throw StorageError(.corruption, corruption.description, path: reader!.file.path, offset: offset)
            }
        }
    }

    /// Opens the newest segment whose first LSN is at or before `lsn`.
    private func openSegment(containing lsn: LSN) throws {
        let segments = try directory.segments()
        guard let segment = segments.last(where: { $0.firstLSN <= lsn }) else {
            let oldest = segments.first.map { "the oldest segment starts at LSN \($0.firstLSN)" } ?? "there are no segments"
            throw StorageError(.logCompacted, "records after LSN \(lsn.rawValue - 1) are no longer in the log: \(oldest)",
                               path: directory.logPath)
        }
        try open(segment.path, firstLSN: segment.firstLSN)
    }

    /// Opens the segment that must start exactly at `lsn` (the one after a finished segment).
    private func openSegment(startingAt lsn: LSN) throws {
        guard try directory.segments().contains(where: { $0.firstLSN == lsn }) else {
            throw StorageError(.logGap, "the log has no segment starting at LSN \(lsn) but was written up to \(limit)",
                               path: directory.logPath)
        }
        try open(directory.segmentPath(firstLSN: lsn), firstLSN: lsn)
    }

    private func open(_ path: String, firstLSN: LSN) throws {
        let file: SystemFile
        do {
            file = try SystemFile.openForReading(path)
        } catch let error as StorageError where error.errno == ENOENT {
            throw StorageError(.logCompacted, "segment was deleted by compaction while being read", path: path)
        }
        do {
            _ = try SegmentHeader.read(from: file, expectedFirstLSN: firstLSN, history: history)
        } catch {
            file.close()
            throw error
        }
        reader = SegmentReader(file: file)
    }
}

extension WriteLog {
    /// A cursor over the records with LSN > `lsn`, up to `limit` (default, and at most: what is
    /// written now — a record is read back only once the flusher has written all of it). Raise
    /// the cursor's `limit` later, again to at most `progress.written`, to read on.
    public func records(after lsn: LSN, through limit: LSN? = nil) -> LogCursor {
        let written = progress.written
        return LogCursor(directory: directory, history: history, after: lsn, limit: min(limit ?? written, written))
    }
}
