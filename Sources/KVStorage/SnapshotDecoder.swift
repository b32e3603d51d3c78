import KVCore

/// Parses snapshot bytes fed in pieces of any size — a file read in chunks, or a clone arriving
/// over TCP — verifying the header, each entry's bounds, and the trailer's count and checksum.
///
/// Entries are handed out as they are decoded, before the trailer is checked: the caller builds
/// into a scratch dataset and keeps it only if `finish()` succeeds (a snapshot that does not
/// verify is never partially used). Errors are `StorageError`s whose offset is the position in
/// the stream; a file reader adds the path.
public struct SnapshotDecoder {
    /// The largest key or value accepted: a garbage length is rejected, never allocated.
    public static let maximumFieldBytes = RecordCodec.maximumBodySize

    /// The header, once decoded.
    public private(set) var header: SnapshotHeader?
    /// Entries decoded so far.
    public private(set) var entriesDecoded: UInt64 = 0
    /// True once the trailer has verified (and no feed threw).
    public var isComplete: Bool { phase == .done && !failed }

    private enum Phase { case header, entries, trailer, done }
    private var phase = Phase.header
    /// Stream offset of the first byte not yet consumed.
    private var consumed = 0
    /// Bytes of an entry (or header, trailer) split across feeds.
    private var carry: [UInt8] = []
    private var crc: UInt32 = 0
    /// Set once a feed threw: the stream is refused for good.
    private var failed = false

    public init() {}

