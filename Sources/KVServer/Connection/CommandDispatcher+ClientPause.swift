import KVCore

/// CLIENT PAUSE, UNPAUSE and NO-EVICT, and the check that holds a command while a pause is on.
extension CommandDispatcher {
    /// Until when the command in `arguments` waits for a CLIENT PAUSE; nil when it runs now.
    ///
    /// Checked before the command runs, after the checks that answer it at once (unknown
    /// command, arity, AUTH, READONLY), as in Redis's `processCommand`. Replication requests
    /// never wait: a replica's stream goes on through a pause, as Redis never pauses replicas.
    func postponement(_ arguments: Arguments, session: ClientSession, state: Database.State) -> ContinuousClock.Instant? {
        guard arguments.count > 0, let position = ServerCommands.table.position(of: arguments[0]),
              case let .success(row) = Self.resolve(ServerCommands.table.rows[position], arguments) else { return nil }
        let spec = row.spec
        if !session.authenticated && !spec.flags.contains(.noAuth) { return nil }
        if spec.name.hasPrefix("kv.") { return nil }
        if spec.isWrite, server.writeRefusal(for: spec, log: state.log) != nil { return nil }
        let queued = session.queued?.map { ServerCommands.table.rows[$0.position].spec }
        return server.pauses.postponement(writes: ClientPauses.writes(spec, queued: queued))
    }

    /// CLIENT PAUSE timeout [WRITE|ALL], with Redis 7.0's errors.
    func clientPause(_ arguments: Arguments) -> Reply {
        guard arguments.count == 3 || arguments.count == 4 else {
            return .error(CommandError("ERR unknown subcommand or wrong number of arguments for '\(arguments.string(1))'. Try CLIENT HELP."))
        }
        guard let timeout = Int(arguments.string(2)) else {
            return .error(CommandError("ERR timeout is not an integer or out of range"))
        }
        guard timeout >= 0 else { return .error(CommandError("ERR timeout is negative")) }
        var scope = ClientPauseState<ContinuousClock.Instant>.Scope.all
        if arguments.count == 4 {
            if arguments.matches(3, "write") {
                scope = .write
            } else if !arguments.matches(3, "all") {
                return .error(CommandError("ERR CLIENT PAUSE mode must be WRITE or ALL"))
            }
        }
        server.pauses.pause(milliseconds: timeout, scope: scope)
        server.logger.notice("clients paused by CLIENT PAUSE", metadata: [
            "client": "\(record.address)", "milliseconds": "\(timeout)", "scope": "\(scope == .all ? "all" : "write")",
        ])
        return .ok
    }

    /// CLIENT NO-EVICT on|off: kept and shown (flag `e` in CLIENT LIST); kv never evicts
    /// clients, so it changes nothing else.
    func clientNoEvict(_ arguments: Arguments) -> Reply {
        let on: Bool
        if arguments.matches(2, "on") {
            on = true
        } else if arguments.matches(2, "off") {
            on = false
        } else {
            return .error(.syntax)
        }
        record.activity.withLock { $0.noEvict = on }
        return .ok
    }
}
