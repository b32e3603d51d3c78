/// A sorted set: members with scores, ordered by score, then member bytes.
///
/// Small sets (at most `maximumPackedCount` members, none longer than `maximumPackedLength`
/// bytes — Redis's `zset-max-listpack-entries` 128 and `zset-max-listpack-value` 64) are one
/// `PackedList` of score, member, score, member… in order (a score as its 8 IEEE bytes), as
/// Redis's listpack; every operation walks it. Past either limit the set becomes a member
/// table (a `SlotTable` of entries, member as key and score as value, for O(1) ZSCORE) and a
/// `ScoreTree` over the same entries (O(log n) rank and ranges). It never goes back.
///
/// A packed set stores -0 as 0, as Redis 7.0's listpack does (it writes scores as text);
/// the table keeps -0.
public final class SortedSetObject: ValueObject {
    public static let maximumPackedCount = 128
    public static let maximumPackedLength = 64

    private var packed = PackedList()
    /// The member table and score tree of a large set, in a box of their own (nil while
    /// packed): a packed set — most sorted sets — carries no room for them (a table is 160
    /// bytes) and allocates no tree root.
    private final class Large {
        var table: SlotTable
        var tree: ScoreTree

        init(table: SlotTable, tree: ScoreTree) {
            self.table = table
            self.tree = tree
        }
    }

    private var large: Large?
    /// Entries' footprints, for a large set.
    private var entryBytes = 0

    required init() {}

    override public var kind: ValueKind { .zset }

    override public var count: Int { large.map { $0.tree.count } ?? packed.count / 2 }

    override public var footprint: Int {
        guard let large else { return 48 + packed.footprint }
        return 64 + 48 + entryBytes + large.table.slotBytes + large.tree.count * 10
    }

    override public var encodingName: String { large == nil ? "listpack" : "skiplist" }

    /// True once the set has left the packed encoding.
    public var isLarge: Bool { large != nil }

    /// O(1): the packed bytes, the table's pages and the tree's root are shared and copied
    /// on write.
    override public func clone() -> ValueObject {
        let copy = SortedSetObject()
        copy.packed = packed
        copy.large = large.map { Large(table: $0.table, tree: $0.tree) }  // a box of its own
        copy.entryBytes = entryBytes
        return copy
    }

    // MARK: Reading

    /// Calls `body` with each element in order, from rank `range.lowerBound` (reversed: from
    /// the highest rank in `range` down), until it answers false.
    public func forEach(
        _ range: Range<Int>? = nil, reverse: Bool = false, _ body: (_ member: UnsafeRawBufferPointer, _ score: Double) -> Bool
    ) {
        let range = (range ?? 0..<count).clamped(to: 0..<count)
        guard !range.isEmpty else { return }
        if let large {
            large.tree.forEach(range, reverse: reverse) { entry in entry.withKey { body($0, ScoreOrder.score(of: entry)) } }
            return
        }
        if reverse {
            // A packed list walks forward only: collect the range's offsets first.
            var offsets: [Int] = []
            offsets.reserveCapacity(range.count)
            forEachPacked { rank, offset, _, _ in
                if range.contains(rank) { offsets.append(offset) }
                return rank + 1 < range.upperBound
            }
            for offset in offsets.reversed() {
                let keepGoing = packed.withElement(at: offset) { scoreBytes in
                    packed.withElement(at: packed.next(after: offset)) { body($0, SortedSetObject.score(scoreBytes)) }
                }
                if !keepGoing { return }
            }
            return
        }
        forEachPacked { rank, _, score, member in
            guard rank >= range.lowerBound else { return true }
            return body(member, score) && rank + 1 < range.upperBound
        }
    }

    /// Calls `body` with each packed element: its rank, the offset of its score, the score
    /// and the member, until it answers false.
    private func forEachPacked(_ body: (_ rank: Int, _ offset: Int, _ score: Double, _ member: UnsafeRawBufferPointer) -> Bool) {
        var rank = 0
        var scoreOffset = 0
        var score = 0.0
        var isScore = true
        packed.forEach { offset, element in
            defer { isScore.toggle() }
            if isScore {
                scoreOffset = offset
                score = SortedSetObject.score(element)
                return true
            }
            defer { rank += 1 }
            return body(rank, scoreOffset, score, element)
        }
    }

