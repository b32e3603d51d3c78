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
        guard let position = CommandTable.position(of: arguments[0]) else {
            // As Redis: the request line or a header of HTTP sent to this port. Checked only
            // for unknown names, so the common path pays nothing for it.
            if arguments.matches(0, "post") || arguments.matches(0, "host:") { return .refuseCrossProtocol }
            if session.inTransaction { session.transactionFailed = true }
            return .reply(.error(.unknownCommand(arguments)))
        }
        let spec = CommandTable.all[position]
        guard spec.accepts(argumentCount: arguments.count) else {
            if session.inTransaction { session.transactionFailed = true }
            return .reply(.error(.wrongArity(spec.name)))
        }
        if !session.authenticated && !spec.flags.contains(.noAuth) {
            if spec.name == "kv.clone" || spec.name == "kv.stream" {
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
        if session.inTransaction && !Self.runsInsideMulti.contains(spec.name) {
            session.queued!.append(QueuedCommand(position: position, arguments: OwnedArguments(arguments)))
            return .reply(.simple("QUEUED"))
        }
        if spec.flags.contains(.denyOOM) { server.memory.admitted(bytes: arguments.byteCount) }
        return execute(position, arguments, session: &session, state: &state, clock: &clock)
    }

    /// Commands that act at once even between MULTI and EXEC.
    static let runsInsideMulti: Set<String> = ["exec", "discard", "multi", "quit", "reset", "watch"]

    /// Executes a command that passed the checks, timing it for the statistics.
    func execute(
        _ position: Int,
        _ arguments: Arguments,
        session: inout ClientSession,
        state: inout Database.State,
        clock: inout BatchClock
    ) -> CommandOutcome {
        let spec = CommandTable.all[position]
        let outcome: CommandOutcome
        switch spec.handler {
        case let .keyspace(command):
            outcome = .reply(state.execute(command, arguments, context: clock.context))
            if spec.isWrite { session.wroteInBatch = true }
        case .connection:
            outcome = runConnectionCommand(spec, arguments, session: &session, state: &state, clock: &clock)
        }
        var failed = false
        if case .reply(.error) = outcome { failed = true }
        state.statistics.record(position, microseconds: clock.lap(), failed: failed)
        return outcome
    }

    /// EXEC: every queued command under the one lock hold, their effects logged as one record.
    func exec(session: inout ClientSession, state: inout Database.State, clock: inout BatchClock) -> CommandOutcome {
        guard let queued = session.queued else { return .reply(.error(.execWithoutMulti)) }
        let failed = session.transactionFailed
        session.queued = nil
        session.transactionFailed = false
        if failed { return .reply(.error(.execAbort)) }
        // What changed since the commands were queued (the disk filled, memory grew) refuses
        // the whole transaction, as Redis refuses the EXEC.
        for command in queued {
            let spec = CommandTable.all[command.position]
            if spec.isWrite, let refusal = server.writeRefusal(for: spec, log: state.log) { return .reply(.error(refusal)) }
        }
        let context = clock.context
        var replies: [Reply] = []
        replies.reserveCapacity(queued.count)
        for command in queued {
            let spec = CommandTable.all[command.position]
            let reply: Reply = command.arguments.withArguments { arguments in
                switch spec.handler {
                case let .keyspace(keyspaceCommand):
                    return state.keyspace.execute(keyspaceCommand, arguments, context: context, effects: &state.effects)
                case .connection:
                    switch runConnectionCommand(spec, arguments, session: &session, state: &state, clock: &clock) {
                    case let .reply(reply), let .replyAndClose(reply): return reply
                    case .refuseCrossProtocol: return .error(.unknownCommand(arguments))
                    case .waitForReplicas: return .integer(0)
                    case .waitForLSN, .serveClone, .serveStream:
                        return .error(CommandError("ERR \(spec.name.uppercased()) is not allowed inside MULTI"))
                    }
                }
            }
            var failed = false
            if case .error = reply { failed = true }
            state.statistics.record(command.position, microseconds: clock.lap(), failed: failed)
            replies.append(reply)
        }
        if state.commitEffects(now: context.now) != nil { session.wroteInBatch = true }
        return .reply(.array(replies))
    }
}

/// Microseconds on the monotonic clock.
func monotonicMicroseconds() -> Int {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Int(spec.tv_sec) * 1_000_000 + Int(spec.tv_nsec) / 1000
}
