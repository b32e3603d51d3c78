/// What a command answers, independent of the wire protocol version.
///
/// KVWire renders it as RESP2 or RESP3. A stored value is answered as `.value(entry)`, which
/// the encoder copies straight from the entry into the socket buffer.
public enum Reply: Sendable {
    /// `+OK`
    case ok
    /// A status line: `+PONG`, `+QUEUED`, a type name.
    case simple(String)
    /// An error line.
    case error(CommandError)
    /// `:n`
    case integer(Int64)
    /// A bulk string made by the command.
    case bulk([UInt8])
    /// A bulk string holding an entry's value, without a copy.
    case value(Entry)
    /// The null bulk string (`$-1` in RESP2, `_` in RESP3): a missing key.
    case null
    /// The null array (`*-1` in RESP2, `_` in RESP3): an aborted EXEC, a BLPOP timeout.
    case nullArray
    /// A double: RESP3 `,`; RESP2 sends it as a bulk string.
    case double(Double)
    /// An array of replies.
    case array([Reply])
    /// A map: RESP3 `%`; RESP2 sends a flat array of key, value, key, value…
    case map([(Reply, Reply)])
    /// A set (SMEMBERS, SINTER, SPOP with a count): RESP3 `~`; RESP2 an array.
    case set([Reply])
    /// Pairs (HRANDFIELD … WITHVALUES, ZRANGE … WITHSCORES): RESP3 an array of two-element
    /// arrays; RESP2 a flat array.
    case pairs([(Reply, Reply)])
    /// Text meant for people (INFO): RESP3 verbatim `=` with format `txt`; RESP2 a bulk string.
    case verbatim(String)
    /// An array, set or map of bulk strings already in RESP form (a collection's elements):
    /// equal to, and encoded as, its `expanded` form.
    case bulks(EncodedBulks)
    /// An out-of-band message (Pub/Sub): RESP3 push `>`; RESP2 an array.
    case push([Reply])
    /// Several top-level replies sent one after another: SUBSCRIBE a b answers with one
    /// confirmation per channel, and inside EXEC they follow each other in the EXEC's array
    /// as Redis writes them.
    case frames([Reply])
    /// A boolean (a script's, under `redis.setresp(3)`): RESP3 `#t`/`#f`; RESP2 `:1`/`:0`.
    case boolean(Bool)
    /// A big number (a script's `{big_number=…}`): RESP3 `(`; RESP2 a bulk string.
    case bigNumber(String)

    /// A bulk string from text.
    public static func bulk(_ text: String) -> Reply { .bulk(Array(text.utf8)) }
}

extension Reply: Equatable {
    /// Replies are equal when they would encode to the same bytes in every protocol version;
    /// `.bulk` and `.value` with the same bytes are equal.
    public static func == (lhs: Reply, rhs: Reply) -> Bool {
        switch (lhs, rhs) {
        case (.ok, .ok), (.null, .null), (.nullArray, .nullArray):
            return true
        case let (.simple(a), .simple(b)), let (.verbatim(a), .verbatim(b)), let (.bigNumber(a), .bigNumber(b)):
            return a == b
        case let (.error(a), .error(b)):
            return a == b
        case let (.integer(a), .integer(b)):
            return a == b
        case let (.boolean(a), .boolean(b)):
            return a == b
        case let (.double(a), .double(b)):
            return a == b || (a.isNaN && b.isNaN)
        case let (.array(a), .array(b)), let (.set(a), .set(b)), let (.push(a), .push(b)), let (.frames(a), .frames(b)):
            return a == b
        case let (.map(a), .map(b)), let (.pairs(a), .pairs(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.bulks(a), _):
            return a.expanded == rhs
        case let (_, .bulks(b)):
            return lhs == b.expanded
        default:
            if let a = lhs.bulkBytes, let b = rhs.bulkBytes { return a == b }
            return false
        }
    }

    /// The bytes of a `.bulk` or `.value` reply.
    public var bulkBytes: [UInt8]? {
        switch self {
        case let .bulk(bytes): bytes
        case let .value(entry): entry.value
        default: nil
        }
    }
}

extension Reply: CustomStringConvertible {
    /// A readable form for test failures.
    public var description: String {
        switch self {
        case .ok: "OK"
        case let .simple(text): "+\(text)"
        case let .error(error): "-\(error.message)"
        case let .integer(value): ":\(value)"
        case .bulk, .value: "\"\(String(decoding: bulkBytes!, as: UTF8.self))\""
        case .null: "(nil)"
        case .nullArray: "(nil array)"
        case let .double(value): ",\(value)"
        case let .array(items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        case let .set(items): "~[" + items.map(\.description).joined(separator: ", ") + "]"
        case let .map(pairs): "{" + pairs.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "}"
        case let .pairs(pairs): "[" + pairs.map { "(\($0.0), \($0.1))" }.joined(separator: ", ") + "]"
        case let .verbatim(text): "txt:\(text)"
        case let .bulks(bulks): bulks.expanded.description
        case let .push(items): ">[" + items.map(\.description).joined(separator: ", ") + "]"
        case let .frames(items): items.map(\.description).joined(separator: " ")
        case let .boolean(value): value ? "#t" : "#f"
        case let .bigNumber(text): "(\(text)"
        }
    }
}
