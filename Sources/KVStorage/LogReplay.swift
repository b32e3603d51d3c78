#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KVCore

/// Recovery's pass over the log: verifies every segment from the one holding the first record
/// after the snapshot, applies those records, and repairs a torn tail of the newest segment.
///
/// The torn-tail rule: a crash can leave the newest segment ending in a partial record, or in
/// garbage or zeros the file system exposed past the last write. Such a tail held no
/// acknowledged write under `always` (its fsync never returned), so it is cut off — but only
/// when no valid record follows it. A valid record after the bad bytes means the damage is in
/// the middle of the log, which is corruption and stops startup. Anything bad in an older
/// segment is corruption too: only the newest segment is ever being written.
enum LogReplay {
    struct Result {
        /// The last LSN in the log (the snapshot's LSN's predecessor chain ends here).
        var lastLSN: LSN
        var recordsReplayed = 0
        /// The newest segment (nil when there is none): the log appends to it again when its
        /// records end at the recovered LSN.
        var newestSegment: (firstLSN: LSN, path: String)?
    }

    static func run(directory: DataDirectory, history: HistoryID, after snapshotLSN: LSN,
                    into dataset: inout Dataset, lineage: inout Lineage,
                    warnings: inout [String]) throws -> Result {
        let segments = try directory.segments()
        var result = Result(lastLSN: snapshotLSN)
        guard !segments.isEmpty else { return result }
        // Every segment must belong to this history, even those the snapshot covers.
        for segment in segments {
            let file = try SystemFile.openForReading(segment.path)
            defer { file.close() }
            _ = try SegmentHeader.read(from: file, expectedFirstLSN: segment.firstLSN, history: history)
        }
        guard let start = segments.lastIndex(where: { $0.firstLSN <= snapshotLSN.next }) else {
            throw StorageError(.logGap, "the log starts at LSN \(segments[0].firstLSN) but the snapshot ends at LSN "
                               + "\(snapshotLSN): records in between are missing", path: segments[0].path)
        }
        var next = segments[start].firstLSN
        for index in start..<segments.count {
            let segment = segments[index]
            guard segment.firstLSN == next else {
                throw StorageError(.logGap, "segment starts at LSN \(segment.firstLSN) but the previous segment ends at "
                                   + "LSN \(next.rawValue - 1)", path: segment.path, offset: 24)
            }
            let isNewest = index == segments.count - 1
            let file = try SystemFile.openForReading(segment.path)
            defer { file.close() }
            var reader = SegmentReader(file: file)
            scan: while true {
                switch try reader.next() {
                case let .found(record, offset, _):
                    guard record.lsn == next else {
                        throw StorageError(.logGap, "expected LSN \(next), found \(record.lsn)",
                                           path: segment.path, offset: offset)
                    }
                    if record.lsn > snapshotLSN {
                        for operation in record.operations {
                            if case let .beginEpoch(epoch) = operation { lineage.begin(epoch, at: record.lsn) }
                        }
                        dataset.apply(record.operations)
                        result.recordsReplayed += 1
                    }
                    next = record.lsn.next
                case .end:
                    break scan
                case let .incomplete(offset, available):
                    guard isNewest else {
                        throw StorageError(.corruption, "segment ends inside a record (\(available) bytes of it)",
                                           path: segment.path, offset: offset)
                    }
                    try cutTornTail(of: file, at: offset, after: LSN(next.rawValue - 1),
                                    reason: "incomplete record", warnings: &warnings)
                    break scan
                case let .corrupt(offset, corruption):
                    guard isNewest else {
                        throw StorageError(.corruption, corruption.description, path: segment.path, offset: corruption.offset)
                    }
                    try cutTornTail(of: file, at: offset, after: LSN(next.rawValue - 1),
                                    reason: corruption.description, detail: corruption, warnings: &warnings)
                    break scan
                }
            }
        }
        result.lastLSN = LSN(next.rawValue - 1)
        result.newestSegment = segments.last
        return result
    }

    /// Applies the torn-tail rule to the newest segment's bad region starting at `offset`:
    /// throws if a valid record follows it, else truncates the file there and fsyncs.
    static func cutTornTail(of file: SystemFile, at offset: Int, after lastGood: LSN, reason: String,
                            detail: RecordCorruption? = nil, warnings: inout [String]) throws {
        let size = try file.size()
        if let later = try validRecordOffset(in: file, from: offset + 1, size: size, after: lastGood) {
            throw StorageError(.corruption, "\(reason); a valid record follows at byte \(later), so this is damage "
                               + "inside the log, not a torn write", path: file.path, offset: detail?.offset ?? offset)
        }
        let writable = try SystemFile.open(file.path, flags: O_WRONLY)
        defer { writable.close() }
        try writable.truncate(to: offset)
        try writable.sync()
        warnings.append("\(file.path): dropped \(size - offset) bytes of torn tail at byte \(offset) (\(reason))")
    }

    /// The offset of the first verified record at or after `from` whose LSN follows `lastGood`
    /// plausibly, or nil. Cheap checks (length in range and inside the file, LSN no further
    /// ahead than the bytes skipped could hold records) come before the checksum, so the scan
    /// stays about linear.
    static func validRecordOffset(in file: SystemFile, from start: Int, size: Int, after lastGood: LSN) throws -> Int? {
        let count = size - start
        guard count >= RecordCodec.frameHeaderSize + RecordCodec.minimumBodySize else { return nil }
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let read = try bytes.withUnsafeMutableBytes { raw in
                try file.read(into: raw.baseAddress! + filled, count: count - filled, at: start + filled)
            }
            if read == 0 { break }
            filled += read
        }
        let minimumFrame = RecordCodec.frameHeaderSize + RecordCodec.minimumBodySize
        return bytes.withUnsafeBytes { raw -> Int? in
            var position = 0
            while position + minimumFrame <= filled {
                let length = Int(raw.loadLittleEndian(at: position, as: UInt32.self))
                let remaining = filled - position
                if length >= RecordCodec.minimumBodySize, RecordCodec.frameHeaderSize + length <= remaining {
                    let lsn = raw.loadLittleEndian(at: position + RecordCodec.frameHeaderSize, as: UInt64.self)
                    let plausible = lsn > lastGood.rawValue
                        && lsn - lastGood.rawValue <= UInt64(position / minimumFrame + 2)
                    if plausible, RecordCodec.isValidRecord(UnsafeRawBufferPointer(rebasing: raw[position..<filled])) {
                        return start + position
                    }
                }
                position += 1
            }
            return nil
        }
    }
}
