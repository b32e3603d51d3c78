/// A hash: fields and their values.
///
/// Small hashes (at most `maximumPackedCount` fields, none and no value longer than
/// `maximumPackedLength` bytes — Redis's `hash-max-listpack-entries` 128 and
/// `hash-max-listpack-value` 64) are one `PackedList` of field, value, field, value… in
/// insertion order, as Redis's listpack. Past either limit the hash becomes a `SlotTable` of
/// entries (field as key, value as value): the keyspace's own table, with its tags, its
/// copy-on-write pages and its SCAN cursors. It never goes back, as in Redis.
public final class HashObject: ValueObject {
    public static let maximumPackedCount = 128
    public static let maximumPackedLength = 64

    enum Storage {
        case packed(PackedList)
        // Indirect: the table (160 bytes) lives in a box of its own, so that a packed hash —
        // most hashes — does not carry room for it (measured: 20k hashes of 10 fields, 43 →
        // 30 bytes per field). A set does not gain: small sets of strings are tables already.
        indirect case table(SlotTable)
    }

    var storage: Storage = .packed(PackedList())
    /// Entries' footprints, for a table (a packed list's is its own).
    private var entryBytes = 0

    required init() {}

    override public var kind: ValueKind { .hash }

    override public var count: Int {
        switch storage {
        case let .packed(list): list.count / 2
        case let .table(table): table.count
        }
    }

    override public var footprint: Int {
        switch storage {
        case let .packed(list): 48 + list.footprint
        case let .table(table): 48 + entryBytes + table.slotBytes
        }
    }

    override public var encodingName: String {
        if case .packed = storage { return "listpack" }
        return "hashtable"
    }

    override public func clone() -> ValueObject {
        let copy = HashObject()
        copy.storage = storage  // the packed bytes or the table's pages, copied on write
        copy.entryBytes = entryBytes
        return copy
    }

    /// Calls `body` with the value of `field`; nil when the field is missing.
    public func withValue<R>(_ field: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> R) -> R? {
        switch storage {
        case let .packed(list):
            guard let offset = list.offset(of: field, stride: 2) else { return nil }
            return list.withElement(at: list.next(after: offset), body)
        case let .table(table):
            return table.find(field, hash: table.hash(field)).map { $0.entry.withValue(body) }
        }
    }

    /// A copy of the value of `field`.
    public func value(_ field: UnsafeRawBufferPointer) -> [UInt8]? { withValue(field) { Array($0) } }

