import KVCore

/// WAIT, kv's read-your-writes commands and the replication handshakes (docs/replication.md).
enum ReplicationCommands {
    private typealias Row = CommandRow<ServerHandler>

    static let rows: [CommandRow<ServerHandler>] = [
        Row("wait", arity: 3, flags: [.noscript, .blocking], group: "generic", since: "3.0.0",
            summary: "Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed.",
            handler: .server { dispatcher, arguments, _, _, _ in
                guard let count = Int(arguments.string(1)) else { return .reply(.error(.notInteger)) }
                guard let timeout = Int(arguments.string(2)) else {
                    return .reply(.error(CommandError("ERR timeout is not an integer or out of range")))
                }
                guard timeout >= 0 else { return .reply(.error(CommandError("ERR timeout is negative"))) }
                if dispatcher.server.isReplica { return .reply(.error(CommandError("ERR WAIT cannot be used with replica instances."))) }
                return .waitForReplicas(count: count, timeoutMilliseconds: timeout)
            }),
        Row("waitaof", arity: 4, flags: [.noscript, .blocking], group: "generic", since: "7.2.0",
            summary: "Blocks until all of the preceding write commands sent by the connection are written to the append-only file of the primary and/or replicas.",
            handler: .server { dispatcher, arguments, _, _, _ in
                // Redis's checks, in its order and with its texts (checked against valkey-server).
                guard let local = Int(arguments.string(1)) else { return .reply(.error(.notInteger)) }
                guard (0...1).contains(local) else {
                    return .reply(.error(CommandError("ERR value is out of range, value must between 0 and 1")))
                }
                guard let count = Int(arguments.string(2)), count >= 0 else {
                    return .reply(.error(CommandError("ERR value is out of range, must be positive")))
                }
                guard let timeout = Int(arguments.string(3)) else {
                    return .reply(.error(CommandError("ERR timeout is not an integer or out of range")))
                }
                guard timeout >= 0 else { return .reply(.error(CommandError("ERR timeout is negative"))) }
                if dispatcher.server.isReplica {
                    return .reply(.error(CommandError(
                        "ERR WAITAOF cannot be used with replica instances. Please also note that writes to replicas are just local and are not propagated.")))
                }
                return .waitForFsync(local: local == 1, count: count, timeoutMilliseconds: timeout)
            }),
        Row("kv.lsn", arity: 1, flags: [.fast, .loading, .stale], group: "kv", since: "0.1.0",
            summary: "Returns the LSN of the connection's last write (0 if none).", handler: .server { _, _, session, state, _ in
                let lsn = session.wroteInBatch ? state.log.lastAssigned : session.lastWriteLSN
                return .reply(.integer(Int64(lsn.rawValue)))
            }),
        Row("kv.waitlsn", arity: 3, flags: [.noscript, .blocking, .loading, .stale], group: "kv", since: "0.1.0",
            summary: "Blocks until this pod has applied the given LSN, or fails after the timeout in milliseconds.",
            handler: .server { _, arguments, _, _, _ in
                guard let lsn = UInt64(arguments.string(1)), let timeout = Int(arguments.string(2)), timeout >= 0 else {
                    return .reply(.error(.notInteger))
                }
                return .waitForLSN(LSN(lsn), timeoutMilliseconds: timeout)
            }),
        Row("kv.digest", arity: 1, flags: [.loading, .stale], group: "kv", since: "0.1.0",
            summary: "Returns this pod's LSN and its dataset digest, taken together.", handler: .server { _, _, _, state, _ in
                // Under the database lock: the digest and the LSN describe the same state.
                let lsn = state.log.lastAssigned
                return .reply(.array([.integer(Int64(lsn.rawValue)), .bulk(Array(CommandDispatcher.hex(state.dataset.digest()).utf8))]))
            }),
        Row("kv.status", arity: 1, flags: [.loading, .stale], group: "kv", since: "0.2.0",
            summary: "Returns this pod's name, ordinal, /status document and recent history as JSON (the cluster page asks every pod).",
            handler: .server { dispatcher, _, _, state, _ in
                let server = dispatcher.server
                // Under the database lock: the key count comes from the locked state.
                let status = StatusDocument(server: server, ready: server.readiness.isReady, keys: state.dataset.count)
                return .reply(.array([
                    .bulk("pod"), .bulk(server.configuration.identity.podName),
                    .bulk("ordinal"), .integer(Int64(server.configuration.identity.ordinal)),
                    .bulk("status"), .bulk(status.render()),
                    .bulk("history"), .bulk(server.history.current.json.rendered),
                ]))
            }),
        Row("kv.clone", arity: 1, flags: [.admin, .noscript, .noMulti], group: "kv", since: "0.1.0",
            summary: "Turns the connection into a snapshot of this pod's data (replicas cloning).", handler: .server { dispatcher, _, _, _, _ in
                if let replica = dispatcher.server.replica {
                    let readiness = replica.report.withLock { $0.readiness }
                    guard readiness == .caughtUp else {
                        return .reply(.error(CommandError("KVNOTREADY this replica does not serve clones while not ready (\(readiness))")))
                    }
                }
                return .serveClone
            }),
        Row("kv.fetch", arity: 4, flags: [.admin, .noscript, .noMulti], group: "kv", since: "0.2.0",
            summary: "Sends the records of this pod's log after the given one, then closes (a starting primary catching up).",
            handler: .server { _, arguments, _, _, _ in
                .serveFetch(requestedBy: arguments)
            }),
        Row("kv.stream", arity: -4, flags: [.admin, .noscript, .noMulti], group: "kv", since: "0.1.0",
            summary: "Turns the connection into the primary's write-log stream (replicas).", handler: .server { dispatcher, arguments, _, _, _ in
                dispatcher.stream(arguments)
            }),
    ]
}
