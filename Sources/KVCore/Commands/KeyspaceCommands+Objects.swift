/// Redis 7.0's metadata for TOUCH, OBJECT, MEMORY, DUMP, RESTORE, SORT and SORT_RO, and the
/// keyspace method that runs each.
extension KeyspaceCommands {
    private typealias Row = CommandRow<KeyspaceHandler>

    private static let objectKey = (first: 2, last: 2, step: 1)

    static let objects: [CommandRow<KeyspaceHandler>] = [
        Row("touch", arity: -2, flags: [.readonly, .fast], keys: allKeys, group: "generic", since: "3.2.1",
            summary: "Returns the number of existing keys out of those specified after updating the time they were last accessed.",
            handler: { $0.touch($1, $2, &$3) }),
        Row("object", arity: -2, flags: [], group: "generic", since: "2.2.3",
            summary: "A container for object introspection commands.", subcommands: [
                Row("object|encoding", arity: 3, flags: [.readonly], keys: objectKey, group: "generic", since: "2.2.3",
                    summary: "Returns the internal encoding of a Redis object.", handler: { $0.objectEncoding($1, $2, &$3) }),
                Row("object|freq", arity: 3, flags: [.readonly], keys: objectKey, group: "generic", since: "4.0.0",
                    summary: "Returns the logarithmic access frequency counter of a Redis object.",
                    handler: { try $0.objectFreq($1, $2, &$3) }),
                Row("object|help", arity: 2, flags: [.loading, .stale], group: "generic", since: "6.2.0",
                    summary: "Returns helpful text about the different subcommands.", handler: { _, _, _, _ in
                        .array([
                            "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "ENCODING <key>",
                            "    Return the kind of internal representation used in order to store the value",
                            "    associated with a <key>.", "FREQ <key>",
                            "    Return the access frequency index of the <key>. The returned integer is",
                            "    proportional to the logarithm of the recent access frequency of the key.",
                            "IDLETIME <key>", "    Return the idle time of the <key>, that is the approximated number of",
                            "    seconds elapsed since the last access to the key.", "REFCOUNT <key>",
                            "    Return the number of references of the value associated with the specified",
                            "    <key>.", "HELP", "    Prints this help.",
                        ].map { .simple($0) })
                    }),
                Row("object|idletime", arity: 3, flags: [.readonly], keys: objectKey, group: "generic", since: "2.2.3",
                    summary: "Returns the time since the last access to a Redis object.", handler: { try $0.objectIdletime($1, $2, &$3) }),
                Row("object|refcount", arity: 3, flags: [.readonly], keys: objectKey, group: "generic", since: "2.2.3",
                    summary: "Returns the reference count of a value of a key.", handler: { $0.objectRefcount($1, $2, &$3) }),
            ], handler: { _, a, _, _ in throw CommandError.unknownSubcommand(a.count > 1 ? a.string(1) : "", of: "object") }),
        Row("memory", arity: -2, flags: [], group: "server", since: "4.0.0",
            summary: "A container for memory diagnostics commands.", subcommands: [
                Row("memory|help", arity: 2, flags: [.loading, .stale], group: "server", since: "4.0.0",
                    summary: "Returns helpful text about the different subcommands.", handler: { _, _, _, _ in
                        .array([
                            "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                            "USAGE <key> [SAMPLES <count>]",
                            "    Return memory in bytes used by <key> and its value. Nested values are",
                            "    sampled up to <count> times (default: 5, 0 means sample all).",
                            "HELP", "    Prints this help.",
                        ].map { .simple($0) })
                    }),
                Row("memory|usage", arity: -3, flags: [.readonly], keys: objectKey, group: "server", since: "4.0.0",
                    summary: "Estimates the memory usage of a key.", handler: { try $0.memoryUsage($1, $2, &$3) }),
            ], handler: { _, a, _, _ in throw CommandError.unknownSubcommand(a.count > 1 ? a.string(1) : "", of: "memory") }),
        Row("dump", arity: 2, flags: [.readonly], keys: oneKey, group: "generic", since: "2.6.0",
            summary: "Returns a serialized representation of the value stored at a key.", handler: { $0.dump($1, $2, &$3) }),
        Row("sort", arity: -2, flags: [.write, .denyOOM, .movableKeys], keys: oneKey, group: "generic", since: "1.0.0",
            summary: "Sorts the elements in a list, a set, or a sorted set, optionally storing the result.",
            handler: { try $0.sort($1, $2, &$3, readOnly: false) }),
        Row("sort_ro", arity: -2, flags: [.readonly, .movableKeys], keys: oneKey, group: "generic", since: "7.0.0",
            summary: "Returns the sorted elements of a list, a set, or a sorted set.",
            handler: { try $0.sort($1, $2, &$3, readOnly: true) }),
        Row("restore", arity: -4, flags: [.write, .denyOOM], keys: oneKey, group: "generic", since: "2.6.0",
            summary: "Creates a key from the serialized representation of a value.", handler: { try $0.restore($1, $2, &$3) }),
    ]
}
