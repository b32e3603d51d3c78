import KVCore

/// The header of a snapshot (a file, or a clone stream — the bytes are the same).
///
/// ```
/// header  (48 + 16n bytes; version 1, still read, is the first 40 bytes and its crc: 44)
///      0    4  magic "KVSN"
///      4    4  u32 format version (2)
///      8    8  u64 history id, high half
///     16    8  u64 history id, low half
///     24    8  u64 LSN: the snapshot holds every write up to and including it
///     32    8  u64 entry count
///     40    4  u32 n: the number of epochs in the lineage (1 ... 65536)
///     44  16n  the lineage up to the LSN: n × (u64 epoch, u64 first LSN), oldest first
///  44+16n   4  u32 crc32c of every header byte before it
/// entries (entry count times)
///           4  u32 key length | key
///           8  i64 expiresAt, milliseconds since the epoch (0 = never)
///           1  u8 value kind: 0 = string (no other kind yet; a reader refuses one it does
///              not know, so new kinds need no new format version)
///           4  u32 value length | value                          (kind 0)
///    (version 1: u32 key length | key | u32 value length | value | i64 expiresAt)
/// trailer (16 bytes)
///      0    4  magic "KVSE"
///      4    8  u64 entry count (again: a cut stream cannot end on a plausible trailer)
///     12    4  u32 crc32c of every entry byte (from the end of the header to the trailer)
/// ```
/// Little-endian throughout; nothing may follow the trailer. A version 1 header (before
/// lineage) reads as epoch 0 throughout.
public struct SnapshotHeader: Sendable, Hashable {
    /// The history the snapshot belongs to.
    public var history: HistoryID
    /// Every write up to and including this LSN is in the snapshot; none after it.
    public var lsn: LSN
    /// The number of entries that follow.
    public var entryCount: UInt64
    /// The epochs of the history up to `lsn`.
    public var lineage: Lineage
    /// The format the snapshot was written in: 2, or 1 when read from an older file (its
    /// entries are laid out differently).
    public internal(set) var formatVersion = Self.version

    public init(history: HistoryID, lsn: LSN, entryCount: UInt64, lineage: Lineage = Lineage()) {
        self.history = history
        self.lsn = lsn
        self.entryCount = entryCount
        self.lineage = lineage.truncated(after: lsn)
    }

    static let magic: [UInt8] = Array("KVSN".utf8)
    static let trailerMagic: [UInt8] = Array("KVSE".utf8)
    static let version: UInt32 = 2
    static let trailerSize = 16
    /// The kind byte's bit that says a u32 database index follows it (entries outside
    /// database 0; format 2).
    static let databaseFlag: UInt8 = 0x80
    /// The most epochs a header may list: more is garbage, refused before it is read.
    static let maximumEpochs = 65536
    /// The bytes needed to know a header's size (`size(peeking:)`).
    static let prefixSize = 44

    /// This header's encoded size.
    var size: Int { 48 + 16 * lineage.starts.count }

    func encode(into bytes: inout [UInt8]) {
        let start = bytes.count
        bytes.append(contentsOf: Self.magic)
        bytes.appendLittleEndian(Self.version)
        bytes.appendLittleEndian(history.high)
        bytes.appendLittleEndian(history.low)
        bytes.appendLittleEndian(lsn.rawValue)
        bytes.appendLittleEndian(entryCount)
        bytes.appendLittleEndian(UInt32(lineage.starts.count))
        for epoch in lineage.starts {
            bytes.appendLittleEndian(epoch.epoch.rawValue)
            bytes.appendLittleEndian(epoch.firstLSN.rawValue)
        }
        let crc = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        bytes.appendLittleEndian(crc)
    }

    /// The size of the header that starts `bytes` (at least `prefixSize` of them), from its
    /// magic, version and epoch count; throws for bytes that cannot start a header.
    static func size(peeking bytes: UnsafeRawBufferPointer) throws -> Int {
        guard bytes.count >= prefixSize else {
            throw StorageError(.corruption, "snapshot is shorter than its header", offset: 0)
        }
        guard bytes.prefix(4).elementsEqual(magic) else {
            throw StorageError(.corruption, "not a snapshot (bad magic)", offset: 0)
        }
        switch bytes.loadLittleEndian(at: 4, as: UInt32.self) {
        case 1:
            return 44
        case 2:
            let epochs = Int(bytes.loadLittleEndian(at: 40, as: UInt32.self))
            guard (1...maximumEpochs).contains(epochs) else {
                throw StorageError(.corruption, "impossible epoch count \(epochs) in the snapshot header", offset: 40)
            }
            return 48 + 16 * epochs
        case let version:
            throw StorageError(.corruption, "unsupported snapshot format version \(version)", offset: 4)
        }
    }

    /// Parses and verifies a whole header (`size(peeking:)` bytes). Errors carry offsets
    /// within the header.
    static func decode(_ bytes: UnsafeRawBufferPointer) throws -> SnapshotHeader {
        let size = try size(peeking: bytes)
        guard bytes.count >= size else {
            throw StorageError(.corruption, "snapshot is shorter than its \(size)-byte header", offset: 0)
        }
        let stored = bytes.loadLittleEndian(at: size - 4, as: UInt32.self)
        guard stored == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<(size - 4)])) else {
            throw StorageError(.corruption, "snapshot header checksum mismatch", offset: size - 4)
        }
        var lineage = Lineage()
        if size > 44 {
            let starts = (0..<(size - 48) / 16).map { index in
                Lineage.Start(epoch: Epoch(bytes.loadLittleEndian(at: 44 + 16 * index, as: UInt64.self)),
                              firstLSN: LSN(bytes.loadLittleEndian(at: 52 + 16 * index, as: UInt64.self)))
            }
            guard let stored = Lineage(starts: starts) else {
                throw StorageError(.corruption, "the snapshot's lineage is not in order (epoch 0 at LSN 1, then rising)",
                                   offset: 44)
            }
            lineage = stored
        }
        let lsn = LSN(bytes.loadLittleEndian(at: 24, as: UInt64.self))
        guard lineage.truncated(after: lsn) == lineage else {
            throw StorageError(.corruption, "the snapshot's lineage has an epoch after its LSN \(lsn)", offset: 44)
        }
        var header = SnapshotHeader(
            history: HistoryID(high: bytes.loadLittleEndian(at: 8, as: UInt64.self),
                               low: bytes.loadLittleEndian(at: 16, as: UInt64.self)),
            lsn: lsn,
            entryCount: bytes.loadLittleEndian(at: 32, as: UInt64.self),
            lineage: lineage
        )
        header.formatVersion = bytes.loadLittleEndian(at: 4, as: UInt32.self)
        return header
    }
}
