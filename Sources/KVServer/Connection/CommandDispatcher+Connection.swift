import KVCore
import KVWire

/// The commands the keyspace does not know: connection state, transactions, introspection.
extension CommandDispatcher {
    func runConnectionCommand(
        _ spec: CommandSpec,
        _ arguments: Arguments,
        session: inout ClientSession,
        state: inout Database.State,
        clock: inout BatchClock
    ) -> CommandOutcome {
        switch spec.name {
        case "ping":
            if arguments.count > 2 { return .reply(.error(.wrongArity("ping"))) }
            return .reply(arguments.count == 2 ? .bulk(arguments.bytes(1)) : .simple("PONG"))
        case "echo":
            return .reply(.bulk(arguments.bytes(1)))
        case "auth":
            return .reply(authenticate(arguments, from: 1, session: &session))
        case "hello":
            return hello(arguments, session: &session, state: &state)
        case "select":
            guard let index = Int(arguments.string(1)) else { return .reply(.error(.notInteger)) }
            return .reply(index == 0 ? .ok : .error(.dbIndexOutOfRange))
        case "quit":
            return .replyAndClose(.ok)
        case "reset":
            session.reset(passwordRequired: server.passwordRequired)
            return .reply(.simple("RESET"))
        case "multi":
            if session.inTransaction { return .reply(.error(.nestedMulti)) }
            session.queued = []
            return .reply(.ok)
        case "exec":
            return exec(session: &session, state: &state, clock: &clock)
        case "discard":
            guard session.inTransaction else { return .reply(.error(.discardWithoutMulti)) }
            session.queued = nil
            session.transactionFailed = false
            return .reply(.ok)
        case "client":
            return .reply(client(arguments, session: &session))
        case "command":
            return .reply(command(arguments))
        case "info":
            return .reply(.verbatim(InfoReport(server: server, state: state).render(sections: (1..<arguments.count).map { arguments.lowercased($0) })))
        case "role":
            return .reply(ReplicationStatus(server: server).roleReply)
        case "wait":
            guard let count = Int(arguments.string(1)), let timeout = Int(arguments.string(2)) else {
                return .reply(.error(.notInteger))
            }
            guard timeout >= 0 else { return .reply(.error(CommandError("ERR timeout is negative"))) }
            if server.isReplica { return .reply(.error(CommandError("ERR WAIT cannot be used with replica instances."))) }
            return .waitForReplicas(count: count, timeoutMilliseconds: timeout)
        case "kv.lsn":
            let lsn = session.wroteInBatch ? state.log.lastAssigned : session.lastWriteLSN
            return .reply(.integer(Int64(lsn.rawValue)))
        case "kv.waitlsn":
            guard let lsn = UInt64(arguments.string(1)), let timeout = Int(arguments.string(2)), timeout >= 0 else {
                return .reply(.error(.notInteger))
            }
            return .waitForLSN(LSN(lsn), timeoutMilliseconds: timeout)
        case "debug":
            guard arguments.lowercased(1) == "digest", arguments.count == 2 else {
                return .reply(.error(CommandError("ERR unknown subcommand '\(arguments.string(1))'. kv supports DEBUG DIGEST only.")))
            }
            return .reply(.bulk(Array(Self.hex(state.keyspace.digest()).utf8)))
        case "kv.digest":
            // Under the database lock: the digest and the LSN describe the same state.
            let lsn = state.log.lastAssigned
            return .reply(.array([.integer(Int64(lsn.rawValue)), .bulk(Array(Self.hex(state.keyspace.digest()).utf8))]))
        case "kv.clone":
            if let replica = server.replica {
                let readiness = replica.report.withLock { $0.readiness }
                guard readiness == .caughtUp else {
                    return .reply(.error(CommandError("KVNOTREADY this replica does not serve clones while not ready (\(readiness))")))
                }
            }
            return .serveClone
        case "kv.stream":
            guard server.hub != nil else {
                return .reply(.error(CommandError("ERR KV.STREAM is served by the primary; this pod is a replica of \(server.configuration.primaryPeer)")))
            }
            // The arguments are read by the replication codec (KVReplicationWire.StreamRequest).
            return .serveStream(requestedBy: arguments)
        case "time":
            let micros = server.database.clock.nowMicroseconds()
            return .reply(.array([.bulk(String(micros / 1_000_000)), .bulk(String(micros % 1_000_000))]))
        case "config":
            return .reply(config(arguments))
        default:
            return .reply(.error(.unknownCommand(arguments)))
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// AUTH [username] password, from argument `start`.
    func authenticate(_ arguments: Arguments, from start: Int, session: inout ClientSession) -> Reply {
        let remaining = arguments.count - start
        guard remaining == 1 || remaining == 2 else { return .error(.syntax) }
        guard let password = server.configuration.password else {
            return .error(CommandError(
                "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
            ))
        }
        let user = remaining == 2 ? arguments.string(start) : "default"
        let given = arguments.string(arguments.count - 1)
        guard user == "default", constantTimeEquals(given, password) else {
            server.logger.notice("authentication failed", metadata: ["client": "\(record.address)"])
            return .error(.wrongPass)
        }
        session.authenticated = true
        return .ok
    }

    /// HELLO [protover [AUTH username password] [SETNAME name]]
    func hello(_ arguments: Arguments, session: inout ClientSession, state: inout Database.State) -> CommandOutcome {
        var version = session.version
        var index = 1
        if arguments.count > 1 {
            guard let requested = Int(arguments.string(1)) else {
                return .reply(.error(CommandError("ERR Protocol version is not an integer or out of range")))
            }
            guard let supported = RESPVersion(rawValue: requested) else {
                return .reply(.error(CommandError("NOPROTO unsupported protocol version")))
            }
            version = supported
            index = 2
        }
        var newName: String?
        while index < arguments.count {
            if arguments.matches(index, "auth"), index + 2 < arguments.count {
                let reply = authenticateHello(arguments, userIndex: index + 1, session: &session)
                if case .error = reply { return .reply(reply) }
                index += 3
            } else if arguments.matches(index, "setname"), index + 1 < arguments.count {
                newName = arguments.string(index + 1)
                index += 2
            } else {
                return .reply(.error(CommandError("ERR Syntax error in HELLO option '\(arguments.string(index))'")))
            }
        }
        guard session.authenticated else {
            return .reply(.error(CommandError("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")))
        }
        if let newName {
            session.name = newName
            record.activity.withLock { $0.name = newName }
        }
        session.version = version
        record.activity.withLock { $0.version = version.rawValue }
        return .reply(.map([
            (.bulk("server"), .bulk("redis")),
            (.bulk("version"), .bulk(InfoReport.redisVersion)),
            (.bulk("proto"), .integer(Int64(version.rawValue))),
            (.bulk("id"), .integer(Int64(session.id))),
            (.bulk("mode"), .bulk("standalone")),
            (.bulk("role"), .bulk("master")),
            (.bulk("modules"), .array([])),
        ]))
    }

    private func authenticateHello(_ arguments: Arguments, userIndex: Int, session: inout ClientSession) -> Reply {
        OwnedArguments([Array("auth".utf8), arguments.bytes(userIndex), arguments.bytes(userIndex + 1)])
            .withArguments { authenticate($0, from: 1, session: &session) }
    }

    /// CLIENT SETNAME | GETNAME | ID | INFO | LIST | SETINFO
    func client(_ arguments: Arguments, session: inout ClientSession) -> Reply {
        let sub = arguments.lowercased(1)
        switch sub {
        case "id":
            return .integer(Int64(session.id))
        case "getname":
            return session.name.map { .bulk($0) } ?? .null
        case "setname":
            guard arguments.count == 3 else { return .error(.wrongArity("client|setname")) }
            let name = arguments.string(2)
            if name.utf8.contains(where: { $0 <= 32 || $0 >= 127 }) {
                return .error(CommandError("ERR Client names cannot contain spaces, newlines or special characters."))
            }
            session.name = name.isEmpty ? nil : name
            record.activity.withLock { $0.name = session.name }
            return .ok
        case "setinfo":
            return arguments.count == 4 ? .ok : .error(.wrongArity("client|setinfo"))
        case "info":
            return .verbatim(record.line() + "\n")
        case "list":
            return .verbatim(server.clients.all.map { $0.line() + "\n" }.joined())
        case "help":
            return .array(["CLIENT <subcommand> [<arg> ...]", "ID", "GETNAME", "SETNAME <name>", "SETINFO <attr> <value>", "INFO", "LIST"].map { .simple($0) })
        default:
            return .error(.unknownSubcommand(arguments.string(1), of: "client"))
        }
    }

    /// CONFIG GET pattern… (read-only view of the settings clients and tools ask about).
    func config(_ arguments: Arguments) -> Reply {
        let sub = arguments.lowercased(1)
        switch sub {
        case "get":
            guard arguments.count >= 3 else { return .error(.wrongArity("config|get")) }
            let values = ConfigView(configuration: server.configuration).values
            var pairs: [(Reply, Reply)] = []
            for index in 2..<arguments.count {
                let pattern = arguments.bytes(index).map { ($0 >= 65 && $0 <= 90) ? $0 | 0x20 : $0 }
                let matching = values.filter { key, _ in
                    pattern.withUnsafeBytes { pattern in
                        Array(key.utf8).withUnsafeBytes { GlobPattern(pattern: pattern).matches($0) }
                    }
                }
                for (key, value) in matching {
                    if !pairs.contains(where: { $0.0 == .bulk(key) }) { pairs.append((.bulk(key), .bulk(value))) }
                }
            }
            return .map(pairs)
        case "set":
            return .error(CommandError("ERR CONFIG SET is not supported by kv; settings are flags and environment variables (see kv-server --help)"))
        case "resetstat":
            return .ok
        default:
            return .error(.unknownSubcommand(arguments.string(1), of: "config"))
        }
    }
}

/// Compares without leaking the position of the first difference through timing.
func constantTimeEquals(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    var difference = UInt8(x.count == y.count ? 0 : 1)
    for index in 0..<max(x.count, y.count) {
        difference |= (index < x.count ? x[index] : 0) ^ (index < y.count ? y[index] : 0)
    }
    return difference == 0
}
