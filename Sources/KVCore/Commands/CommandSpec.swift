/// One command's metadata as Redis reports it (COMMAND INFO, COMMAND DOCS): name, arity, flags,
/// key positions. Who executes it is the `CommandRow` that carries it.
///
/// A class, made once per command and never changed: looking a command up then costs one
/// reference count, not one per string field, on every command the server runs.
public final class CommandSpec: Sendable {
    /// The lowercase name: "get", or "client|setname" for a subcommand.
    public let name: String
    /// Redis's convention, the name included: n > 0 exactly n arguments, n < 0 at least -n.
    public let arity: Int
    /// Properties: write, readonly, fast, …
    public let flags: CommandFlags
    /// The position of the first key argument (0: none), as in COMMAND INFO.
    public let firstKey: Int
    /// The position of the last key argument (-1: the last argument).
    public let lastKey: Int
    /// The step between key positions.
    public let keyStep: Int
    /// The command's group in Redis's documentation: "string", "generic", "connection", …
    public let group: String
    /// The version of Redis that introduced the command.
    public let since: String
    /// The subcommands of a container command (CLIENT, COMMAND, CONFIG).
    public let subcommands: [CommandSpec]

    /// Kept static: the summary needs no storage of its own.
    let summaryText: StaticString

    /// One sentence on what the command does, as in Redis's documentation.
    public var summary: String { summaryText.description }

    public init(
        _ name: String, arity: Int, flags: CommandFlags, keys: (first: Int, last: Int, step: Int) = (0, 0, 0),
        group: String, since: String, summary: StaticString, subcommands: [CommandSpec] = []
    ) {
        self.name = name
        self.arity = arity
        self.flags = flags
        self.firstKey = keys.first
        self.lastKey = keys.last
        self.keyStep = keys.step
        self.group = group
        self.since = since
        self.summaryText = summary
        self.subcommands = subcommands
    }

    /// True when `argumentCount` arguments (the name included) satisfy the arity.
    @inlinable public func accepts(argumentCount: Int) -> Bool {
        arity >= 0 ? argumentCount == arity : argumentCount >= -arity
    }

    /// The position in `subcommands` of the one named `name`, ignoring ASCII case.
    public func subcommandPosition(_ name: UnsafeRawBufferPointer) -> Int? {
        let prefix = self.name.utf8.count + 1
        return subcommands.firstIndex { sub in
            let subName = sub.name.utf8.dropFirst(prefix)
            return subName.count == name.count && zip(subName, name).allSatisfy { $0 == CommandIndex.lowercased($1) }
        }
    }

    /// True for commands that may modify the keyspace (refused on a replica, logged on the primary).
    @inlinable public var isWrite: Bool { flags.contains(.write) }

    /// The error for a wrong number of arguments, naming the command as Redis 7 does
    /// ("client|setname" for a subcommand).
    public var wrongArity: CommandError { CommandError.wrongArity(name) }

    /// Redis's ACL categories for the command, as COMMAND INFO lists them.
    public var aclCategories: [String] {
        var categories: [String] = []
        if flags.contains(.write) { categories.append("@write") }
        if flags.contains(.readonly) { categories.append("@read") }
        switch group {
        case "string": categories.append("@string")
        case "generic": categories.append("@keyspace")
        case "connection": categories.append("@connection")
        case "transactions": categories.append("@transaction")
        case "hash": categories.append("@hash")
        case "list": categories.append("@list")
        case "set": categories.append("@set")
        case "sorted-set": categories.append("@sortedset")
        case "bitmap": categories.append("@bitmap")
        case "pubsub": categories.append("@pubsub")
        default: break
        }
        if flags.contains(.admin) { categories.append(contentsOf: ["@admin", "@dangerous"]) }
        categories.append(flags.contains(.fast) ? "@fast" : "@slow")
        return categories
    }
}
