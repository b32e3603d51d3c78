import KVCore

/// COMMAND INFO ROLE DEBUG TIME CONFIG: what the server tells about itself.
enum IntrospectionCommands {
    private typealias Row = CommandRow<ServerHandler>

    static let rows: [CommandRow<ServerHandler>] = [
        Row("command", arity: -1, flags: [.loading, .stale, .sentinel], group: "server", since: "2.8.13",
            summary: "Returns detailed information about all commands.", subcommands: command,
            handler: .server { _, _, _, _, _ in .reply(.array(ServerCommands.table.specs.map(CommandDispatcher.info))) }),
        Row("info", arity: -1, flags: [.loading, .stale, .sentinel], group: "server", since: "1.0.0",
            summary: "Returns information and statistics about the server.", handler: .server { dispatcher, arguments, _, state, _ in
                let sections = (1..<arguments.count).map { arguments.lowercased($0) }
                return .reply(.verbatim(InfoReport(server: dispatcher.server, state: state).render(sections: sections)))
            }),
        Row("role", arity: 1, flags: [.noscript, .loading, .stale, .fast, .sentinel], group: "server", since: "2.8.12",
            summary: "Returns the replication role.", handler: .server { dispatcher, _, _, _, _ in
                .reply(ReplicationStatus(server: dispatcher.server).roleReply)
            }),
        Row("debug", arity: -2, flags: [.admin, .noscript, .loading, .stale], group: "server", since: "1.0.0",
            summary: "DEBUG DIGEST: a fingerprint of the whole dataset. DEBUG POWERLOSS (only with --enable-debug-command yes): the pod dies as in a machine crash, its log cut back to its last fsync.",
            handler: .server { dispatcher, arguments, _, state, _ in
                if arguments.matches(1, "digest"), arguments.count == 2 {
                    return .reply(.bulk(Array(CommandDispatcher.hex(state.dataset.digest()).utf8)))
                }
                if arguments.matches(1, "powerloss"), arguments.count == 2 {
                    guard dispatcher.server.configuration.enableDebugCommand else {
                        return .reply(.error(CommandError(
                            "ERR DEBUG command not allowed. Start kv-server with --enable-debug-command yes (KV_ENABLE_DEBUG_COMMAND=yes) to use DEBUG POWERLOSS.")))
                    }
                    // Under the database lock: no write is applied meanwhile. Returns only if
                    // the log could not be cut.
                    return .reply(.error(dispatcher.server.losePower(state.log)))
                }
                return .reply(.error(CommandError("ERR unknown subcommand '\(arguments.string(1))'. kv supports DEBUG DIGEST and DEBUG POWERLOSS only.")))
            }),
        Row("time", arity: 1, flags: [.loading, .stale, .fast], group: "server", since: "2.6.0",
            summary: "Returns the server time.", handler: .server { dispatcher, _, _, _, _ in
                let micros = dispatcher.server.database.clock.nowMicroseconds()
                return .reply(.array([.bulk(String(micros / 1_000_000)), .bulk(String(micros % 1_000_000))]))
            }),
        Row("config", arity: -2, flags: [], group: "server", since: "2.0.0",
            summary: "A container for server configuration commands.", subcommands: config,
            handler: ServerCommands.needsSubcommand),
        Row("monitor", arity: 1, flags: [.admin, .noscript, .loading, .stale], group: "server", since: "1.0.0",
            summary: "Listens for all requests received by the server in real-time.", handler: .server { _, _, _, _, _ in
                .startMonitor
            }),
        Row("slowlog", arity: -2, flags: [], group: "server", since: "2.2.12",
            summary: "A container for slow log commands.", subcommands: slowlog,
            handler: ServerCommands.needsSubcommand),
    ]

