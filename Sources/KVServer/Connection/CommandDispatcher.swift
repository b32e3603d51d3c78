import KVCore
import KVWire

#if canImport(Glibc)
import Glibc
#endif

/// Runs one client's commands: the checks every command passes (known, arity, AUTH, MULTI
/// queueing, read-only), then either the keyspace or a connection command.
///
/// Called with the database lock held, once per command of a pipelined batch.
struct CommandDispatcher {
    let server: ServerContext
    let record: ClientRegistry.Record

    /// Runs the command in `arguments`.
    func run(
        _ arguments: Arguments,
        session: inout ClientSession,
        state: inout Database.State,
        clock: inout BatchClock
    ) -> CommandOutcome {
        guard arguments.count > 0 else { return .reply(.error(CommandError("ERR empty command"))) }
        let table = ServerCommands.table
        guard let position = table.position(of: arguments[0]) else {
            // As Redis: the request line or a header of HTTP sent to this port. Checked only
            // for unknown names, so the common path pays nothing for it.
            if arguments.matches(0, "post") || arguments.matches(0, "host:") { return .refuseCrossProtocol }
            if session.inTransaction { session.transactionFailed = true }
            return .reply(.error(.unknownCommand(arguments)))
        }
        let row: CommandRow<ServerHandler>
        switch Self.resolve(table.rows[position], arguments) {
        case let .success(resolved): row = resolved
        case let .failure(error):
            if session.inTransaction { session.transactionFailed = true }
            return .reply(.error(error))
        }
        let spec = row.spec
        if !session.authenticated && !spec.flags.contains(.noAuth) {
            if Self.replicationRequests.contains(spec.name) {
                server.logger.warning("refused a replication request without authentication", metadata: [
                    "client": "\(record.address)", "command": "\(spec.name.uppercased())",
                ])
            }
            return .reply(.error(.noAuth))
        }
        if spec.isWrite, let refusal = server.writeRefusal(for: spec, log: state.log) {
            if session.inTransaction { session.transactionFailed = true }
            return .reply(.error(refusal))
        }
        if session.version == .resp2 && session.subscriptions.total > 0
            && !PubSubCommands.allowedWhileSubscribed.contains(spec.name) {
            if session.inTransaction { session.transactionFailed = true }
            return .reply(.error(CommandError(
                "ERR Can't execute '\(spec.name)': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")))
        }
        if session.inTransaction && spec.flags.contains(.noMulti) {
            session.transactionFailed = true
            return .reply(.error(CommandError("ERR Command not allowed inside a transaction")))
        }
        if session.inTransaction && !spec.flags.contains(.runsInMulti) {
            session.queued!.append(QueuedCommand(position: position, arguments: OwnedArguments(arguments)))
            return .reply(.simple("QUEUED"))
        }
        if spec.flags.contains(.denyOOM) { server.memory.admitted(bytes: arguments.byteCount) }
        return execute(row, position: position, arguments, session: &session, state: &state, clock: &clock)
    }

    /// The requests that open a replication connection: refused ones are logged.
    static let replicationRequests: Set<String> = ["kv.clone", "kv.stream"]

    /// The row that runs `arguments`: the command's own, or its subcommand's for a container
    /// (CLIENT SETNAME) — with the arity checked, as Redis's `lookupCommand` and
    /// `processCommand` do.
    static func resolve(_ row: CommandRow<ServerHandler>, _ arguments: Arguments) -> Result<CommandRow<ServerHandler>, CommandError> {
        var row = row
        if !row.subcommands.isEmpty && arguments.count >= 2 {
            guard let subcommand = row.subcommand(arguments[1]) else {
                return .failure(.unknownSubcommand(arguments.string(1), of: row.spec.name))
            }
            row = subcommand
        }
        guard row.spec.accepts(argumentCount: arguments.count) else { return .failure(row.spec.wrongArity) }
        return .success(row)
    }

    /// Executes a command that passed the checks, timing it for the statistics (counted under
    /// its own row: a subcommand apart from its container, as Redis).
    func execute(
        _ row: CommandRow<ServerHandler>,
        position: Int,
        _ arguments: Arguments,
        session: inout ClientSession,
        state: inout Database.State,
        clock: inout BatchClock
    ) -> CommandOutcome {
        let outcome: CommandOutcome
        switch row.handler {
        case let .keyspace(handler) where server.pubsub.notifications.isOn:
            let reply = runNotifying(handler, row.spec, arguments, session: session, state: &state, context: clock.context)
            _ = state.commitEffects(now: clock.context.now)
            outcome = .reply(reply)
            if row.spec.isWrite { session.wroteInBatch = true }
        case let .keyspace(handler):
            outcome = .reply(state.execute(handler, row.spec, arguments, context: clock.context, database: session.database))
            if row.spec.isWrite { session.wroteInBatch = true }
        case let .server(handler):
            outcome = handler(self, arguments, &session, &state, &clock)
        }
        if !state.blocked.ready.isEmpty { state.serveBlocked(context: clock.context) }
        var failed = false
        if case .reply(.error) = outcome { failed = true }
        let microseconds = clock.lap()
        state.statistics.record(ServerCommands.table.slot(of: row, at: position), microseconds: microseconds, failed: failed)
        logIfSlow(row.spec, arguments, microseconds: microseconds, session: session, state: &state, clock: clock)
        server.latency.sample(row.spec, microseconds: microseconds)
        feedMonitors(row.spec, arguments, session: session)
        return outcome
    }

