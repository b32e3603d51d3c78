/// The type of a key's value, as TYPE names it. The raw values are written in snapshots, in
/// the log's object puts and in DUMP payloads: never renumber.
public enum ValueKind: UInt8, Sendable, CaseIterable {
    case string = 0
    case hash = 1
    case list = 2
    case set = 3
    case zset = 4

    /// The name TYPE answers and `SCAN … TYPE` takes.
    public var name: String {
        switch self {
        case .string: "string"
        case .hash: "hash"
        case .list: "list"
        case .set: "set"
        case .zset: "zset"
        }
    }

    /// The kind TYPE calls `name` (ASCII case ignored, as Redis compares type names).
    public init?(name: UnsafeRawBufferPointer) {
        guard let kind = ValueKind.allCases.first(where: { kind in
            kind.name.utf8.count == name.count && zip(kind.name.utf8, name).allSatisfy { $0 == $1 | 0x20 }
        }) else { return nil }
        self = kind
    }
}
