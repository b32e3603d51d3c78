import KVCore

/// PING ECHO HELLO AUTH SELECT QUIT RESET CLIENT: the connection's own state.
enum ConnectionCommands {
    private typealias Row = CommandRow<ServerHandler>

    static let rows: [CommandRow<ServerHandler>] = [
        Row("ping", arity: -1, flags: [.fast, .sentinel], group: "connection", since: "1.0.0",
            summary: "Returns the server's liveliness response.", handler: .server { _, arguments, session, _, _ in
                if arguments.count > 2 { return .reply(.error(.wrongArity("ping"))) }
                if session.version == .resp2 && session.subscriptions.total > 0 {
                    // Pub/Sub mode: a message-shaped answer, as Redis.
                    return .reply(.array([.bulk("pong"), .bulk(arguments.count == 2 ? arguments.bytes(1) : [])]))
                }
                return .reply(arguments.count == 2 ? .bulk(arguments.bytes(1)) : .simple("PONG"))
            }),
        Row("echo", arity: 2, flags: [.fast], group: "connection", since: "1.0.0",
            summary: "Returns the given string.", handler: .server { _, arguments, _, _, _ in .reply(.bulk(arguments.bytes(1))) }),
        Row("hello", arity: -1, flags: [.noscript, .loading, .stale, .fast, .noAuth, .sentinel, .allowBusy],
            group: "connection", since: "6.0.0", summary: "Handshakes with the Redis server.",
            handler: .server { dispatcher, arguments, session, _, _ in dispatcher.hello(arguments, session: &session) }),
        Row("auth", arity: -2, flags: [.noscript, .loading, .stale, .fast, .noAuth, .sentinel, .allowBusy],
            group: "connection", since: "1.0.0", summary: "Authenticates the connection.",
            handler: .server { dispatcher, arguments, session, _, _ in
                .reply(dispatcher.authenticate(arguments, from: 1, session: &session))
            }),
        Row("select", arity: 2, flags: [.loading, .stale, .fast], group: "connection", since: "1.0.0",
            summary: "Changes the selected database.", handler: .server { dispatcher, arguments, session, _, _ in
                guard let index = Int(arguments.string(1)) else { return .reply(.error(.notInteger)) }
                guard dispatcher.server.databaseExists(index) else { return .reply(.error(.dbIndexOutOfRange)) }
                session.database = index
                return .reply(.ok)
            }),
        Row("quit", arity: -1, flags: [.noscript, .loading, .stale, .fast, .noAuth, .allowBusy, .runsInMulti],
            group: "connection", since: "1.0.0", summary: "Closes the connection.",
            handler: .server { _, _, _, _, _ in .replyAndClose(.ok) }),
        Row("reset", arity: 1, flags: [.noscript, .loading, .stale, .fast, .noAuth, .allowBusy, .runsInMulti],
            group: "connection", since: "6.2.0", summary: "Resets the connection.",
            handler: .server { dispatcher, _, session, state, _ in
                session.unwatchAll(&state.watched)
                dispatcher.unsubscribeAll(session: &session)
                session.reset(passwordRequired: dispatcher.server.passwordRequired)
                return .reply(.simple("RESET"))
            }),
        Row("client", arity: -2, flags: [.sentinel], group: "connection", since: "2.4.0",
            summary: "A container for client connection commands.", subcommands: client,
            handler: ServerCommands.needsSubcommand),
    ]

    private static let client: [CommandRow<ServerHandler>] = [
        Row("client|setname", arity: 3, flags: [.noscript, .loading, .stale], group: "connection",
            since: "2.6.9", summary: "Sets the connection name.", handler: .server { dispatcher, arguments, session, _, _ in
                .reply(dispatcher.setName(arguments.string(2), session: &session))
            }),
        Row("client|getname", arity: 2, flags: [.noscript, .loading, .stale], group: "connection",
            since: "2.6.9", summary: "Returns the name of the connection.", handler: .server { _, _, session, _, _ in
                .reply(session.name.map { .bulk($0) } ?? .null)
            }),
        Row("client|id", arity: 2, flags: [.noscript, .loading, .stale], group: "connection",
            since: "5.0.0", summary: "Returns the unique client ID of the connection.", handler: .server { _, _, session, _, _ in
                .reply(.integer(Int64(session.id)))
            }),
        Row("client|info", arity: 2, flags: [.noscript, .loading, .stale], group: "connection",
            since: "6.2.0", summary: "Returns information about the connection.", handler: .server { dispatcher, _, _, _, _ in
                let record = dispatcher.record
                let fd = SocketDescriptors.read().descriptor(local: record.localAddress, remote: record.address)
                return .reply(.verbatim(record.line(fd: fd) + "\n"))
            }),
        Row("client|list", arity: -2, flags: [.admin, .noscript, .loading, .stale], group: "connection",
            since: "2.4.0", summary: "Lists open connections.", handler: .server { dispatcher, arguments, _, _, _ in
                .reply(dispatcher.clientList(arguments))
            }),
        Row("client|kill", arity: -3, flags: [.admin, .noscript, .loading, .stale], group: "connection",
            since: "2.4.0", summary: "Terminates open connections.", handler: .server { dispatcher, arguments, _, _, _ in
                dispatcher.clientKill(arguments)
            }),
        Row("client|setinfo", arity: 4, flags: [.noscript, .loading, .stale], group: "connection",
            since: "7.2.0", summary: "Sets information specific to the client or connection.",
            handler: .server { dispatcher, arguments, _, _, _ in
                .reply(dispatcher.setInfo(arguments.string(2), arguments.string(3)))
            }),
        Row("client|pause", arity: -3, flags: [.admin, .noscript, .loading, .stale], group: "connection",
            since: "3.0.0", summary: "Suspends commands processing.", handler: .server { dispatcher, arguments, _, _, _ in
                .reply(dispatcher.clientPause(arguments))
            }),
        Row("client|unpause", arity: 2, flags: [.admin, .noscript, .loading, .stale], group: "connection",
            since: "6.2.0", summary: "Resumes processing of clients that were paused.", handler: .server { dispatcher, _, _, _, _ in
                dispatcher.server.pauses.unpause()
                return .reply(.ok)
            }),
        Row("client|no-evict", arity: 3, flags: [.admin, .noscript, .loading, .stale], group: "connection",
            since: "7.0.0", summary: "Sets the client eviction mode of the connection.", handler: .server { dispatcher, arguments, _, _, _ in
                .reply(dispatcher.clientNoEvict(arguments))
            }),
        Row("client|help", arity: 2, flags: [.loading, .stale], group: "connection",
            since: "5.0.0", summary: "Returns helpful text about the different subcommands.", handler: .server { _, _, _, _, _ in
                helpReply(["CLIENT <subcommand> [<arg> ...]", "ID", "GETNAME", "SETNAME <name>", "SETINFO <lib-name|lib-ver> <value>",
                          "INFO", "LIST [TYPE normal] [ID <id> [<id> ...]]",
                          "KILL <ip:port>", "KILL <option> <value> [<option> <value> [...]]",
                          "    Options: ID <client-id>, TYPE normal|master|replica|pubsub, USER default, ADDR <ip:port>, LADDR <ip:port>, SKIPME yes|no",
                          "PAUSE <timeout> [WRITE|ALL]", "UNPAUSE", "NO-EVICT (ON|OFF)"])
            }),
    ]
}