    /// EXEC: every queued command under the one lock hold, their effects logged as one record.
    func exec(session: inout ClientSession, state: inout Database.State, clock: inout BatchClock) -> CommandOutcome {
        guard let queued = session.queued else { return .reply(.error(.execWithoutMulti)) }
        let failed = session.transactionFailed
        session.queued = nil
        session.transactionFailed = false
        // A watched key changed, or expired, since WATCH: nothing runs (Redis 7.0's order:
        // a refused queued command first).
        let now = clock.context.now
        let watchedChanged = state.watched.isDirty(session.id) || session.watching.contains { watched in
            !watched.expiredWhenWatched
                && watched.key.key.withUnsafeBytes { state.dataset[watched.key.database].lookup($0)?.isExpired(at: now) == true }
        }
        session.unwatchAll(&state.watched)
        if failed { return .reply(.error(.execAbort)) }
        if watchedChanged { return .reply(.nullArray) }
        let table = ServerCommands.table
        // What changed since the commands were queued (the disk filled, memory grew) refuses
        // the whole transaction, as Redis refuses the EXEC.
        for command in queued {
            let spec = table.rows[command.position].spec
            if spec.isWrite, let refusal = server.writeRefusal(for: spec, log: state.log) { return .reply(.error(refusal)) }
        }
        let context = clock.context
        var replies: [Reply] = []
        replies.reserveCapacity(queued.count)
        session.executingTransaction = true
        defer { session.executingTransaction = false }
        for command in queued {
            var slot = table.slot(of: table.rows[command.position], at: command.position)
            let reply: Reply = command.arguments.withArguments { arguments in
                // Queued only once resolved: this finds the same row again.
                guard case let .success(row) = Self.resolve(table.rows[command.position], arguments) else {
                    return .error(.execAbort)
                }
                slot = table.slot(of: row, at: command.position)
                switch row.handler {
                case let .keyspace(handler) where server.pubsub.notifications.isOn:
                    return runNotifying(handler, row.spec, arguments, session: session, state: &state, context: context)
                case let .keyspace(handler):
                    return state.run(handler, row.spec, arguments, context: context, database: session.database)
                case let .server(handler):
                    switch handler(self, arguments, &session, &state, &clock) {
                    case let .reply(reply), let .replyAndClose(reply): return reply
                    case .waitForReplicas: return .integer(0)
                    case let .block(client):
                        // Never: a blocking command inside EXEC answers at once.
                        state.blocked.remove(session.id)
                        return client.timeoutReply
                    case let .waitForFsync(local, _, _):
                        // Inside MULTI WAITAOF does not block: the counts as they are, as Redis.
                        let (acked, fsynced) = server.hub?.waitProgress(target: session.lastWriteLSN,
                                                                         kind: .durable(local: local)) ?? (0, false)
                        return .array([.integer(fsynced ? 1 : 0), .integer(Int64(acked))])
                    case .waitForLSN, .waitForSnapshot, .shutdown, .startMonitor, .serveClone, .serveStream, .serveFetch,
                         .refuseCrossProtocol, .runScript:
                        return .error(CommandError("ERR \(row.spec.name.uppercased()) is not allowed inside MULTI"))
                    }
                }
            }
            var failed = false
            if case .error = reply { failed = true }
            let microseconds = clock.lap()
            state.statistics.record(slot, microseconds: microseconds, failed: failed)
            server.latency.sample(table.rows[command.position].spec, microseconds: microseconds)
            if state.slowlog.logs(microseconds) || server.monitors.isActive {
                command.arguments.withArguments { arguments in
                    logIfSlow(table.rows[command.position].spec, arguments, microseconds: microseconds, session: session,
                              state: &state, clock: clock)
                    feedMonitors(table.rows[command.position].spec, arguments, session: session)
                }
            }
            replies.append(reply)
        }
        if state.commitEffects(now: context.now) != nil { session.wroteInBatch = true }
        if !state.blocked.ready.isEmpty { state.serveBlocked(context: context) }
        return .reply(.array(replies))
    }
}

/// Microseconds on the monotonic clock.
func monotonicMicroseconds() -> Int {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Int(spec.tv_sec) * 1_000_000 + Int(spec.tv_nsec) / 1000
}

extension CommandDispatcher {
    /// SLOWLOG: a command that took at least `--slowlog-log-slower-than` is kept, with its
    /// arguments as Redis keeps them (AUTH's and HELLO's passwords redacted).
    func logIfSlow(_ spec: CommandSpec, _ arguments: Arguments, microseconds: Int, session: ClientSession,
                   state: inout Database.State, clock: BatchClock) {
        guard state.slowlog.logs(microseconds), !spec.flags.contains(.skipSlowlog) else { return }
        state.slowlog.record(arguments, microseconds: microseconds, time: Int(clock.context.now.rawValue / 1000),
                             client: session.address, clientName: session.name ?? "",
                             redacting: Self.redactedArguments(arguments))
    }

    /// MONITOR: every command executed but the admin ones (as Redis), secrets redacted.
    func feedMonitors(_ spec: CommandSpec, _ arguments: Arguments, session: ClientSession) {
        guard server.monitors.isActive, !spec.flags.contains(.admin) else { return }
        server.monitors.feed(arguments, client: session.address, microseconds: server.database.clock.nowMicroseconds(),
                             redacting: Self.redactedArguments(arguments))
    }

    /// The positions of secrets in a command's arguments: AUTH's, and HELLO's after `AUTH`.
    static func redactedArguments(_ arguments: Arguments) -> Set<Int> {
        if arguments.matches(0, "auth") { return Set(1..<arguments.count) }
        if arguments.matches(0, "hello"), let auth = (1..<arguments.count).first(where: { arguments.matches($0, "auth") }) {
            return Set((auth + 1)..<min(auth + 3, arguments.count))
        }
        return []
    }
}