    /// Decodes what it can of `bytes` (after any bytes kept from earlier feeds), calling
    /// `onEntry` for every complete entry.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, onEntry: (Entry) throws -> Void) throws {
        try feed(bytes) { entry, _ in try onEntry(entry) }
    }

    /// Consumes `bytes` as `feed(_:onEntry:)` does, calling `onEntry` with each entry and its
    /// database.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, onEntry: (Entry, _ database: Int) throws -> Void) throws {
        guard !failed else { throw StorageError(.corruption, "snapshot already refused", offset: consumed) }
        do {
            try feedAfterCheck(bytes, onEntry: onEntry)
        } catch {
            failed = true
            throw error
        }
    }

    private mutating func feedAfterCheck(_ bytes: UnsafeRawBufferPointer, onEntry: (Entry, Int) throws -> Void) throws {
        if carry.isEmpty {
            let used = try parse(bytes, onEntry: onEntry)
            carry.append(contentsOf: bytes[used...])
        } else {
            // Move the carry out of `self` so that parsing (which mutates self) can borrow it
            // without a copy — a big value arriving in many chunks must not be copied each time.
            var pending: [UInt8] = []
            swap(&pending, &carry)
            pending.append(contentsOf: bytes)
            let used = try pending.withUnsafeBytes { try parse($0, onEntry: onEntry) }
            pending.removeFirst(used)
            carry = pending
        }
    }

    /// Declares the end of the stream; throws unless the snapshot was complete and verified.
    @discardableResult
    public func finish() throws -> SnapshotHeader {
        guard isComplete, let header, carry.isEmpty else {
            throw StorageError(.corruption, "snapshot ends early (\(entriesDecoded) entries read, trailer missing)",
                               offset: consumed + carry.count)
        }
        return header
    }

    /// Consumes whole items from the front of `bytes`; returns how many bytes it used.
    private mutating func parse(_ bytes: UnsafeRawBufferPointer, onEntry: (Entry, Int) throws -> Void) throws -> Int {
        var reader = ByteReader(bytes)
        while true {
            let itemStart = reader.position
            switch phase {
            case .header:
                guard reader.remaining >= SnapshotHeader.prefixSize else { return itemStart }
                let size: Int
                do {
                    size = try SnapshotHeader.size(peeking: UnsafeRawBufferPointer(rebasing: bytes[itemStart...]))
                    guard reader.remaining >= size else { return itemStart }
                    header = try SnapshotHeader.decode(reader.readBytes(size)!)
                } catch var error as StorageError {
                    error.offset = (error.offset ?? 0) + consumed
                    throw error
                }
                consumed += size
                phase = header!.entryCount == 0 ? .trailer : .entries
            case .entries:
                guard let keyCount = reader.read(UInt32.self) else { return itemStart }
                try checkField(Int(keyCount), at: 0, "key")
                guard reader.readBytes(Int(keyCount)) != nil else { return itemStart }
                let layout = header!.formatVersion == 1 ? EntryLayout.version1 : .kinded
                var kind = ValueKind.string
                var database = 0
                if layout == .kinded {
                    guard reader.read(Int64.self) != nil, let raw = reader.read(UInt8.self) else { return itemStart }
                    guard let known = ValueKind(rawValue: raw & ~SnapshotHeader.databaseFlag) else {
                        throw StorageError(.corruption, "unknown value kind \(raw)",
                                           offset: consumed + reader.position - 1 - itemStart)
                    }
                    kind = known
                    if raw & SnapshotHeader.databaseFlag != 0 {
                        guard let index = reader.read(UInt32.self) else { return itemStart }
                        guard index > 0 && index < RecordCodec.maximumDatabases else {
                            throw StorageError(.corruption, "impossible database \(index)",
                                               offset: consumed + reader.position - 4 - itemStart)
                        }
                        database = Int(index)
                    }
                }
                guard let valueCount = reader.read(UInt32.self) else { return itemStart }
                try checkField(Int(valueCount), at: reader.position - 4 - itemStart, "value")
                guard reader.readBytes(Int(valueCount)) != nil else { return itemStart }
                if layout == .version1, reader.read(Int64.self) == nil { return itemStart }
                let item = UnsafeRawBufferPointer(rebasing: bytes[itemStart..<reader.position])
                crc = CRC32C.update(crc, item)
                let entry: Entry
                do {
                    entry = try Self.entry(from: item, layout: layout, kind: kind, inDatabase: database > 0,
                                           keyCount: Int(keyCount), valueCount: Int(valueCount))
                } catch {
                    throw StorageError(.corruption, "\(kind.name) value: \(error.reason)", offset: consumed)
                }
                try onEntry(entry, database)
                consumed += item.count
                entriesDecoded += 1
                if entriesDecoded == header!.entryCount { phase = .trailer }
            case .trailer:
                guard let trailer = reader.readBytes(SnapshotHeader.trailerSize) else { return itemStart }
                try verifyTrailer(trailer)
                consumed += SnapshotHeader.trailerSize
                phase = .done
            case .done:
                guard reader.remaining == 0 else {
                    // No count: it would be of the bytes in this feed, not of all that follow.
                    throw StorageError(.corruption, "unexpected bytes after the snapshot trailer", offset: consumed)
                }
                return itemStart
            }
        }
    }

    /// `offset` is from the start of the entry: `consumed` already counts the items parsed
    /// before it in the same feed, so an offset into the fed bytes would count them twice.
    private func checkField(_ count: Int, at offset: Int, _ name: String) throws {
        guard count <= Self.maximumFieldBytes else {
            throw StorageError(.corruption, "impossible \(name) length \(count)", offset: consumed + offset)
        }
    }

    private func verifyTrailer(_ trailer: UnsafeRawBufferPointer) throws {
        guard trailer.prefix(4).elementsEqual(SnapshotHeader.trailerMagic) else {
            throw StorageError(.corruption, "bad snapshot trailer magic", offset: consumed)
        }
        let count = trailer.loadLittleEndian(at: 4, as: UInt64.self)
        guard count == entriesDecoded else {
            throw StorageError(.corruption, "trailer counts \(count) entries, the snapshot holds \(entriesDecoded)",
                               offset: consumed + 4)
        }
        let stored = trailer.loadLittleEndian(at: 12, as: UInt32.self)
        guard stored == crc else {
            throw StorageError(.corruption, "snapshot checksum mismatch (stored 0x\(String(stored, radix: 16)), "
                               + "computed 0x\(String(crc, radix: 16)))", offset: consumed + 12)
        }
    }

    /// Where an entry's fields are: format 2 puts the expiry and the value's kind (with the
    /// database after it, outside database 0) before the value; format 1 had a string value,
    /// then the expiry.
    enum EntryLayout { case version1, kinded }

    private static func entry(
        from item: UnsafeRawBufferPointer, layout: EntryLayout, kind: ValueKind, inDatabase: Bool, keyCount: Int, valueCount: Int
    ) throws(ValuePayload.Malformed) -> Entry {
        let key = UnsafeRawBufferPointer(rebasing: item[4..<4 + keyCount])
        let valueStart: Int
        let expiresAt: Int64
        switch layout {
        case .version1:
            valueStart = 8 + keyCount
            expiresAt = item.loadLittleEndian(at: valueStart + valueCount, as: Int64.self)
        case .kinded:
            expiresAt = item.loadLittleEndian(at: 4 + keyCount, as: Int64.self)
            valueStart = 4 + keyCount + 8 + 1 + (inDatabase ? 4 : 0) + 4
        }
        let value = UnsafeRawBufferPointer(rebasing: item[valueStart..<valueStart + valueCount])
        let expiry = expiresAt == 0 ? nil : UnixMillis(expiresAt)
        guard kind != .string else { return Entry.make(key: key, value: value, expiresAt: expiry) }
        return Entry.make(key: key, object: try ValuePayload.decode(kind, value), expiresAt: expiry)
    }
}