    @inline(__always) static func score(_ bytes: UnsafeRawBufferPointer) -> Double {
        Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self)))
    }

    /// The score of `member`, nil when it is not in the set.
    public func score(_ member: UnsafeRawBufferPointer) -> Double? {
        if let large {
            return large.table.find(member, hash: large.table.hash(member)).map { ScoreOrder.score(of: $0.entry) }
        }
        var found: Double?
        forEachPacked { _, _, score, candidate in
            if memcmpEqual(candidate, member) { found = score; return false }
            return true
        }
        return found
    }

    /// The rank (0-based, ascending) of `member`, nil when it is not in the set.
    public func rank(_ member: UnsafeRawBufferPointer) -> Int? {
        if let large {
            guard let score = score(member) else { return nil }
            return large.tree.rank(score, member)
        }
        var found: Int?
        forEachPacked { rank, _, _, candidate in
            if memcmpEqual(candidate, member) { found = rank; return false }
            return true
        }
        return found
    }

    /// The element at `rank` (0 ≤ rank < count).
    public func element(at rank: Int) -> (member: [UInt8], score: Double) {
        var result: (member: [UInt8], score: Double) = ([], 0)
        forEach(rank..<(rank + 1)) { member, score in
            result = (Array(member), score)
            return false
        }
        return result
    }

    /// The number of elements before the first one for which `isAtOrAfter(member, score)`
    /// holds (false for a prefix of the order, true for the rest): where a range starts.
    public func partition(_ isAtOrAfter: (_ member: UnsafeRawBufferPointer, _ score: Double) -> Bool) -> Int {
        if let large {
            return large.tree.partition { entry in entry.withKey { isAtOrAfter($0, ScoreOrder.score(of: entry)) } }
        }
        var found = count
        forEachPacked { rank, _, score, member in
            if isAtOrAfter(member, score) { found = rank; return false }
            return true
        }
        return found
    }

    /// ZSCAN: a packed set answers everything at once (cursor 0), as Redis does for a
    /// listpack; a large one walks its member table's hash ranges as SCAN does.
    func scan(cursor: UInt64, count: Int, _ body: (UnsafeRawBufferPointer, Double) -> Void) -> UInt64 {
        guard let large else {
            forEach { member, score in
                body(member, score)
                return true
            }
            return 0
        }
        return large.table.scan(cursor: cursor, count: count) { entry in entry.withKey { body($0, ScoreOrder.score(of: entry)) } }
    }

    // MARK: Writing

    /// Gives `member` the score `score` (not NaN), adding it if missing; answers the score
    /// it had (nil: it is new) and the score it has now (a packed set stores -0 as 0).
    @discardableResult
    public func set(_ member: UnsafeRawBufferPointer, _ score: Double) -> (old: Double?, new: Double) {
        if large == nil {
            let stored = score == 0 ? 0 : score
            var old: (offset: Int, score: Double)?
            forEachPacked { _, offset, candidateScore, candidate in
                if memcmpEqual(candidate, member) { old = (offset, candidateScore); return false }
                return true
            }
            if let old {
                if old.score != stored {
                    packed.remove(at: old.offset, elements: 2)
                    insertPacked(member, stored)
                }
                return (old.score, old.score == stored ? old.score : stored)
            }
            if packed.count / 2 < Self.maximumPackedCount && member.count <= Self.maximumPackedLength {
                insertPacked(member, stored)
                return (nil, stored)
            }
            convertToTree()
        }
        let entry = SortedSetObject.entry(member, score)
        let large = large!
        let hash = large.table.hash(member)
        if let existing = large.table.find(member, hash: hash) {
            let oldScore = ScoreOrder.score(of: existing.entry)
            guard oldScore != score else { return (oldScore, oldScore) }
            large.tree.remove(oldScore, member)
            large.tree.insert(entry)
            large.table.insert(entry, hash: hash)
            entryBytes += entry.footprint - existing.entry.footprint
            return (oldScore, score)
        }
        large.tree.insert(entry)
        large.table.insert(entry, hash: hash)
        entryBytes += entry.footprint
        return (nil, score)
    }

    /// A table and tree element: the member as key, the score's 8 bytes as value.
    static func entry(_ member: UnsafeRawBufferPointer, _ score: Double) -> Entry {
        withUnsafeBytes(of: score.bitPattern.littleEndian) { Entry.make(key: member, value: $0, expiresAt: nil) }
    }

    private func insertPacked(_ member: UnsafeRawBufferPointer, _ score: Double) {
        var offset = packed.bytes.count
        forEachPacked { _, candidateOffset, candidateScore, candidate in
            if ScoreOrder.less(score, member, candidateScore, candidate) { offset = candidateOffset; return false }
            return true
        }
        withUnsafeBytes(of: score.bitPattern.littleEndian) { scoreBytes in
            let memberOffset = offset
            packed.insert(member, at: memberOffset)
            packed.insert(scoreBytes, at: memberOffset)
        }
    }

    /// Removes `member`; true when it was there.
    @discardableResult
    public func remove(_ member: UnsafeRawBufferPointer) -> Bool {
        if let large {
            let hash = large.table.hash(member)
            guard let (position, entry) = large.table.find(member, hash: hash) else { return false }
            large.tree.remove(ScoreOrder.score(of: entry), member)
            large.table.remove(at: position)
            entryBytes -= entry.footprint
            return true
        }
        var found: Int?
        forEachPacked { _, offset, _, candidate in
            if memcmpEqual(candidate, member) { found = offset; return false }
            return true
        }
        guard let found else { return false }
        packed.remove(at: found, elements: 2)
        return true
    }

    /// Removes the elements of ranks `range`; answers their members, in order.
    public func removeRange(_ range: Range<Int>) -> [[UInt8]] {
        var members: [[UInt8]] = []
        forEach(range) { member, _ in
            members.append(Array(member))
            return true
        }
        for member in members { member.withUnsafeBytes { _ = remove($0) } }
        return members
    }

    private func convertToTree() {
        var table = SlotTable(hash: ValueObject.elementHash)
        var tree = ScoreTree()
        var bytes = 0
        forEachPacked { _, _, score, member in
            let entry = SortedSetObject.entry(member, score)
            table.insert(entry, hash: table.hash(member))
            tree.insert(entry)
            bytes += entry.footprint
            return true
        }
        packed = PackedList()
        large = Large(table: table, tree: tree)
        entryBytes = bytes
    }

    /// A sorted set of `elements` (distinct members, any order), in the encoding its size
    /// calls for — as Redis builds a ZUNIONSTORE result or loads one.
    public static func make(_ elements: [(member: [UInt8], score: Double)]) -> SortedSetObject {
        let object = SortedSetObject()
        let sorted = elements.sorted { a, b in
            a.member.withUnsafeBytes { x in b.member.withUnsafeBytes { y in ScoreOrder.less(a.score, x, b.score, y) } }
        }
        if sorted.count > maximumPackedCount || sorted.contains(where: { $0.member.count > maximumPackedLength }) {
            object.convertToTree()
        }
        for element in sorted { element.member.withUnsafeBytes { _ = object.set($0, element.score) } }
        return object
    }

    // MARK: Payload, digest, edits

    override public func encodePayload(into buffer: inout [UInt8]) {
        ValuePayload.appendCount(count, to: &buffer)
        forEach { member, score in
            withUnsafeBytes(of: score.bitPattern.littleEndian) { buffer.append(contentsOf: $0) }
            ValuePayload.append(member, to: &buffer)
            return true
        }
    }

    override func decodePayload(_ reader: inout ValuePayload.Reader) throws(ValuePayload.Malformed) {
        let elements = try reader.elementCount()
        var previous: (score: Double, member: [UInt8])?
        for _ in 0..<elements {
            let score = try reader.score()
            let member = try reader.element()
            if let previous {
                let ordered = previous.member.withUnsafeBytes { ScoreOrder.less(previous.score, $0, score, member) }
                guard ordered else { throw ValuePayload.Malformed("a sorted set out of order or with a member twice") }
            }
            if previous == nil && (elements > Self.maximumPackedCount) { convertToTree() }
            if member.count > Self.maximumPackedLength && large == nil { convertToTree() }
            set(member, score)
            previous = (score, Array(member))
        }
        guard count == elements else { throw ValuePayload.Malformed("a sorted set with a member twice") }
    }

    /// Member, then score as 8 bytes (-0 as 0), in order: the same for either encoding.
    override public func digestElements(_ body: ([UInt8]) -> Void) {
        forEach { member, score in
            body(Array(member))
            body(CollectionEdit.scoreItem(score == 0 ? 0 : score))
            return true
        }
    }

    override func apply(_ edit: CollectionEdit) {
        switch edit.action {
        case .zsetAdd:
            for index in stride(from: 0, to: edit.items.count, by: 2) {
                let score = CollectionEdit.score(edit.items[index])
                edit.items[index + 1].withUnsafeBytes { _ = set($0, score) }
            }
        case .zsetRemove:
            for member in edit.items { member.withUnsafeBytes { _ = remove($0) } }
        default:
            break  // another type's edit: the keyspace never routes one here
        }
    }
}
