/// A reply as a client receives it: any RESP2 or RESP3 value.
///
/// Used by kv's own client and by tests; the server never builds these (it writes `Reply`).
public indirect enum RESPValue: Sendable {
    /// `+text`
    case simpleString(String)
    /// `-CODE text`, or a RESP3 blob error `!`.
    case error(String)
    /// `:n`
    case integer(Int64)
    /// `$n`; nil is RESP2's null bulk string `$-1`.
    case bulkString([UInt8]?)
    /// `*n`; nil is RESP2's null array `*-1`.
    case array([RESPValue]?)
    /// RESP3 `_`.
    case null
    /// RESP3 `,` (`inf`, `-inf`, `nan` included).
    case double(Double)
    /// RESP3 `#t` / `#f`.
    case boolean(Bool)
    /// RESP3 `(`: an integer of any size, as its decimal text.
    case bigNumber(String)
    /// RESP3 `=`: text with its three-letter format (`txt`, `mkd`).
    case verbatim(format: String, text: [UInt8])
    /// RESP3 `%`: key–value pairs in the order sent.
    case map([(key: RESPValue, value: RESPValue)])
    /// RESP3 `~`.
    case set([RESPValue])
    /// RESP3 `>`: out-of-band data (pub/sub messages, invalidations).
    case push([RESPValue])

    /// A bulk string from text.
    public static func bulkString(_ text: String) -> RESPValue { .bulkString(Array(text.utf8)) }

    /// The bytes of a bulk string, or the text of a simple string or verbatim string.
    public var bytes: [UInt8]? {
        switch self {
        case let .bulkString(bytes): bytes
        case let .simpleString(text): Array(text.utf8)
        case let .verbatim(_, text): text
        default: nil
        }
    }

    /// `bytes` as text.
    public var string: String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

    /// True for every form of null: `$-1`, `*-1`, `_`.
    public var isNull: Bool {
        switch self {
        case .null, .bulkString(nil), .array(nil): true
        default: false
        }
    }
}

extension RESPValue: Equatable {
    /// Structural equality; `nan` equals `nan`, so that decoded replies compare in tests.
    public static func == (lhs: RESPValue, rhs: RESPValue) -> Bool {
        switch (lhs, rhs) {
        case let (.simpleString(a), .simpleString(b)), let (.error(a), .error(b)),
            let (.bigNumber(a), .bigNumber(b)):
            a == b
        case let (.integer(a), .integer(b)): a == b
        case let (.bulkString(a), .bulkString(b)): a == b
        case let (.array(a), .array(b)): a == b
        case (.null, .null): true
        case let (.double(a), .double(b)): a == b || (a.isNaN && b.isNaN)
        case let (.boolean(a), .boolean(b)): a == b
        case let (.verbatim(f1, t1), .verbatim(f2, t2)): f1 == f2 && t1 == t2
        case let (.map(a), .map(b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case let (.set(a), .set(b)), let (.push(a), .push(b)): a == b
        default: false
        }
    }
}
