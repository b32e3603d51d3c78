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
        state: inout Database.State
    ) -> CommandOutcome {
        guard arguments.count > 0 else { return .reply(.error(CommandError("ERR empty command"))) }
        guard let spec = CommandTable.lookup(arguments[0]) else {
            if session.inTransaction { session.transactionFailed = true }
            return .reply(.error(.unknownCommand(arguments)))
        }
        guard spec.accepts(argumentCount: arguments.count) else {
            if session.inTransaction { session.transactionFailed = true }
            return .reply(.error(.wrongArity(spec.name)))
        }
        if !session.authenticated && !spec.flags.contains(.noAuth) {
            return .reply(.error(.noAuth))
        }
        if session.inTransaction && !Self.runsInsideMulti.contains(spec.name) {
            session.queued!.append(QueuedCommand(spec: spec, arguments: OwnedArguments(arguments)))
            return .reply(.simple("QUEUED"))
        }
        if spec.isWrite, let failure = server.database.log.failure {
            return .reply(.error(CommandError("MISCONF Errors writing to the write log: \(failure.message). Writes are refused until it can write again; reads still work.")))
        }
        return execute(spec, arguments, session: &session, state: &state)
    }

    /// Commands that act at once even between MULTI and EXEC.
    static let runsInsideMulti: Set<String> = ["exec", "discard", "multi", "quit", "reset", "watch"]

    /// Executes a command that passed the checks, timing it for the statistics.
    func execute(
        _ spec: CommandSpec,
        _ arguments: Arguments,
        session: inout ClientSession,
        state: inout Database.State
    ) -> CommandOutcome {
        let started = monotonicMicroseconds()
        let outcome: CommandOutcome
        switch spec.handler {
        case let .keyspace(command):
            let context = server.database.context()
            outcome = .reply(state.execute(command, arguments, context: context, log: server.database.log))
        case .connection:
            outcome = runConnectionCommand(spec, arguments, session: &session, state: &state)
        }
        var failed = false
        if case .reply(.error) = outcome { failed = true }
        state.statistics.record(spec.name, microseconds: monotonicMicroseconds() - started, failed: failed)
        return outcome
    }

    /// EXEC: every queued command under the one lock hold, their effects logged as one record.
    func exec(session: inout ClientSession, state: inout Database.State) -> CommandOutcome {
        guard let queued = session.queued else { return .reply(.error(.execWithoutMulti)) }
        let failed = session.transactionFailed
        session.queued = nil
        session.transactionFailed = false
        if failed { return .reply(.error(.execAbort)) }
        let context = server.database.context()
        var replies: [Reply] = []
        replies.reserveCapacity(queued.count)
        for command in queued {
            let reply: Reply = command.arguments.withArguments { arguments in
                switch command.spec.handler {
                case let .keyspace(keyspaceCommand):
                    return state.keyspace.execute(keyspaceCommand, arguments, context: context, effects: &state.effects)
                case .connection:
                    switch runConnectionCommand(command.spec, arguments, session: &session, state: &state) {
                    case let .reply(reply), let .replyAndClose(reply): return reply
                    case .waitForReplicas: return .integer(0)
                    }
                }
            }
            state.statistics.record(command.spec.name, microseconds: 0, failed: { if case .error = reply { true } else { false } }())
            replies.append(reply)
        }
        _ = state.commitEffects(log: server.database.log, now: context.now)
        return .reply(.array(replies))
    }
}

/// Microseconds on the monotonic clock.
func monotonicMicroseconds() -> Int {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Int(spec.tv_sec) * 1_000_000 + Int(spec.tv_nsec) / 1000
}
