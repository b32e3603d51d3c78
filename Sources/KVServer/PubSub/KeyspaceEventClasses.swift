/// Redis's `notify-keyspace-events` classes: which events are published, on which channels.
public struct KeyspaceEventClasses: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// K: `__keyspace@<db>__:<key>` channels, the event as the message.
    public static let keyspace = KeyspaceEventClasses(rawValue: 1 << 0)
    /// E: `__keyevent@<db>__:<event>` channels, the key as the message.
    public static let keyevent = KeyspaceEventClasses(rawValue: 1 << 1)
    public static let generic = KeyspaceEventClasses(rawValue: 1 << 2)
    public static let string = KeyspaceEventClasses(rawValue: 1 << 3)
    public static let list = KeyspaceEventClasses(rawValue: 1 << 4)
    public static let set = KeyspaceEventClasses(rawValue: 1 << 5)
    public static let hash = KeyspaceEventClasses(rawValue: 1 << 6)
    public static let zset = KeyspaceEventClasses(rawValue: 1 << 7)
    public static let expired = KeyspaceEventClasses(rawValue: 1 << 8)
    public static let evicted = KeyspaceEventClasses(rawValue: 1 << 9)
    public static let stream = KeyspaceEventClasses(rawValue: 1 << 10)
    public static let keyMiss = KeyspaceEventClasses(rawValue: 1 << 11)
    public static let module = KeyspaceEventClasses(rawValue: 1 << 12)
    public static let new = KeyspaceEventClasses(rawValue: 1 << 13)
    /// A: every class but key misses and new keys (`g$lshzxetd`), as Redis 7.0.
    public static let all: KeyspaceEventClasses = [.generic, .string, .list, .set, .hash, .zset, .expired, .evicted, .stream, .module]

    private static let letters: [(Character, KeyspaceEventClasses)] = [
        ("g", .generic), ("$", .string), ("l", .list), ("s", .set), ("h", .hash), ("z", .zset), ("x", .expired),
        ("e", .evicted), ("t", .stream), ("d", .module), ("n", .new),
    ]

    /// Parses Redis's letters; nil for an unknown one.
    public init?(_ text: String) {
        var classes: KeyspaceEventClasses = []
        for letter in text {
            switch letter {
            case "A": classes.formUnion(.all)
            case "K": classes.insert(.keyspace)
            case "E": classes.insert(.keyevent)
            case "m": classes.insert(.keyMiss)
            default:
                guard let match = Self.letters.first(where: { $0.0 == letter }) else { return nil }
                classes.insert(match.1)
            }
        }
        self = classes
    }

    /// As CONFIG GET shows it (Redis's `keyspaceEventsFlagsToString`: `A` hides `n`).
    public var text: String {
        var text = ""
        if isSuperset(of: .all) {
            text = "A"
        } else {
            for (letter, flag) in Self.letters where contains(flag) { text.append(letter) }
        }
        if contains(.keyspace) { text.append("K") }
        if contains(.keyevent) { text.append("E") }
        if contains(.keyMiss) { text.append("m") }
        return text
    }

    /// Whether any event is published at all: a channel kind and a class of events.
    public var publishesAny: Bool {
        !intersection([.keyspace, .keyevent]).isEmpty && !subtracting([.keyspace, .keyevent]).isEmpty
    }
}
