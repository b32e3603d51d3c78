/// One logged change to a collection: what a command did to it, stated as its effect, never as
/// a command to run again (SPOP logs the members it removed; LREM the positions it removed).
/// Applying the same edits in the same order to the same value always gives the same value.
///
/// Items are byte strings whose meaning the action gives (`Action`); numbers are decimal
/// text, scores 8 little-endian bytes of an IEEE double. An edit that leaves a collection
/// empty deletes its key; one on a missing key creates it (`Keyspace.apply`).
public struct CollectionEdit: Sendable, Equatable {
    /// What the edit does. Raw values are written in the log: never renumber.
    public enum Action: UInt8, Sendable, CaseIterable {
        /// field, value, field, value… : each field now holds its value.
        case hashSet = 1
        /// field… : the fields are gone.
        case hashDelete = 2
        /// element… : each pushed at the head, in order (LPUSH a b c makes c b a).
        case listPushHead = 10
        /// element… : each appended at the tail, in order.
        case listPushTail = 11
        /// count : that many elements removed from the head.
        case listPopHead = 12
        /// count : that many elements removed from the tail.
        case listPopTail = 13
        /// index, element : the element at index (0-based, from the head) replaced.
        case listSet = 14
        /// index, element : the element inserted so that it is at index.
        case listInsert = 15
        /// index… (ascending) : the elements at those positions removed.
        case listRemoveAt = 16
        /// start, stop : only the elements from start to stop (inclusive, 0-based) kept.
        case listTrim = 17
        /// member… : the members added.
        case setAdd = 20
        /// member… : the members removed.
        case setRemove = 21
        /// score, member, score, member… : each member now has its score.
        case zsetAdd = 30
        /// member… : the members removed.
        case zsetRemove = 31

        /// The type of value the action edits.
        public var kind: ValueKind {
            switch self {
            case .hashSet, .hashDelete: .hash
            case .listPushHead, .listPushTail, .listPopHead, .listPopTail, .listSet, .listInsert, .listRemoveAt, .listTrim: .list
            case .setAdd, .setRemove: .set
            case .zsetAdd, .zsetRemove: .zset
            }
        }

        /// True when `items` have the shape the action needs (checked when a record is
        /// decoded, so that applying never meets a malformed edit).
        public func accepts(_ items: [[UInt8]]) -> Bool {
            func isIndex(_ item: [UInt8]) -> Bool {
                item.withUnsafeBytes { IntegerText.parse($0).map { $0 >= 0 } ?? false }
            }
            switch self {
            case .hashSet: return !items.isEmpty && items.count % 2 == 0
            case .zsetAdd:
                return !items.isEmpty && items.count % 2 == 0
                    && stride(from: 0, to: items.count, by: 2).allSatisfy { items[$0].count == 8 && !CollectionEdit.score(items[$0]).isNaN }
            case .hashDelete, .listPushHead, .listPushTail, .setAdd, .setRemove, .zsetRemove: return !items.isEmpty
            case .listPopHead, .listPopTail: return items.count == 1 && isIndex(items[0])
            case .listSet, .listInsert: return items.count == 2 && isIndex(items[0])
            case .listRemoveAt: return !items.isEmpty && items.allSatisfy(isIndex)
            case .listTrim: return items.count == 2 && items.allSatisfy(isIndex)
            }
        }
    }

    public var action: Action
    public var items: [[UInt8]]

    public init(_ action: Action, _ items: [[UInt8]]) {
        self.action = action
        self.items = items
    }

    /// A score as an item: its IEEE bits, little-endian.
    public static func scoreItem(_ score: Double) -> [UInt8] {
        withUnsafeBytes(of: score.bitPattern.littleEndian) { Array($0) }
    }

    /// The score an item holds (`scoreItem`).
    public static func score(_ item: [UInt8]) -> Double {
        Double(bitPattern: item.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
    }

    /// A number as an item: decimal text.
    public static func numberItem(_ value: Int) -> [UInt8] { Array(String(value).utf8) }

    /// The number an item holds (`numberItem`; checked by `Action.accepts`).
    public static func number(_ item: [UInt8]) -> Int {
        item.withUnsafeBytes { Int(IntegerText.parse($0) ?? 0) }
    }
}