    private static let slowlog: [CommandRow<ServerHandler>] = [
        Row("slowlog|get", arity: -2, flags: [.admin, .loading, .stale], group: "server", since: "2.2.12",
            summary: "Returns the slow log's entries.", handler: .server { _, arguments, _, state, _ in
                var count = 10
                if arguments.count > 3 { return .reply(.error(.wrongArity("slowlog|get"))) }
                if arguments.count == 3 {
                    guard let asked = Int(arguments.string(2)), asked >= -1 else {
                        return .reply(.error(CommandError("ERR count should be greater than or equal to -1")))
                    }
                    count = asked
                }
                return .reply(state.slowlog.reply(count: count))
            }),
        Row("slowlog|len", arity: 2, flags: [.admin, .loading, .stale], group: "server", since: "2.2.12",
            summary: "Returns the number of entries in the slow log.", handler: .server { _, _, _, state, _ in
                .reply(.integer(Int64(state.slowlog.entries.count)))
            }),
        Row("slowlog|reset", arity: 2, flags: [.admin, .loading, .stale], group: "server", since: "2.2.12",
            summary: "Clears all entries from the slow log.", handler: .server { _, _, _, state, _ in
                state.slowlog.reset()
                return .reply(.ok)
            }),
        Row("slowlog|help", arity: 2, flags: [.loading, .stale], group: "server", since: "6.2.0",
            summary: "Show helpful text about the different subcommands", handler: .server { _, _, _, _, _ in
                helpReply([
                    "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                    "GET [<count>]",
                    "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
                    "    Entries are made of:",
                    "    id, timestamp, time in microseconds, arguments array, client IP and port,",
                    "    client name",
                    "LEN", "    Return the length of the slowlog.",
                    "RESET", "    Reset the slowlog.",
                    "HELP", "    Prints this help.",
                ])
            }),
    ]

    private static let command: [CommandRow<ServerHandler>] = [
        Row("command|count", arity: 2, flags: [.loading, .stale], group: "server", since: "2.8.13",
            summary: "Returns a count of commands.", handler: .server { _, _, _, _, _ in
                .reply(.integer(Int64(ServerCommands.table.count)))
            }),
        Row("command|docs", arity: -2, flags: [.loading, .stale], group: "server", since: "7.0.0",
            summary: "Returns documentary information about one, multiple or all commands.", handler: .server { _, arguments, _, _, _ in
                let specs = arguments.count == 2
                    ? ServerCommands.table.specs
                    : (2..<arguments.count).compactMap { ServerCommands.table.lookup(fullName: arguments[$0])?.spec }
                return .reply(.map(specs.map { (.bulk($0.name), CommandDispatcher.docs($0)) }))
            }),
        Row("command|info", arity: -2, flags: [.loading, .stale], group: "server", since: "2.8.13",
            summary: "Returns information about one, multiple or all commands.", handler: .server { _, arguments, _, _, _ in
                if arguments.count == 2 { return .reply(.array(ServerCommands.table.specs.map(CommandDispatcher.info))) }
                return .reply(.array((2..<arguments.count).map { index in
                    ServerCommands.table.lookup(fullName: arguments[index]).map { CommandDispatcher.info($0.spec) } ?? .nullArray
                }))
            }),
        Row("command|list", arity: -2, flags: [.loading, .stale], group: "server", since: "7.0.0",
            summary: "Returns a list of command names.", handler: .server { _, _, _, _, _ in
                .reply(.array(ServerCommands.table.specs.map { .bulk($0.name) }))
            }),
        Row("command|help", arity: 2, flags: [.loading, .stale], group: "server", since: "5.0.0",
            summary: "Returns helpful text about the different subcommands.", handler: .server { _, _, _, _, _ in
                helpReply(["COMMAND <subcommand>", "COUNT", "DOCS [<command-name> ...]", "INFO [<command-name> ...]", "LIST"])
            }),
    ]

    private static let config: [CommandRow<ServerHandler>] = [
        Row("config|get", arity: -3, flags: [.admin, .noscript, .loading, .stale], group: "server", since: "2.0.0",
            summary: "Returns the effective values of configuration parameters.", handler: .server { dispatcher, arguments, _, _, _ in
                .reply(dispatcher.configGet(arguments))
            }),
        Row("config|set", arity: -4, flags: [.admin, .noscript, .loading, .stale], group: "server", since: "2.0.0",
            summary: "Sets configuration parameters in-flight.", handler: .server { dispatcher, arguments, _, _, _ in
                .reply(dispatcher.configSet(arguments))
            }),
        Row("config|resetstat", arity: 2, flags: [.admin, .noscript, .loading, .stale], group: "server", since: "2.0.0",
            summary: "Resets the server's statistics.", handler: .server { _, _, _, _, _ in .reply(.ok) }),
        Row("config|help", arity: 2, flags: [.loading, .stale], group: "server", since: "5.0.0",
            summary: "Returns helpful text about the different subcommands.", handler: .server { _, _, _, _, _ in
                helpReply([
                    "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                    "GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
                    "SET <directive> <value>", "    Only latency-monitor-threshold: kv's other settings are flags and environment variables.",
                    "RESETSTAT", "    Accepted; kv keeps its statistics.",
                    "HELP", "    Print this help.",
                ])
            }),
    ]
}
