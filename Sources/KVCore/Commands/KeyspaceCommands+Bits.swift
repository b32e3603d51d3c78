/// Redis 7.0's metadata for the bitmap commands and the string commands LCS and SUBSTR
/// (`src/commands/*.json`, summaries as Redis 7.0.15's COMMAND DOCS gives them), and the
/// keyspace method that runs each.
extension KeyspaceCommands {
    private typealias Row = CommandRow<KeyspaceHandler>

    static let bits: [CommandRow<KeyspaceHandler>] = [
        Row("setbit", arity: 4, flags: [.write, .denyOOM], keys: oneKey, group: "bitmap", since: "2.2.0",
            summary: "Sets or clears the bit at offset in the string value stored at key", handler: { try $0.setbit($1, $2, &$3) }),
        Row("getbit", arity: 3, flags: [.readonly, .fast], keys: oneKey, group: "bitmap", since: "2.2.0",
            summary: "Returns the bit value at offset in the string value stored at key", handler: { try $0.getbit($1, $2, &$3) }),
        Row("bitcount", arity: -2, flags: [.readonly], keys: oneKey, group: "bitmap", since: "2.6.0",
            summary: "Count set bits in a string", handler: { try $0.bitcount($1, $2, &$3) }),
        Row("bitpos", arity: -3, flags: [.readonly], keys: oneKey, group: "bitmap", since: "2.8.7",
            summary: "Find first bit set or clear in a string", handler: { try $0.bitpos($1, $2, &$3) }),
        Row("bitop", arity: -4, flags: [.write, .denyOOM], keys: (first: 2, last: -1, step: 1), group: "bitmap", since: "2.6.0",
            summary: "Perform bitwise operations between strings", handler: { try $0.bitop($1, $2, &$3) }),
        Row("bitfield", arity: -2, flags: [.write, .denyOOM], keys: oneKey, group: "bitmap", since: "3.2.0",
            summary: "Perform arbitrary bitfield integer operations on strings",
            handler: { try $0.bitfield($1, $2, &$3, readOnly: false) }),
        Row("bitfield_ro", arity: -2, flags: [.readonly, .fast], keys: oneKey, group: "bitmap", since: "6.0.0",
            summary: "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
            handler: { try $0.bitfield($1, $2, &$3, readOnly: true) }),
        Row("lcs", arity: -3, flags: [.readonly], keys: (first: 1, last: 2, step: 1), group: "string", since: "7.0.0",
            summary: "Find longest common substring", handler: { try $0.lcs($1, $2, &$3) }),
        Row("substr", arity: 4, flags: [.readonly], keys: oneKey, group: "string", since: "1.0.0",
            summary: "Get a substring of the string stored at a key", handler: { try $0.getrange($1, $2, &$3) }),
    ]
}
