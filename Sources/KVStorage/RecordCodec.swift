import KVCore

/// The byte format of one log record — the unit the write log stores, and the replication
/// stream sends.
///
/// ```
/// frame = u32 bodyLength | u32 crc32c(body) | body
/// body  = u64 lsn | i64 timestamp | u32 opCount | op…
/// op    = u8 kind | fields
///   1 put     : u32 keyLength | key | u32 valueLength | value | i64 expiresAt (0 = never)
///   2 delete  : u32 keyLength | key
///   3 expire  : u32 keyLength | key | i64 at (0 = never)
///   4 flushAll: (no fields)
/// ```
/// Every integer is little-endian. Pure functions over bytes: the same codec reads the log at
/// recovery and will frame the replication stream, so it knows nothing of files or sockets.
public enum RecordCodec {
    /// Bytes before the body: length and checksum.
    public static let frameHeaderSize = 8
    /// The smallest body: lsn, timestamp, opCount.
    public static let minimumBodySize = 20
    /// The largest body accepted. A length above it is garbage, rejected before anything is
    /// allocated (a torn or random length field must never make us allocate gigabytes).
    public static let maximumBodySize = 1 << 30

    /// Operation kinds on disk. Never renumber: logs outlive the code that wrote them.
    enum OperationKind: UInt8 {
        case put = 1
        case delete = 2
        case expire = 3
        case flushAll = 4
    }

    /// Appends the framed record to `buffer`, copying keys and values straight out of the
    /// entries; returns the number of bytes appended.
    @discardableResult
    public static func encode(
        lsn: LSN, timestamp: UnixMillis, operations: [WriteOperation], into buffer: inout [UInt8]
    ) -> Int {
        let bodySize = self.bodySize(of: operations)
        precondition(bodySize <= maximumBodySize, "a log record may hold at most 1 GiB")
        let start = buffer.count
        buffer.reserveCapacity(start + frameHeaderSize + bodySize)
        buffer.appendLittleEndian(UInt32(bodySize))
        buffer.appendLittleEndian(UInt32(0))  // checksum, patched below
        buffer.appendLittleEndian(lsn.rawValue)
        buffer.appendLittleEndian(timestamp.rawValue)
        buffer.appendLittleEndian(UInt32(operations.count))
        for operation in operations {
            encode(operation, into: &buffer)
        }
        let bodyStart = start + frameHeaderSize
        let crc = buffer.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[bodyStart...])) }
        buffer.storeLittleEndian(crc, at: start + 4)
        return buffer.count - start
    }

    /// Appends the framed `record` to `buffer`; returns the number of bytes appended.
    @discardableResult
    public static func encode(_ record: LogRecord, into buffer: inout [UInt8]) -> Int {
        encode(lsn: record.lsn, timestamp: record.timestamp, operations: record.operations, into: &buffer)
    }

    /// The framed record as a new array (tests, one-off uses).
    public static func encode(_ record: LogRecord) -> [UInt8] {
        var buffer: [UInt8] = []
        encode(record, into: &buffer)
        return buffer
    }

    static func encode(_ operation: WriteOperation, into buffer: inout [UInt8]) {
        switch operation {
        case let .put(entry):
            buffer.append(OperationKind.put.rawValue)
            buffer.appendLittleEndian(UInt32(entry.keyCount))
            entry.withKey { buffer.append(contentsOf: $0) }
            buffer.appendLittleEndian(UInt32(entry.valueCount))
            entry.withValue { buffer.append(contentsOf: $0) }
            buffer.appendLittleEndian(entry.expiresAt?.rawValue ?? 0)
        case let .delete(key):
            buffer.append(OperationKind.delete.rawValue)
            buffer.appendLittleEndian(UInt32(key.count))
            buffer.append(contentsOf: key)
        case let .expire(key, at):
            buffer.append(OperationKind.expire.rawValue)
            buffer.appendLittleEndian(UInt32(key.count))
            buffer.append(contentsOf: key)
            buffer.appendLittleEndian(at?.rawValue ?? 0)
        case .flushAll:
            buffer.append(OperationKind.flushAll.rawValue)
        }
    }

    /// The body size of a record holding `operations`.
    static func bodySize(of operations: [WriteOperation]) -> Int {
        var size = minimumBodySize
        for operation in operations {
            switch operation {
            case let .put(entry): size += 1 + 4 + entry.keyCount + 4 + entry.valueCount + 8
            case let .delete(key): size += 1 + 4 + key.count
            case let .expire(key, _): size += 1 + 4 + key.count + 8
            case .flushAll: size += 1
            }
        }
        return size
    }
}
