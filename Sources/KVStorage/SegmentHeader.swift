import KVCore

/// The fixed header at the start of every log segment.
///
/// ```
/// offset size
///      0    4  magic "KVLG"
///      4    4  u32 format version (1)
///      8    8  u64 history id, high half
///     16    8  u64 history id, low half
///     24    8  u64 first LSN (the LSN in the file name)
///     32    4  u32 crc32c of bytes 0..<32
/// ```
/// Records follow from byte 36. A segment is created as `<name>.tmp` with its header written
/// and fsynced, then renamed into place, so a segment file always has a whole header: a bad
/// header is corruption, never a torn write.
struct SegmentHeader: Equatable {
    static let magic: [UInt8] = Array("KVLG".utf8)
    static let version: UInt32 = 1
    static let size = 36

    var history: HistoryID
    var firstLSN: LSN

    func encoded() -> [UInt8] {
        var bytes = Self.magic
        bytes.reserveCapacity(Self.size)
        bytes.appendLittleEndian(Self.version)
        bytes.appendLittleEndian(history.high)
        bytes.appendLittleEndian(history.low)
        bytes.appendLittleEndian(firstLSN.rawValue)
        bytes.appendLittleEndian(CRC32C.checksum(bytes))
        return bytes
    }

    /// Parses and verifies a header; `path` names the file in errors.
    static func decode(_ bytes: UnsafeRawBufferPointer, path: String) throws -> SegmentHeader {
        guard bytes.count >= size else {
            throw StorageError(.corruption, "segment is \(bytes.count) bytes, shorter than its \(size)-byte header",
                               path: path, offset: 0)
        }
        guard bytes.prefix(4).elementsEqual(magic) else {
            throw StorageError(.corruption, "not a log segment (bad magic)", path: path, offset: 0)
        }
        let stored = bytes.loadLittleEndian(at: 32, as: UInt32.self)
        guard stored == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<32])) else {
            throw StorageError(.corruption, "segment header checksum mismatch", path: path, offset: 32)
        }
        let version = bytes.loadLittleEndian(at: 4, as: UInt32.self)
        guard version == Self.version else {
            throw StorageError(.corruption, "unsupported segment format version \(version)", path: path, offset: 4)
        }
        return SegmentHeader(
            history: HistoryID(high: bytes.loadLittleEndian(at: 8, as: UInt64.self),
                               low: bytes.loadLittleEndian(at: 16, as: UInt64.self)),
            firstLSN: LSN(bytes.loadLittleEndian(at: 24, as: UInt64.self))
        )
    }

    /// Reads and verifies the header of the segment at `path`, checking it against the name
    /// the segment is listed under and the data directory's history.
    static func read(from file: SystemFile, expectedFirstLSN: LSN, history: HistoryID) throws -> SegmentHeader {
        var bytes = [UInt8](repeating: 0, count: size)
        let count = try bytes.withUnsafeMutableBytes { try file.read(into: $0.baseAddress!, count: size, at: 0) }
        let header = try bytes.withUnsafeBytes {
            try decode(UnsafeRawBufferPointer(rebasing: $0[0..<count]), path: file.path)
        }
        guard header.history == history else {
            throw StorageError(.historyMismatch,
                               "segment belongs to history \(header.history), the data directory to \(history)",
                               path: file.path, offset: 8)
        }
        guard header.firstLSN == expectedFirstLSN else {
            throw StorageError(.corruption,
                               "segment header says first LSN \(header.firstLSN), its name says \(expectedFirstLSN)",
                               path: file.path, offset: 24)
        }
        return header
    }
}