    /// Sets `field` to `value`; true when the field is new.
    @discardableResult
    public func set(_ field: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool {
        if case var .packed(list) = storage {
            if field.count <= Self.maximumPackedLength && value.count <= Self.maximumPackedLength {
                storage = .packed(PackedList())  // drop the enum's reference: the list stays unique
                defer { storage = .packed(list) }
                if let offset = list.offset(of: field, stride: 2) {
                    list.replace(at: list.next(after: offset), with: value)
                    return false
                }
                if list.count / 2 < Self.maximumPackedCount {
                    list.append(field)
                    list.append(value)
                    return true
                }
            }
            convertToTable()
        }
        guard case var .table(table) = storage else { preconditionFailure() }
        storage = .packed(PackedList())
        defer { storage = .table(table) }
        let entry = Entry.make(key: field, value: value, expiresAt: nil)
        let replaced = table.insert(entry, hash: table.hash(field))
        entryBytes += entry.footprint - (replaced?.footprint ?? 0)
        return replaced == nil
    }

    /// Removes `field`; true when it was there.
    @discardableResult
    public func remove(_ field: UnsafeRawBufferPointer) -> Bool {
        switch storage {
        case var .packed(list):
            guard let offset = list.offset(of: field, stride: 2) else { return false }
            storage = .packed(PackedList())
            list.remove(at: offset, elements: 2)
            storage = .packed(list)
            return true
        case var .table(table):
            guard let position = table.position(of: field, hash: table.hash(field)) else { return false }
            storage = .packed(PackedList())
            entryBytes -= table.remove(at: position).footprint
            storage = .table(table)
            return true
        }
    }

    /// Calls `body` with each field and value, in Redis's order for the encoding (insertion
    /// order when packed).
    public func forEach(_ body: (_ field: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Void) {
        switch storage {
        case let .packed(list):
            var field: UnsafeRawBufferPointer?
            list.forEach { _, element in
                if let name = field {
                    body(name, element)
                    field = nil
                } else {
                    field = element
                }
                return true
            }
        case let .table(table):
            for entry in table.entries { entry.withKey { key in entry.withValue { body(key, $0) } } }
        }
    }

    /// Every field and value, copied.
    public var pairs: [(field: [UInt8], value: [UInt8])] {
        var pairs: [(field: [UInt8], value: [UInt8])] = []
        pairs.reserveCapacity(count)
        forEach { pairs.append((Array($0), Array($1))) }
        return pairs
    }

    /// The pair at `index` in iteration order (HRANDFIELD draws indices): O(1) for a table
    /// slot drawn at random, O(n) for a packed hash.
    func pair(at index: Int) -> (field: [UInt8], value: [UInt8]) {
        switch storage {
        case let .packed(list):
            var offset = 0
            for _ in 0..<(2 * index) { offset = list.next(after: offset) }
            return (list.copy(at: offset), list.copy(at: list.next(after: offset)))
        case let .table(table):
            // `index` picks a slot; the first occupied one from there is the pair.
            let entry = table.entry(at: table.randomPosition(UInt64(truncatingIfNeeded: index)))!
            return (entry.key, entry.value)
        }
    }

    /// HSCAN: a packed hash answers everything with cursor 0 (as Redis does for a listpack);
    /// a table walks hash ranges as SCAN does.
    func scan(cursor: UInt64, count: Int, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) -> UInt64 {
        switch storage {
        case .packed:
            forEach(body)
            return 0
        case let .table(table):
            return table.scan(cursor: cursor, count: count) { entry in entry.withKey { key in entry.withValue { body(key, $0) } } }
        }
    }

    var isTable: Bool {
        if case .table = storage { return true }
        return false
    }

    private func convertToTable() {
        var table = SlotTable(hash: ValueObject.elementHash)
        var bytes = 0
        forEach { field, value in
            let entry = Entry.make(key: field, value: value, expiresAt: nil)
            table.insert(entry, hash: table.hash(field))
            bytes += entry.footprint
        }
        storage = .table(table)
        entryBytes = bytes
    }

    override public func encodePayload(into buffer: inout [UInt8]) {
        ValuePayload.appendCount(count, to: &buffer)
        forEach { field, value in
            ValuePayload.append(field, to: &buffer)
            ValuePayload.append(value, to: &buffer)
        }
    }

    override func decodePayload(_ reader: inout ValuePayload.Reader) throws(ValuePayload.Malformed) {
        let pairs = try reader.elementCount()
        for _ in 0..<pairs {
            let field = try reader.element()
            let value = try reader.element()
            guard set(field, value) else { throw ValuePayload.Malformed("a hash with a field twice") }
        }
    }

    override public func digestElements(_ body: ([UInt8]) -> Void) {
        for (field, value) in pairs.sorted(by: { $0.field.lexicographicallyPrecedes($1.field) }) {
            body(field)
            body(value)
        }
    }

    override func apply(_ edit: CollectionEdit) {
        switch edit.action {
        case .hashSet:
            for index in stride(from: 0, to: edit.items.count, by: 2) {
                edit.items[index].withUnsafeBytes { field in edit.items[index + 1].withUnsafeBytes { _ = set(field, $0) } }
            }
        case .hashDelete:
            for field in edit.items { field.withUnsafeBytes { _ = remove($0) } }
        default:
            break  // another type's edit: the keyspace never routes one here
        }
    }
}

extension ValueObject {
    /// The hash of collections' tables: one random seed per process (hash-flooding
    /// resistance), as the keyspace's.
    static let elementHash = KeyHash.random()
}
