import KVCore

/// COMMAND [COUNT | INFO name… | DOCS name… | LIST]: what redis-cli asks to offer hints.
extension CommandDispatcher {
    func command(_ arguments: Arguments) -> Reply {
        guard arguments.count > 1 else {
            return .array(CommandTable.all.map(Self.info))
        }
        switch arguments.lowercased(1) {
        case "count":
            return .integer(Int64(CommandTable.all.count))
        case "list":
            return .array(CommandTable.all.map { .bulk($0.name) })
        case "info":
            if arguments.count == 2 { return .array(CommandTable.all.map(Self.info)) }
            return .array((2..<arguments.count).map { index in
                CommandTable.lookup(arguments[index]).map(Self.info) ?? .nullArray
            })
        case "docs":
            let specs = arguments.count == 2
                ? CommandTable.all
                : (2..<arguments.count).compactMap { CommandTable.lookup(arguments[$0]) }
            return .map(specs.map { (.bulk($0.name), Self.docs($0)) })
        case "help":
            return .array(["COMMAND <subcommand>", "COUNT", "DOCS [<command-name> ...]", "INFO [<command-name> ...]", "LIST"].map { .simple($0) })
        default:
            return .error(.unknownSubcommand(arguments.string(1), of: "command"))
        }
    }

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
