import KVCore
import KVWire

/// What the server's own commands share beyond a line or two (their rows are in `Commands/`).
extension CommandDispatcher {
    /// KV.STREAM <history> <after-lsn> <pod-name> [<port>]: this connection becomes a replica's
    /// stream (docs/replication.md).
    func stream(_ arguments: Arguments) -> CommandOutcome {
        guard server.hub != nil else {
            return .reply(.error(CommandError("ERR KV.STREAM is served by the primary; this pod is a replica of \(server.configuration.primaryPeer)")))
        }
        return .serveStream(requestedBy: arguments)
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
    func hello(_ arguments: Arguments, session: inout ClientSession) -> CommandOutcome {
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

    /// CLIENT SETNAME: a name without spaces or control characters; empty clears it.
    func setName(_ name: String, session: inout ClientSession) -> Reply {
        if name.utf8.contains(where: { $0 <= 32 || $0 >= 127 }) {
            return .error(CommandError("ERR Client names cannot contain spaces, newlines or special characters."))
        }
        session.name = name.isEmpty ? nil : name
        record.activity.withLock { $0.name = session.name }
        return .ok
    }

    /// CLIENT SETINFO lib-name|lib-ver <value>, as Redis 7.2.
    func setInfo(_ attribute: String, _ value: String) -> Reply {
        let name = attribute.lowercased()
        guard name == "lib-name" || name == "lib-ver" else {
            return .error(CommandError("ERR Unrecognized option '\(attribute)'"))
        }
        if value.utf8.contains(where: { $0 <= 32 || $0 >= 127 }) {
            return .error(CommandError("ERR \(attribute) cannot contain spaces, newlines or special characters."))
        }
        record.activity.withLock { activity in
            if name == "lib-name" { activity.libraryName = value } else { activity.libraryVersion = value }
        }
        return .ok
    }

    /// CLIENT LIST [TYPE normal|master|replica|pubsub | ID id …], as Redis 7.0: one filter or
    /// the other. kv's clients are of type pubsub while subscribed, else normal (replicas'
    /// streams are listed in INFO replication instead).
    func clientList(_ arguments: Arguments) -> Reply {
        var keep: (ClientRegistry.Record) -> Bool = { _ in true }
        if arguments.count == 4 && arguments.matches(2, "type") {
            let name = arguments.lowercased(3)
            guard ["normal", "master", "replica", "slave", "pubsub"].contains(name) else {
                return .error(CommandError("ERR Unknown client type '\(arguments.string(3))'"))
            }
            keep = { name == "pubsub" ? $0.isSubscribed : name == "normal" && !$0.isSubscribed }
        } else if arguments.count >= 4 && arguments.matches(2, "id") {
            var ids: Set<Int> = []
            for index in 3..<arguments.count {
                guard let id = Int(arguments.string(index)) else { return .error(CommandError("ERR Invalid client ID")) }
                ids.insert(id)
            }
            keep = { ids.contains($0.id) }
        } else if arguments.count != 2 {
            return .error(.syntax)
        }
        let descriptors = SocketDescriptors.read()
        return .verbatim(server.clients.all.filter(keep).map { client in
            client.line(fd: descriptors.descriptor(local: client.localAddress, remote: client.address)) + "\n"
        }.joined())
    }

    /// CONFIG GET pattern…: a read-only view of the settings clients and tools ask about.
    func configGet(_ arguments: Arguments) -> Reply {
        let values = ConfigView(configuration: server.configuration, latencyMonitorThreshold: server.latency.threshold).values
            + [("notify-keyspace-events", server.pubsub.notifications.current.text),
               ("client-output-buffer-limit", "normal 0 0 0 slave 0 0 0 " + server.pubsub.limit.description)]
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
