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
///   5 beginEpoch: u64 epoch
///   6 putObject : u32 keyLength | key | u8 valueKind | u32 payloadLength | payload | i64 expiresAt
///   7 edit    : u32 keyLength | key | u8 action | u32 itemCount | (u32 length | item)…
///   8 select  : u32 database   (the record's next operations apply to it; a record starts at 0)
///   9 flushDatabase: (no fields)
///  10 swapDatabases: u32 first | u32 second
/// ```
/// A put of a collection is a putObject, its value in `ValuePayload` form; an edit is a
/// `CollectionEdit`.
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
    /// The most databases a record may name: more is garbage (it would make a replica
    /// allocate that many keyspaces).
    public static let maximumDatabases: UInt32 = 1 << 16

    /// Operation kinds on disk. Never renumber: logs outlive the code that wrote them.
    enum OperationKind: UInt8 {
        case put = 1
        case delete = 2
        case expire = 3
        case flushAll = 4
        case beginEpoch = 5
        case putObject = 6
        case edit = 7
        case select = 8
        case flushDatabase = 9
        case swapDatabases = 10
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
        let frameSize = frameHeaderSize + bodySize
        if buffer.capacity < start + frameSize {
            // Grow geometrically: reserveCapacity alone allocates exactly what is asked, which
            // would copy the whole staging buffer on every append.
            buffer.reserveCapacity(Swift.max(start + frameSize, buffer.capacity * 2))
        }
        // Size the frame once, then fill it through a pointer, with no per-field capacity
        // checks: this runs under the store's lock for every write. Measured (release, 100-byte
        // values): ~215 ns per record, ~70 of them the checksum.
        buffer.append(contentsOf: repeatElement(0, count: frameSize))
        buffer.withUnsafeMutableBytes { raw in
            var writer = RawWriter(base: raw.baseAddress! + start)
            writer.write(UInt32(bodySize))
            writer.write(UInt32(0))  // checksum, filled in below
            writer.write(lsn.rawValue)
            writer.write(timestamp.rawValue)
            writer.write(UInt32(operations.count))
            for operation in operations {
                encode(operation, with: &writer)
            }
            let body = UnsafeRawBufferPointer(start: raw.baseAddress! + start + frameHeaderSize, count: bodySize)
            (raw.baseAddress! + start + 4).storeBytes(of: CRC32C.checksum(body).littleEndian, as: UInt32.self)
        }
        return frameSize
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

    static func encode(_ operation: WriteOperation, with writer: inout RawWriter) {
        switch operation {
        case let .put(entry) where entry.isObject:
            writer.write(OperationKind.putObject.rawValue)
            writer.write(UInt32(entry.keyCount))
            entry.withKey { writer.write(bytes: $0) }
            writer.write(entry.kind.rawValue)
            let payload = ValuePayload.encode(entry.object!)
            writer.write(UInt32(payload.count))
            payload.withUnsafeBytes { writer.write(bytes: $0) }
            writer.write(entry.expiresAt?.rawValue ?? 0)
        case let .edit(key, edit):
            writer.write(OperationKind.edit.rawValue)
            writer.write(UInt32(key.count))
            key.withUnsafeBytes { writer.write(bytes: $0) }
            writer.write(edit.action.rawValue)
            writer.write(UInt32(edit.items.count))
            for item in edit.items {
                writer.write(UInt32(item.count))
                item.withUnsafeBytes { writer.write(bytes: $0) }
            }
        case let .put(entry):
            writer.write(OperationKind.put.rawValue)
            writer.write(UInt32(entry.keyCount))
            entry.withKey { writer.write(bytes: $0) }
            writer.write(UInt32(entry.valueCount))
            entry.withValue { writer.write(bytes: $0) }
            writer.write(entry.expiresAt?.rawValue ?? 0)
        case let .delete(key):
            writer.write(OperationKind.delete.rawValue)
            writer.write(UInt32(key.count))
            key.withUnsafeBytes { writer.write(bytes: $0) }
        case let .expire(key, at):
            writer.write(OperationKind.expire.rawValue)
            writer.write(UInt32(key.count))
            key.withUnsafeBytes { writer.write(bytes: $0) }
            writer.write(at?.rawValue ?? 0)
        case .flushAll:
            writer.write(OperationKind.flushAll.rawValue)
        case let .select(index):
            writer.write(OperationKind.select.rawValue)
            writer.write(UInt32(index))
        case .flushDatabase:
            writer.write(OperationKind.flushDatabase.rawValue)
        case let .swapDatabases(first, second):
            writer.write(OperationKind.swapDatabases.rawValue)
            writer.write(UInt32(first))
            writer.write(UInt32(second))
        case let .beginEpoch(epoch):
            writer.write(OperationKind.beginEpoch.rawValue)
            writer.write(epoch.rawValue)
        }
    }

    /// The body size of a record holding `operations`.
    static func bodySize(of operations: [WriteOperation]) -> Int {
        operations.reduce(minimumBodySize) { $0 + size(of: $1) }
    }

    /// The bytes `operation` takes in a record's body.
    static func size(of operation: WriteOperation) -> Int {
        switch operation {
        case let .put(entry) where entry.isObject:
            1 + 4 + entry.keyCount + 1 + 4 + ValuePayload.encode(entry.object!).count + 8
        case let .edit(key, edit):
            1 + 4 + key.count + 1 + 4 + edit.items.reduce(0) { $0 + 4 + $1.count }
        case let .put(entry): 1 + 4 + entry.keyCount + 4 + entry.valueCount + 8
        case let .delete(key): 1 + 4 + key.count
        case let .expire(key, _): 1 + 4 + key.count + 8
        case .flushAll, .flushDatabase: 1
        case .select: 1 + 4
        case .swapDatabases: 1 + 8
        case .beginEpoch: 1 + 8
        }
    }

    /// `operations` cut into records of at most `maximumBodySize` each, at operation
    /// boundaries; nil when they fit in one (the common case, checked first). A record's
    /// operations start in database 0, so a part that begins elsewhere begins with a `.select`.
    ///
    /// Only a transaction or script whose effects pass 1 GiB is cut (one operation is smaller:
    /// values and requests are bounded well under it). Its parts are written together, but a
    /// crash can keep some of them and not the others (docs/storage-format.md).
    static func parts(of operations: [WriteOperation], limit: Int = maximumBodySize) -> [[WriteOperation]]? {
        // One operation cannot be cut (and fits); more are summed first, with no allocation.
        guard operations.count > 1, bodySize(of: operations) > limit else { return nil }
        let sizes = operations.map(size(of:))
        var parts: [[WriteOperation]] = [[]]
        var partSize = minimumBodySize
        var database = 0
        for (operation, size) in zip(operations, sizes) {
            if partSize + size > limit && !parts[parts.count - 1].isEmpty {
                parts.append(database == 0 ? [] : [.select(database)])
                partSize = minimumBodySize + (database == 0 ? 0 : 5)
            }
            precondition(partSize + size <= limit, "one log operation may hold at most 1 GiB")
            parts[parts.count - 1].append(operation)
            partSize += size
            if case let .select(index) = operation { database = index }
        }
        return parts
    }
}
