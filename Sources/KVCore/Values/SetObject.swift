/// A set: distinct members.
///
/// As Redis 7.0 keeps it: while every member is an integer in `string2ll` syntax and there are
/// at most `maximumIntsetCount` of them (`set-max-intset-entries` 512) the set is an `IntSet`,
/// sorted, so that SMEMBERS lists it in ascending order as Redis does. The first member that is
/// not an integer, or the 513th, turns it into a `SlotTable` of entries (member as key, an
/// empty value): the keyspace's own table, with its copy-on-write pages and SCAN cursors. It
/// never goes back (Redis 7.0 has no listpack sets; a set rebuilt from members — SPOP's
/// rebuild, the …STORE commands, a payload — takes the encoding its members call for).
public final class SetObject: ValueObject, @unchecked Sendable {
    public static let maximumIntsetCount = 512

    enum Storage {
        case intset(IntSet)
        case table(SlotTable)
    }

    var storage: Storage = .intset(IntSet())
    /// Entries' footprints, for a table.
    private var entryBytes = 0

    required init() {}

    /// A set of `members` (duplicates counted once), built as Redis builds a new set: an
    /// intset while the members allow it. `table` forces the table encoding (a result Redis
    /// built in a hash table, as SDIFF's second algorithm does).
    static func make(_ members: [[UInt8]], table: Bool = false) -> SetObject {
        let set = SetObject()
        if table { set.convertToTable() }
        for member in members { member.withUnsafeBytes { _ = set.add($0) } }
        return set
    }

    override public var kind: ValueKind { .set }

    override public var count: Int {
        switch storage {
        case let .intset(set): set.count
        case let .table(table): table.count
        }
    }

    override public var footprint: Int {
        switch storage {
        case let .intset(set): 48 + set.footprint
        case let .table(table): 48 + entryBytes + table.slotBytes
        }
    }

    override public var encodingName: String {
        if case .intset = storage { return "intset" }
        return "hashtable"
    }

    override public func clone() -> ValueObject {
        let copy = SetObject()
        copy.storage = storage  // the intset's bytes or the table's pages, copied on write
        copy.entryBytes = entryBytes
        return copy
    }

    var isTable: Bool {
        if case .table = storage { return true }
        return false
    }

    /// True when `member` is in the set.
    public func contains(_ member: UnsafeRawBufferPointer) -> Bool {
        switch storage {
        case let .intset(set):
            guard let value = IntegerText.parse(member) else { return false }
            return set.contains(value)
        case let .table(table):
            return table.find(member, hash: table.hash(member)) != nil
        }
    }

    /// Adds `member`; true when it is new.
    @discardableResult
    public func add(_ member: UnsafeRawBufferPointer) -> Bool {
        if case var .intset(set) = storage {
            if let value = IntegerText.parse(member) {
                storage = .intset(IntSet())  // drop the enum's reference: the bytes stay unique
                let added = set.insert(value)
                storage = .intset(set)
                if added && set.count > Self.maximumIntsetCount { convertToTable() }
                return added
            }
            convertToTable()
        }
        guard case var .table(table) = storage else { preconditionFailure() }
        let hash = table.hash(member)
        if table.find(member, hash: hash) != nil { return false }
        storage = .intset(IntSet())
        defer { storage = .table(table) }
        let entry = Entry.make(key: member, value: UnsafeRawBufferPointer(start: nil, count: 0), expiresAt: nil)
        _ = table.insert(entry, hash: hash)
        entryBytes += entry.footprint
        return true
    }

    /// Removes `member`; true when it was there.
    @discardableResult
    public func remove(_ member: UnsafeRawBufferPointer) -> Bool {
        switch storage {
        case var .intset(set):
            guard let value = IntegerText.parse(member) else { return false }
            storage = .intset(IntSet())
            defer { storage = .intset(set) }
            return set.remove(value)
        case var .table(table):
            guard let position = table.position(of: member, hash: table.hash(member)) else { return false }
            storage = .intset(IntSet())
            entryBytes -= table.remove(at: position).footprint
            storage = .table(table)
            return true
        }
    }

    /// Calls `body` with each member, in Redis's order for the encoding (ascending for an
    /// intset, slot order for a table).
    public func forEach(_ body: (UnsafeRawBufferPointer) -> Void) {
        switch storage {
        case let .intset(set):
            set.forEach { $0.withDecimal(body) }
        case let .table(table):
            for entry in table.entries { entry.withKey(body) }
        }
    }

    /// Every member, copied, in iteration order.
    public var members: [[UInt8]] {
        var members: [[UInt8]] = []
        members.reserveCapacity(count)
        forEach { members.append(Array($0)) }
        return members
    }

    /// The bound of the indices `member(at:)` takes: the members of an intset; any index for a
    /// table (its bits draw a position: `SlotTable.randomPosition`).
    var randomBound: Int {
        switch storage {
        case let .intset(set): set.count
        case .table: Int.max
        }
    }

    /// The member an index below `randomBound` draws: the intset's element there, or the
    /// first occupied table slot from the slot it draws.
    func member(at index: Int) -> [UInt8] {
        switch storage {
        case let .intset(set):
            return set.value(at: index).withDecimal { Array($0) }
        case let .table(table):
            return table.entry(at: table.randomPosition(UInt64(truncatingIfNeeded: index)))!.key
        }
    }

    /// Makes this set hold what `other` holds (SPOP's rebuild of the members it keeps).
    func assign(from other: SetObject) {
        storage = other.storage
        entryBytes = other.entryBytes
    }

    /// SSCAN: an intset answers everything with cursor 0 (as Redis does); a table walks hash
    /// ranges as SCAN does.
    func scan(cursor: UInt64, count: Int, _ body: (UnsafeRawBufferPointer) -> Void) -> UInt64 {
        switch storage {
        case .intset:
            forEach(body)
            return 0
        case let .table(table):
            return table.scan(cursor: cursor, count: count) { $0.withKey(body) }
        }
    }

    private func convertToTable() {
        var table = SlotTable(hash: ValueObject.elementHash, log2Capacity: SlotTable.log2Capacity(for: count))
        var bytes = 0
        forEach { member in
            let entry = Entry.make(key: member, value: UnsafeRawBufferPointer(start: nil, count: 0), expiresAt: nil)
            _ = table.insert(entry, hash: table.hash(member))
            bytes += entry.footprint
        }
        storage = .table(table)
        entryBytes = bytes
    }

    override public func encodePayload(into buffer: inout [UInt8]) {
        ValuePayload.appendCount(count, to: &buffer)
        forEach { ValuePayload.append($0, to: &buffer) }
    }

    override func decodePayload(_ reader: inout ValuePayload.Reader) throws(ValuePayload.Malformed) {
        let members = try reader.elementCount()
        for _ in 0..<members {
            guard add(try reader.element()) else { throw ValuePayload.Malformed("a set with a member twice") }
        }
    }

    override public func digestElements(_ body: ([UInt8]) -> Void) {
        for member in members.sorted(by: { $0.lexicographicallyPrecedes($1) }) { body(member) }
    }

    override func apply(_ edit: CollectionEdit) {
        switch edit.action {
        case .setAdd:
            for member in edit.items { member.withUnsafeBytes { _ = add($0) } }
        case .setRemove:
            for member in edit.items { member.withUnsafeBytes { _ = remove($0) } }
        default:
            break  // another type's edit: the keyspace never routes one here
        }
    }
}
