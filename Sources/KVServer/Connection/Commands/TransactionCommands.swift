import KVCore

/// MULTI EXEC DISCARD: a client's commands queued, then run under one lock hold and logged as
/// one record.
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
            since: "2.0.0", summary: "Discards a transaction.", handler: .server { _, _, session, _, _ in
                guard session.inTransaction else { return .reply(.error(.discardWithoutMulti)) }
                session.queued = nil
                session.transactionFailed = false
                return .reply(.ok)
            }),
    ]
}
