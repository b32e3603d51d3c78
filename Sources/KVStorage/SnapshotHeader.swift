import KVCore

/// The fixed header of a snapshot (a file, or a clone stream — the bytes are the same).
///
/// ```
/// header  (44 bytes)
///      0    4  magic "KVSN"
///      4    4  u32 format version (1)
///      8    8  u64 history id, high half
///     16    8  u64 history id, low half
///     24    8  u64 LSN: the snapshot holds every write up to and including it
///     32    8  u64 entry count
///     40    4  u32 crc32c of bytes 0..<40
/// entries (entry count times)
///           4  u32 key length | key
///           4  u32 value length | value
///           8  i64 expiresAt, milliseconds since the epoch (0 = never)
/// trailer (16 bytes)
///      0    4  magic "KVSE"
///      4    8  u64 entry count (again: a cut stream cannot end on a plausible trailer)
///     12    4  u32 crc32c of every entry byte (from the end of the header to the trailer)
/// ```
/// Little-endian throughout; nothing may follow the trailer.
public struct SnapshotHeader: Sendable, Hashable {
    /// The history the snapshot belongs to.
    public var history: HistoryID
    /// Every write up to and including this LSN is in the snapshot; none after it.
    public var lsn: LSN
    /// The number of entries that follow.
    public var entryCount: UInt64

    public init(history: HistoryID, lsn: LSN, entryCount: UInt64) {
        self.history = history
        self.lsn = lsn
        self.entryCount = entryCount
    }

    static let magic: [UInt8] = Array("KVSN".utf8)
    static let trailerMagic: [UInt8] = Array("KVSE".utf8)
    static let version: UInt32 = 1
    static let size = 44
    static let trailerSize = 16

    func encode(into bytes: inout [UInt8]) {
        let start = bytes.count
        bytes.append(contentsOf: Self.magic)
        bytes.appendLittleEndian(Self.version)
        bytes.appendLittleEndian(history.high)
        bytes.appendLittleEndian(history.low)
        bytes.appendLittleEndian(lsn.rawValue)
        bytes.appendLittleEndian(entryCount)
        let crc = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        bytes.appendLittleEndian(crc)
    }

    /// Parses and verifies a header from its 44 bytes. Errors carry offsets within the header.
    static func decode(_ bytes: UnsafeRawBufferPointer) throws -> SnapshotHeader {
        guard bytes.count >= size else {
            throw StorageError(.corruption, "snapshot is shorter than its \(size)-byte header", offset: 0)
        }
        guard bytes.prefix(4).elementsEqual(magic) else {
            throw StorageError(.corruption, "not a snapshot (bad magic)", offset: 0)
        }
        let stored = bytes.loadLittleEndian(at: 40, as: UInt32.self)
        guard stored == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<40])) else {
            throw StorageError(.corruption, "snapshot header checksum mismatch", offset: 40)
        }
        let version = bytes.loadLittleEndian(at: 4, as: UInt32.self)
        guard version == Self.version else {
            throw StorageError(.corruption, "unsupported snapshot format version \(version)", offset: 4)
        }
        return SnapshotHeader(
            history: HistoryID(high: bytes.loadLittleEndian(at: 8, as: UInt64.self),
                               low: bytes.loadLittleEndian(at: 16, as: UInt64.self)),
            lsn: LSN(bytes.loadLittleEndian(at: 24, as: UInt64.self)),
            entryCount: bytes.loadLittleEndian(at: 32, as: UInt64.self)
        )
    }
}
