import KVCore

/// MULTI EXEC DISCARD WATCH UNWATCH: a client's commands queued, then run under one lock hold
/// and logged as one record — or not run at all when a watched key changed.
enum TransactionCommands {
    private typealias Row = CommandRow<ServerHandler>

    static let rows: [CommandRow<ServerHandler>] = [
        Row("multi", arity: 1, flags: [.noscript, .loading, .stale, .fast, .allowBusy, .runsInMulti], group: "transactions",
            since: "1.2.0", summary: "Starts a transaction.", handler: .server { _, _, session, _, _ in
                if session.inTransaction { return .reply(.error(.nestedMulti)) }
                session.queued = []
                return .reply(.ok)
            }),
        Row("exec", arity: 1, flags: [.noscript, .loading, .stale, .skipSlowlog, .runsInMulti], group: "transactions",
            since: "1.2.0", summary: "Executes all commands in a transaction.", handler: .server { dispatcher, _, session, state, clock in
                dispatcher.exec(session: &session, state: &state, clock: &clock)
            }),
        Row("discard", arity: 1, flags: [.noscript, .loading, .stale, .fast, .allowBusy, .runsInMulti], group: "transactions",
            since: "2.0.0", summary: "Discards a transaction.", handler: .server { _, _, session, state, _ in
                guard session.inTransaction else { return .reply(.error(.discardWithoutMulti)) }
                session.queued = nil
                session.transactionFailed = false
                session.unwatchAll(&state.watched)
                return .reply(.ok)
            }),
        Row("watch", arity: -2, flags: [.noscript, .loading, .stale, .fast, .allowBusy, .runsInMulti], keys: (1, -1, 1),
            group: "transactions", since: "2.2.0", summary: "Monitors changes to keys to determine the execution of a transaction.",
            handler: .server { _, arguments, session, state, clock in
                // Runs at once inside MULTI too, to refuse (without failing the transaction), as Redis.
                if session.inTransaction { return .reply(.error(CommandError("ERR WATCH inside MULTI is not allowed"))) }
                let now = clock.context.now
                for index in 1..<arguments.count {
                    let key = WatchedKeys.Key(database: session.database, key: arguments.bytes(index))
                    if session.watching.contains(where: { $0.key == key }) { continue }
                    let entry = state.dataset[session.database].lookup(arguments[index])
                    session.watching.append((key, entry?.isExpired(at: now) ?? false))
                    state.watched.watch(key, client: session.id, existed: entry != nil)
                }
                return .reply(.ok)
            }),
        Row("unwatch", arity: 1, flags: [.noscript, .loading, .stale, .fast, .allowBusy], group: "transactions",
            since: "2.2.0", summary: "Forgets about watched keys of a transaction.", handler: .server { _, _, session, state, _ in
                session.unwatchAll(&state.watched)
                return .reply(.ok)
            }),
    ]
}
