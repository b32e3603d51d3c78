/// One row of a command table: what Redis reports about a command (`CommandSpec`) and who
/// executes it.
///
/// `Handler` is the executor's type: a `KeyspaceHandler` for the keyspace's own families in
/// this module; the server's table wraps those and adds the commands only it can run
/// (connection state, transactions, replication). A container command (CLIENT, CONFIG) has
/// its subcommands as rows of their own, each with its arity and handler.
///
/// A class, made once per command and never changed: taking a row from the table on the hot
/// path costs one reference count, not one per field.
public final class CommandRow<Handler: Sendable>: Sendable {
    /// Redis's metadata.
    public let spec: CommandSpec
    /// Runs the command.
    public let handler: Handler
    /// The rows of a container's subcommands, in the order of `spec.subcommands`.
    public let subcommands: [CommandRow<Handler>]

    /// A row; the spec's subcommands are the given rows' specs, so they are stated once.
    public init(
        _ name: String, arity: Int, flags: CommandFlags, keys: (first: Int, last: Int, step: Int) = (0, 0, 0),
        group: String, since: String, summary: StaticString, subcommands: [CommandRow<Handler>] = [],
        handler: Handler
    ) {
        self.spec = CommandSpec(
            name, arity: arity, flags: flags, keys: keys, group: group, since: since, summary: summary,
            subcommands: subcommands.map(\.spec))
        self.handler = handler
        self.subcommands = subcommands
    }

    /// The same command under another executor type (how the server takes in KVCore's rows).
    public init<Other>(_ row: CommandRow<Other>, handler: (Other) -> Handler) {
        self.spec = row.spec
        self.handler = handler(row.handler)
        self.subcommands = row.subcommands.map { CommandRow($0, handler: handler) }
    }

    /// The subcommand row named `name` (CLIENT SETNAME), ignoring ASCII case.
    public func subcommand(_ name: UnsafeRawBufferPointer) -> CommandRow<Handler>? {
        spec.subcommandPosition(name).map { subcommands[$0] }
    }
}
