import KVCore

/// Runs a command only the server can run: connection state, transactions, introspection,
/// replication. Called with the database lock held, like every command.
typealias ServerCommandHandler = @Sendable (
    _ dispatcher: CommandDispatcher, _ arguments: Arguments, _ session: inout ClientSession,
    _ state: inout Database.State, _ clock: inout BatchClock
) -> CommandOutcome

/// Who executes a row of the server's table.
enum ServerHandler: Sendable {
    /// The keyspace (KVCore's families): the reply, and effects logged as one record.
    case keyspace(KeyspaceHandler)
    /// The server itself.
    case server(ServerCommandHandler)
}

/// The server's command table: KVCore's keyspace families and the server's own, one row set
/// per family (`ConnectionCommands`, `TransactionCommands`, `IntrospectionCommands`,
/// `ReplicationCommands`). Dispatch, COMMAND, the READONLY refusal, MULTI's queueing and the
/// per-command statistics all read it.
enum ServerCommands {
    static let table = CommandTable<ServerHandler>(
        KeyspaceCommands.families.map { family in
            family.map { row in CommandRow(row) { DatasetCommands.overrides[row.spec.name] ?? ServerHandler.keyspace($0) } }
        }
            + [DatasetCommands.rows, BlockingCommands.rows, IntrospectionCommands.rows, ConnectionCommands.rows, TransactionCommands.rows,
               ReplicationCommands.rows, PersistenceCommands.rows, PubSubCommands.rows, ScriptCommands.rows,
               LatencyCommands.rows]
    )

    /// A container command's own handler when it needs a subcommand (CLIENT, CONFIG): never
    /// reached past the arity check, which asks for one.
    static let needsSubcommand: ServerHandler = .server { _, arguments, _, _, _ in
        .reply(.error(.unknownSubcommand(arguments.count > 1 ? arguments.string(1) : "", of: arguments.lowercased(0))))
    }
}

/// The reply to a HELP subcommand: the lines, as simple strings.
func helpReply(_ lines: [String]) -> CommandOutcome {
    .reply(.array(lines.map { .simple($0) }))
}
