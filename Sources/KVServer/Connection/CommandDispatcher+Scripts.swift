import KVCore
import KVScripting

/// Running a Lua script: its commands under the one database lock hold, through the same
/// checks a client's commands pass plus Redis's script rules, their effects logged as one
/// record so that replicas and recovery apply the effects and never run Lua.
extension CommandDispatcher {
    /// The server's script engine, made on first use (kv builds no Lua state until a script
    /// is used).
    func scriptEngine(_ state: inout Database.State) -> ScriptEngine {
        if let engine = state.scripting { return engine }
        let engine = ScriptEngine(version: InfoReport.redisVersion)
        let logger = server.logger
        engine.log = { level, message in
            switch level {
            case .debug: logger.debug("\(message)", metadata: ["source": "script"])
            case .verbose: logger.info("\(message)", metadata: ["source": "script"])
            case .notice: logger.notice("\(message)", metadata: ["source": "script"])
            case .warning: logger.warning("\(message)", metadata: ["source": "script"])
            }
        }
        engine.commandExists = { name in
            name.withUnsafeBytes { ServerCommands.table.position(of: $0) != nil }
        }
        state.scripting = engine
        return engine
    }

    /// EVAL's checks, in Redis's order: the key count, then the script (compiled and cached
    /// for EVAL, looked up for EVALSHA).
    func prepareScript(_ arguments: Arguments, bySHA: Bool, readOnly: Bool, state: inout Database.State) -> Result<ScriptRequest, CommandError> {
        guard let parsed = IntegerText.parse(arguments[2]) else { return .failure(.notInteger) }
        let count = Int(parsed)
        if count > arguments.count - 3 { return .failure(CommandError("ERR Number of keys can't be greater than number of args")) }
        if count < 0 { return .failure(CommandError("ERR Number of keys can't be negative")) }
        let engine = scriptEngine(&state)
        let sha: String
        if bySHA {
            sha = arguments.string(1).lowercased()
            guard sha.utf8.count == 40, engine.contains(sha: sha) else { return .failure(Self.noScript) }
        } else {
            switch engine.load(arguments.bytes(1)) {
            case let .success(loaded): sha = loaded
            case let .failure(error): return .failure(error)
            }
        }
        let flags = engine.flags(sha: sha) ?? ScriptFlags()
        return .success(ScriptRequest(
            sha: sha,
            keys: (3..<(3 + count)).map { arguments.bytes($0) },
            arguments: ((3 + count)..<arguments.count).map { arguments.bytes($0) },
            readOnly: readOnly || flags.noWrites,
            command: OwnedArguments(arguments)))
    }

    static let noScript = CommandError("NOSCRIPT No matching script. Please use EVAL.")

    /// Runs `request` with the lock held: the script's reply. Its effects are committed as one
    /// record — unless EXEC runs it (they join the transaction's) or SHUTDOWN NOSAVE stopped
    /// it (they are dropped: the process ends without them, so recovery never sees half a
    /// script).
    func runScript(_ request: ScriptRequest, session: inout ClientSession, state: inout Database.State, clock: inout BatchClock) -> Reply {
        let engine = scriptEngine(&state)
        let activity = server.scripts
        let mark = state.effects.count
        let markDatabase = state.effectsDatabase
        // The script's own client, as Redis's: SELECT in a script does not change the caller's database.
        var scriptSession = ClientSession(id: session.id, passwordRequired: false)
        scriptSession.database = session.database
        scriptSession.address = session.address
        scriptSession.name = session.name
        scriptSession.executingTransaction = true
        activity.begin()
        let started = monotonicMicroseconds()
        defer { engine.noteRun(sha: request.sha, microseconds: monotonicMicroseconds() - started) }
        let reply = engine.run(sha: request.sha, keys: request.keys, arguments: request.arguments, killSwitch: activity.killSwitch) { command in
            scriptCall(command, readOnly: request.readOnly, dirty: state.effects.count > mark,
                       session: &scriptSession, state: &state, clock: &clock)
        }
        if activity.end() {
            state.effects.removeSubrange(mark...)
            state.effectsDatabase = markDatabase  // the record's cursor as before the script
            server.logger.warning("a script was stopped by SHUTDOWN NOSAVE: its writes are not logged")
            return reply
        }
        if !session.executingTransaction {
            if state.commitEffects(now: clock.context.now) != nil { session.wroteInBatch = true }
            if !state.blocked.ready.isEmpty { state.serveBlocked(context: clock.context) }
        }
        return reply
    }

