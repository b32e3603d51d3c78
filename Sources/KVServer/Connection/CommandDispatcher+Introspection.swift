import KVCore

/// COMMAND INFO and DOCS entries: what redis-cli asks to offer hints.
extension CommandDispatcher {
    /// One COMMAND INFO entry: name, arity, flags, first key, last key, step, ACL categories,
    /// tips, key specs, subcommands.
    static func info(_ spec: CommandSpec) -> Reply {
        .array([
            .bulk(spec.name),
            .integer(Int64(spec.arity)),
            .array(spec.flags.names.map { .simple($0) }),
            .integer(Int64(spec.firstKey)),
            .integer(Int64(spec.lastKey)),
            .integer(Int64(spec.keyStep)),
            .array(spec.aclCategories.map { .simple($0) }),
            .array([]),
            .array([]),
            .array([]),
        ])
    }

    static func docs(_ spec: CommandSpec) -> Reply {
        .map([
            (.bulk("summary"), .bulk(spec.summary)),
            (.bulk("since"), .bulk(spec.since)),
            (.bulk("group"), .bulk(spec.group)),
        ])
    }
}
