import KVCore

/// What the bytes at the front of a buffer hold: a whole, verified record (and the bytes its
/// frame took), the beginning of a frame that needs `byteCount` bytes in all (not an error —
/// more may be on their way), or bytes that can never become a valid record.
public typealias RecordDecoding = RecordCodec.Parsed<LogRecord>

/// Why bytes are not a record, and where in the decoded buffer the problem lies.
public struct RecordCorruption: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public enum Reason: Sendable, Equatable {
        /// The length field is below the smallest or above the largest body.
        case badLength(UInt32)
        /// The body does not match the checksum in the frame header.
        case checksumMismatch(stored: UInt32, computed: UInt32)
        /// An operation kind this format does not define.
        case unknownOperation(UInt8)
        /// The operations claim more bytes than the body holds.
        case truncatedBody
        /// The operations end before the body does.
        case trailingBytes(Int)
        /// An operation whose fields are well framed but mean nothing valid.
        case malformedOperation(String)
    }

    /// Offset, in the buffer given to the decoder, of the byte found wrong.
    public var offset: Int
    /// Offset, in the buffer given to the decoder, of the frame that holds it.
    public var frameOffset: Int
    public var reason: Reason

    public var description: String {
        switch reason {
        case let .badLength(length): "impossible record length \(length)"
        case let .checksumMismatch(stored, computed):
            "record checksum mismatch (stored \(hex(stored)), computed \(hex(computed)))"
        case let .unknownOperation(kind): "unknown operation kind \(kind)"
        case .truncatedBody: "record operations run past the end of the record"
        case let .trailingBytes(count): "\(count) unexpected bytes after the record's operations"
        case let .malformedOperation(reason): "malformed operation: \(reason)"
        }
    }

    private func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16) }
}

extension RecordCodec {
    /// Decodes the record at the front of `bytes`, verifying its length and checksum before
    /// reading anything else. Offsets in the result are relative to `bytes`.
    public static func decode(_ bytes: UnsafeRawBufferPointer) -> RecordDecoding {
        let frameSize: Int
        switch frameBounds(bytes) {
        case let .found(_, byteCount): frameSize = byteCount
        case let .incomplete(byteCount): return .incomplete(byteCount: byteCount)
        case let .corrupt(corruption): return .corrupt(corruption)
        }
        let stored = bytes.loadLittleEndian(at: 4, as: UInt32.self)
        let body = UnsafeRawBufferPointer(rebasing: bytes[frameHeaderSize..<frameSize])
        let computed = CRC32C.checksum(body)
        guard stored == computed else {
            return .corrupt(RecordCorruption(offset: 4, frameOffset: 0,
                                             reason: .checksumMismatch(stored: stored, computed: computed)))
        }
        switch decodeBody(body) {
        case let .success(record):
            return .found(record, byteCount: frameSize)
        case let .failure(corruption):
            var shifted = corruption
            shifted.offset += frameHeaderSize
            return .corrupt(shifted)
        }
    }

    /// Decodes the record at `offset` in `bytes`; offsets in the result are relative to `bytes`.
    public static func decode(_ bytes: [UInt8], at offset: Int = 0) -> RecordDecoding {
        bytes.withUnsafeBytes { raw in
            let result = decode(UnsafeRawBufferPointer(rebasing: raw[offset...]))
            guard case var .corrupt(corruption) = result else { return result }
            corruption.offset += offset
            corruption.frameOffset += offset
            return .corrupt(corruption)
        }
    }

