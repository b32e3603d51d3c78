import KVCore

/// Reads the records of one segment file in order, through a buffer refilled with `pread`.
///
/// Shared by recovery (which needs to know exactly where a segment stops being valid) and by
/// `LogCursor` (which reads segments the flusher may still be appending to: an incomplete
/// record at the end just means "not written yet", and a later `next()` reads further).
struct SegmentReader {
    /// What the reader found at its position.
    enum Step<Found> {
        /// A whole frame occupying `byteCount` bytes from file offset `offset`: the verified
        /// record (`next`), or the record's LSN (`nextFrame`).
        case found(Found, offset: Int, byteCount: Int)
        /// The file ends cleanly at `offset`, after the last record.
        case end(offset: Int)
        /// The file ends at `offset + available`, in the middle of a record that needs more bytes.
        case incomplete(offset: Int, available: Int)
        /// The bytes at `offset` can never be a record; `corruption` offsets are file offsets.
        case corrupt(offset: Int, RecordCorruption)
    }

    /// Read-ahead size: large enough that a segment is read in a few dozen calls.
    static let chunkSize = 1 << 20

    let file: SystemFile
    /// The read-ahead of this reader: `chunkSize` but in tests, where a small one makes
    /// records straddle refills.
    let readAhead: Int
    /// File offset of the next record.
    private(set) var offset: Int
    private var buffer: [UInt8] = []
    /// Buffer indices of the unread bytes.
    private var start = 0
    private var end = 0

    /// A reader positioned after the segment header.
    init(file: SystemFile, offset: Int = SegmentHeader.size, readAhead: Int = Self.chunkSize) {
        self.file = file
        self.offset = offset
        self.readAhead = max(readAhead, 1)
    }

    /// The next record, verified and decoded.
    mutating func next() throws -> Step<LogRecord> {
        try step(RecordCodec.decode) { record, _ in record }
    }

    /// Like `next`, but appends the record's frame to `output` as it is in the file, reading
    /// only its header (length and LSN): no checksum, no decoding.
    mutating func nextFrame(into output: inout [UInt8]) throws -> Step<LSN> {
        try step(RecordCodec.frameBounds) { lsn, frame in
            output.append(contentsOf: frame)
            return lsn
        }
    }

    /// Parses the buffered bytes with `parse`, refilling as it asks; a whole frame goes to
    /// `take` (with its bytes) and is consumed.
    private mutating func step<Value, Found>(
        _ parse: (UnsafeRawBufferPointer) -> RecordCodec.Parsed<Value>,
        take: (Value, UnsafeRawBufferPointer) -> Found
    ) throws -> Step<Found> {
        while true {
            let parsed = buffer.withUnsafeBytes { raw in parse(UnsafeRawBufferPointer(rebasing: raw[start..<end])) }
            switch parsed {
            case let .found(value, byteCount):
                let found = buffer.withUnsafeBytes { raw in
                    take(value, UnsafeRawBufferPointer(rebasing: raw[start..<start + byteCount]))
                }
                let frameOffset = offset
                start += byteCount
                offset += byteCount
                return .found(found, offset: frameOffset, byteCount: byteCount)
            case let .corrupt(corruption):
                var located = corruption
                located.offset += offset
                located.frameOffset += offset
                return .corrupt(offset: offset, located)
            case let .incomplete(needed):
                if try fill(atLeast: needed) == 0 {
                    let available = end - start
                    return available == 0 ? .end(offset: offset) : .incomplete(offset: offset, available: available)
                }
            }
        }
    }

    /// Reads more of the file so that at least `needed` unread bytes are buffered (or the file
    /// ends); returns how many bytes were read.
    private mutating func fill(atLeast needed: Int) throws -> Int {
        if start > 0 {
            // Keep the unread bytes, dropping the consumed ones in front of them.
            buffer.withUnsafeMutableBytes { raw in
                if end > start { raw.baseAddress!.copyMemory(from: raw.baseAddress! + start, byteCount: end - start) }
            }
            end -= start
            start = 0
        }
        // Never grow past what the file still holds: a torn or garbage length field may claim
        // up to the codec's cap (1 GiB), and the record is incomplete anyway if the file ends
        // first. (Growing to the claimed size made recovery allocate and zero up to 1 GiB.)
        // A buffer already this large never needs to grow, so the file's size (an fstat per
        // fill: a stream reading the log's tail fills once per batch) is not needed.
        if buffer.count < max(needed, readAhead) {
            let fileRemaining = max(0, try file.size() - offset)
            let wanted = max(min(needed, fileRemaining), readAhead, end)
            if buffer.count < wanted {
                buffer += [UInt8](repeating: 0, count: wanted - buffer.count)
            }
        }
        var total = 0
        while end < needed || total == 0 {
            let fileOffset = offset + end
            let count = try buffer.withUnsafeMutableBytes { raw in
                try file.read(into: raw.baseAddress! + end, count: raw.count - end, at: fileOffset)
            }
            if count == 0 { break }
            end += count
            total += count
            if end == buffer.count { break }
        }
        return total
    }
}