    /// One `redis.call` of a script: Redis's checks (`scriptCall` in src/script.c) with its
    /// error texts, then the command, its effects left pending.
    func scriptCall(
        _ command: [[UInt8]], readOnly: Bool, dirty: Bool, session: inout ClientSession, state: inout Database.State,
        clock: inout BatchClock
    ) -> Reply {
        OwnedArguments(command).withArguments { arguments in
            let table = ServerCommands.table
            guard let position = table.position(of: arguments[0]) else { return .error(Self.unknownFromScript) }
            let container = table.rows[position]
            if !container.subcommands.isEmpty && arguments.count >= 2 && container.subcommand(arguments[1]) == nil {
                return .error(Self.unknownFromScript)
            }
            guard case let .success(row) = Self.resolve(container, arguments) else {
                return .error(CommandError("ERR Wrong number of args calling Redis command from script"))
            }
            let spec = row.spec
            if spec.flags.contains(.noscript) {
                return .error(CommandError("ERR This Redis command is not allowed from script"))
            }
            if spec.isWrite {
                if readOnly { return .error(CommandError("ERR Write commands are not allowed from read-only scripts.")) }
                // Once the script changed the dataset it must finish: no refusal for the server's state.
                if !dirty, let refusal = server.writeRefusal(for: spec, log: state.log) { return .error(refusal) }
                guard server.scripts.admitWrite() else {
                    return .error(CommandError("ERR Script killed by user with SCRIPT KILL..."))
                }
            }
            let reply: Reply
            switch row.handler {
            case let .keyspace(handler):
                // Keyspace events fire for a script's commands, as Redis's.
                reply = runNotifying(handler, spec, arguments, session: session, state: &state, context: clock.context)
            case let .server(handler):
                reply = inlineReply(handler(self, arguments, &session, &state, &clock), spec: spec, session: session, state: &state)
            }
            var failed = false
            if case .error = reply { failed = true }
            state.statistics.record(table.slot(of: row, at: position), microseconds: clock.lap(), failed: failed)
            // MONITOR shows a script's commands as Redis does, from the client `lua`.
            if server.monitors.isActive && !spec.flags.contains(.admin) {
                server.monitors.feed(arguments, client: "lua", microseconds: server.database.clock.nowMicroseconds(), redacting: [])
            }
            return reply
        }
    }

    static let unknownFromScript = CommandError("ERR Unknown Redis command called from script")

    /// A server command's outcome inside a script: answered at once, as inside EXEC.
    private func inlineReply(_ outcome: CommandOutcome, spec: CommandSpec, session: ClientSession, state: inout Database.State) -> Reply {
        switch outcome {
        case let .reply(reply), let .replyAndClose(reply): return reply
        case .waitForReplicas: return .integer(0)
        case let .block(client):
            state.blocked.remove(session.id)
            return client.timeoutReply
        default:
            return .error(CommandError("ERR This Redis command is not allowed from script"))
        }
    }

    /// SLOWLOG for a script run on the script thread (one run in place is timed as any
    /// command): the client's EVAL with the script's time.
    func logScriptIfSlow(_ request: ScriptRequest, microseconds: Int, session: ClientSession, state: inout Database.State,
                         clock: BatchClock) {
        guard state.slowlog.logs(microseconds) else { return }
        request.command.withArguments { arguments in
            guard let row = ServerCommands.table.lookup(arguments[0]) else { return }
            logIfSlow(row.spec, arguments, microseconds: microseconds, session: session, state: &state, clock: clock)
        }
    }

    /// SCRIPT KILL's reply.
    func killScript() -> Reply {
        switch server.scripts.kill() {
        case .killed: .ok
        case .notBusy: .error(CommandError("NOTBUSY No scripts in execution right now."))
        case .unkillable:
            .error(CommandError("UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."))
        }
    }
}