    /// Parses a body whose checksum has been verified. Offsets are relative to the body.
    static func decodeBody(_ body: UnsafeRawBufferPointer) -> Result<LogRecord, RecordCorruption> {
        var reader = ByteReader(body)
        func corrupt(_ reason: RecordCorruption.Reason) -> Result<LogRecord, RecordCorruption> {
            .failure(RecordCorruption(offset: reader.position, frameOffset: 0, reason: reason))
        }
        guard let lsn = reader.read(UInt64.self), let timestamp = reader.read(Int64.self),
              let count = reader.read(UInt32.self)
        else { return corrupt(.truncatedBody) }
        // Each operation takes at least one byte: a count above the body size is garbage.
        guard Int(count) <= reader.remaining else { return corrupt(.truncatedBody) }
        var operations: [WriteOperation] = []
        operations.reserveCapacity(Int(count))
        for _ in 0..<count {
            let kindOffset = reader.position
            guard let raw = reader.read(UInt8.self) else { return corrupt(.truncatedBody) }
            guard let kind = OperationKind(rawValue: raw) else {
                return .failure(RecordCorruption(offset: kindOffset, frameOffset: 0, reason: .unknownOperation(raw)))
            }
            switch kind {
            case .put:
                guard let keyCount = reader.read(UInt32.self), let key = reader.readBytes(Int(keyCount)),
                      let valueCount = reader.read(UInt32.self), let value = reader.readBytes(Int(valueCount)),
                      let expiresAt = reader.read(Int64.self)
                else { return corrupt(.truncatedBody) }
                guard valueCount < 1 << 31 else { return corrupt(.malformedOperation("a string value of 2 GiB or more")) }
                let expiry = expiresAt == 0 ? nil : UnixMillis(expiresAt)
                operations.append(.put(Entry.make(key: key, value: value, expiresAt: expiry)))
            case .putObject:
                guard let keyCount = reader.read(UInt32.self), let key = reader.readBytes(Int(keyCount)),
                      let rawKind = reader.read(UInt8.self), let payloadCount = reader.read(UInt32.self),
                      let payload = reader.readBytes(Int(payloadCount)), let expiresAt = reader.read(Int64.self)
                else { return corrupt(.truncatedBody) }
                guard let kind = ValueKind(rawValue: rawKind), kind != .string else {
                    return corrupt(.malformedOperation("unknown collection kind \(rawKind)"))
                }
                let object: ValueObject
                do { object = try ValuePayload.decode(kind, payload) } catch {
                    return corrupt(.malformedOperation("\(kind.name) payload: \(error.reason)"))
                }
                let expiry = expiresAt == 0 ? nil : UnixMillis(expiresAt)
                operations.append(.put(Entry.make(key: key, object: object, expiresAt: expiry)))
            case .edit:
                guard let keyCount = reader.read(UInt32.self), let key = reader.readBytes(Int(keyCount)),
                      let rawAction = reader.read(UInt8.self), let itemCount = reader.read(UInt32.self)
                else { return corrupt(.truncatedBody) }
                guard let action = CollectionEdit.Action(rawValue: rawAction) else {
                    return corrupt(.malformedOperation("unknown edit action \(rawAction)"))
                }
                // Each item takes at least its 4-byte length: a larger count is garbage.
                guard Int(itemCount) <= reader.remaining / 4 else { return corrupt(.truncatedBody) }
                var items: [[UInt8]] = []
                items.reserveCapacity(Int(itemCount))
                for _ in 0..<itemCount {
                    guard let length = reader.read(UInt32.self), let item = reader.readBytes(Int(length))
                    else { return corrupt(.truncatedBody) }
                    items.append(Array(item))
                }
                guard action.accepts(items) else {
                    return corrupt(.malformedOperation("edit \(action) with malformed items"))
                }
                operations.append(.edit(key: Array(key), CollectionEdit(action, items)))
            case .delete:
                guard let keyCount = reader.read(UInt32.self), let key = reader.readBytes(Int(keyCount))
                else { return corrupt(.truncatedBody) }
                operations.append(.delete(key: Array(key)))
            case .expire:
                guard let keyCount = reader.read(UInt32.self), let key = reader.readBytes(Int(keyCount)),
                      let at = reader.read(Int64.self)
                else { return corrupt(.truncatedBody) }
                operations.append(.expire(key: Array(key), at: at == 0 ? nil : UnixMillis(at)))
            case .flushAll:
                operations.append(.flushAll)
            case .select:
                guard let index = reader.read(UInt32.self) else { return corrupt(.truncatedBody) }
                guard index < Self.maximumDatabases else { return corrupt(.malformedOperation("database \(index)")) }
                operations.append(.select(Int(index)))
            case .flushDatabase:
                operations.append(.flushDatabase)
            case .swapDatabases:
                guard let first = reader.read(UInt32.self), let second = reader.read(UInt32.self) else { return corrupt(.truncatedBody) }
                guard first < Self.maximumDatabases && second < Self.maximumDatabases else {
                    return corrupt(.malformedOperation("databases \(first) and \(second)"))
                }
                operations.append(.swapDatabases(Int(first), Int(second)))
            case .beginEpoch:
                guard let epoch = reader.read(UInt64.self) else { return corrupt(.truncatedBody) }
                operations.append(.beginEpoch(Epoch(epoch)))
            }
        }
        guard reader.remaining == 0 else { return corrupt(.trailingBytes(reader.remaining)) }
        return .success(LogRecord(lsn: LSN(lsn), timestamp: UnixMillis(timestamp), operations: operations))
    }

    /// True when a verified record starts at the front of `bytes` — the test used to tell a torn
    /// tail (nothing valid follows) from corruption in the middle of a segment.
    static func isValidRecord(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if case .found = decode(bytes) { return true }
        return false
    }
}

extension RecordCodec {
    /// What the front of a buffer holds: a whole frame (and what was read from it), the
    /// beginning of one, or bytes that can never be one.
    public enum Parsed<Value> {
        case found(Value, byteCount: Int)
        case incomplete(byteCount: Int)
        case corrupt(RecordCorruption)
    }

    /// The size and LSN of the frame at the front of `bytes`, from its header alone: the
    /// checksum and operations are not checked. For forwarding frames unchanged (a primary
    /// streaming its log); whoever applies them decodes them with `decode`, which verifies.
    public static func frameBounds(_ bytes: UnsafeRawBufferPointer) -> Parsed<LSN> {
        guard bytes.count >= frameHeaderSize else { return .incomplete(byteCount: frameHeaderSize) }
        let length = bytes.loadLittleEndian(at: 0, as: UInt32.self)
        guard length >= minimumBodySize, length <= maximumBodySize else {
            return .corrupt(RecordCorruption(offset: 0, frameOffset: 0, reason: .badLength(length)))
        }
        let frameSize = frameHeaderSize + Int(length)
        guard bytes.count >= frameSize else { return .incomplete(byteCount: frameSize) }
        return .found(LSN(bytes.loadLittleEndian(at: frameHeaderSize, as: UInt64.self)), byteCount: frameSize)
    }
}
