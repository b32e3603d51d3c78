import KVCore

/// BLPOP BRPOP BRPOPLPUSH BLMOVE BLMPOP BZPOPMIN BZPOPMAX BZMPOP: the non-blocking command
/// (LPOP, LMOVE, ZPOPMIN, …) run at once when a key has something, else the client blocks on
/// its keys (`BlockedClients`) until a write serves it, in the order clients blocked, or its
/// timeout passes. Inside MULTI (and EXEC) they never block: the timeout's answer at once,
/// as Redis. Each is a write: a replica refuses it (READONLY).
enum BlockingCommands {
    private typealias Row = CommandRow<ServerHandler>

    /// What a blocking command does once it may run: its keys, its non-blocking form, the
    /// type its keys must hold, what a timeout answers, and how the form's reply is shaped.
    struct Plan {
        var keys: [[UInt8]]
        var timeout: Duration?
        var kind: ValueKind
        var timeoutReply: Reply
        /// The non-blocking command for one key (BLPOP: `LPOP key`), or for all of them at once
        /// (BLMOVE, BLMPOP: nil `perKey`, `whole` set).
        var perKey: (([UInt8]) -> [[UInt8]])?
        var whole: [[UInt8]]?
        /// Shapes the form's reply (BLPOP: `[key, element]`).
        var shape: ([UInt8], Reply) -> Reply = { _, reply in reply }
    }

    static let rows: [CommandRow<ServerHandler>] = [
        Row("blpop", arity: -3, flags: [.write, .noscript, .blocking], keys: (1, -2, 1), group: "list", since: "2.0.0",
            summary: "Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
            handler: handler { arguments throws(CommandError) in try pop(arguments, kind: .list, command: "LPOP") }),
        Row("brpop", arity: -3, flags: [.write, .noscript, .blocking], keys: (1, -2, 1), group: "list", since: "2.0.0",
            summary: "Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
            handler: handler { arguments throws(CommandError) in try pop(arguments, kind: .list, command: "RPOP") }),
        Row("brpoplpush", arity: 4, flags: [.write, .denyOOM, .noscript, .blocking], keys: (1, 2, 1), group: "list", since: "2.2.0",
            summary: "Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped.",
            handler: handler { arguments throws(CommandError) in
                let timeout = try parseTimeout(arguments, at: 3)
                return Plan(keys: [arguments.bytes(1)], timeout: timeout, kind: .list, timeoutReply: .nullArray,
                            whole: [Array("RPOPLPUSH".utf8), arguments.bytes(1), arguments.bytes(2)])
            }),
        Row("blmove", arity: 6, flags: [.write, .denyOOM, .noscript, .blocking], keys: (1, 2, 1), group: "list", since: "6.2.0",
            summary: "Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved.",
            handler: handler { arguments throws(CommandError) in
                for index in [3, 4] where !arguments.matches(index, "left") && !arguments.matches(index, "right") {
                    throw CommandError.syntax
                }
                let timeout = try parseTimeout(arguments, at: 5)
                return Plan(keys: [arguments.bytes(1)], timeout: timeout, kind: .list, timeoutReply: .nullArray,
                            whole: [Array("LMOVE".utf8)] + (1...4).map { arguments.bytes($0) })
            }),
        Row("blmpop", arity: -5, flags: [.write, .blocking, .movableKeys], group: "list", since: "7.0.0",
            summary: "Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
            handler: handler { arguments throws(CommandError) in try multiPop(arguments, kind: .list, command: "LMPOP") }),
        Row("bzpopmin", arity: -3, flags: [.write, .noscript, .fast, .blocking], keys: (1, -2, 1), group: "sorted-set", since: "5.0.0",
            summary: "Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.",
            handler: handler { arguments throws(CommandError) in try pop(arguments, kind: .zset, command: "ZPOPMIN") }),
        Row("bzpopmax", arity: -3, flags: [.write, .noscript, .fast, .blocking], keys: (1, -2, 1), group: "sorted-set", since: "5.0.0",
            summary: "Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.",
            handler: handler { arguments throws(CommandError) in try pop(arguments, kind: .zset, command: "ZPOPMAX") }),
        Row("bzmpop", arity: -5, flags: [.write, .blocking, .movableKeys], group: "sorted-set", since: "7.0.0",
            summary: "Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.",
            handler: handler { arguments throws(CommandError) in try multiPop(arguments, kind: .zset, command: "ZMPOP") }),
    ]

    /// BLPOP BRPOP BZPOPMIN BZPOPMAX: `key… timeout`; the answer names the key.
    private static func pop(_ arguments: Arguments, kind: ValueKind, command: String) throws(CommandError) -> Plan {
        let timeout = try parseTimeout(arguments, at: arguments.count - 1)
        var plan = Plan(keys: (1..<(arguments.count - 1)).map { arguments.bytes($0) }, timeout: timeout, kind: kind,
                        timeoutReply: .nullArray)
        plan.perKey = { key in [Array(command.utf8), key] }
        plan.shape = { key, reply in
            switch reply {
            case let .array(items): .array([.bulk(key)] + items)
            case let .pairs(pairs): .array([.bulk(key)] + pairs.flatMap { [$0.0, $0.1] })
            default: .array([.bulk(key), reply])
            }
        }
        return plan
    }

    /// BLMPOP BZMPOP: `timeout numkeys key… <where> [COUNT n]`, run as LMPOP/ZMPOP (which
    /// checks everything after the timeout).
    private static func multiPop(_ arguments: Arguments, kind: ValueKind, command: String) throws(CommandError) -> Plan {
        let timeout = try parseTimeout(arguments, at: 1)
        // Only a count that fits the arguments names keys (the form answers for any other).
        let keyCount = Int(arguments.string(2)) ?? 0
        let keys = keyCount > 0 && keyCount <= arguments.count - 3 ? (3..<(3 + keyCount)).map { arguments.bytes($0) } : []
        return Plan(keys: keys, timeout: timeout, kind: kind, timeoutReply: .nullArray,
                    whole: [Array(command.utf8)] + (2..<arguments.count).map { arguments.bytes($0) })
    }

    /// Redis's `getTimeoutFromObjectOrReply` in seconds: a float, not negative; 0 blocks
    /// without end.
    static func parseTimeout(_ arguments: Arguments, at index: Int) throws(CommandError) -> Duration? {
        guard let seconds = Double(arguments.string(index)), seconds.isFinite else {
            throw CommandError("ERR timeout is not a float or out of range")
        }
        if seconds < 0 { throw CommandError("ERR timeout is negative") }
        if seconds * 1000 > Double(Int64.max / 1_000_000) { throw CommandError("ERR timeout is out of range") }
        return seconds == 0 ? nil : .milliseconds(Int64((seconds * 1000).rounded(.up)))
    }

    /// The row's handler: the plan, then an attempt now, then blocking.
    private static func handler(_ plan: @escaping @Sendable (Arguments) throws(CommandError) -> Plan) -> ServerHandler {
        .server { dispatcher, arguments, session, state, clock in
            let server = dispatcher.server
            let made: Plan
            do throws(CommandError) { made = try plan(arguments) } catch { return .reply(.error(error)) }
            let database = session.database
            let context = clock.context
            if let reply = attempt(made, &state, database: database, context: context, initial: true, server: server) {
                if !session.executingTransaction, state.commitEffects(now: context.now) != nil { session.wroteInBatch = true }
                return .reply(reply)
            }
            if session.executingTransaction { return .reply(made.timeoutReply) }
            let mailbox = BlockedClient(timeoutReply: made.timeoutReply, timeout: made.timeout)
            session.blockedOnKeys = true
            state.blocked.block(BlockedClients.Waiter(
                client: session.id, keys: made.keys.map { WatchedKeys.Key(database: database, key: $0) },
                attempt: { state, context in
                    attempt(made, &state, database: database, context: context, initial: false, server: server)
                },
                mailbox: mailbox))
            return .block(mailbox)
        }
    }

    /// Runs the plan's non-blocking form when a key has something; nil when none has. A key of
    /// another type answers WRONGTYPE when the command is first run (Redis checks the keys in
    /// order), and keeps a blocked client waiting otherwise.
    static func attempt(
        _ plan: Plan, _ state: inout Database.State, database: Int, context: CommandContext, initial: Bool,
        server: ServerContext
    ) -> Reply? {
        func kind(of key: [UInt8]) -> ValueKind? {
            key.withUnsafeBytes { state.dataset[database].liveEntry($0, now: context.now)?.kind }
        }
        if let perKey = plan.perKey {
            for key in plan.keys {
                guard let found = kind(of: key) else { continue }
                guard found == plan.kind else {
                    if initial { return .error(.wrongType) }
                    continue
                }
                return plan.shape(key, run(perKey(key), &state, database: database, context: context, server: server))
            }
            return nil
        }
        // The whole form (LMOVE, LMPOP, …) checks its own arguments and types: run first, it
        // answers its errors; run again, only once a key holds something of the right type.
        guard let whole = plan.whole else { return nil }
        if !initial && !plan.keys.contains(where: { kind(of: $0) == plan.kind }) { return nil }
        let reply = run(whole, &state, database: database, context: context, server: server)
        switch reply {
        case .null, .nullArray: return nil
        default: return reply
        }
    }

    /// Runs a keyspace command on `database`, its effects pending, and publishes its keyspace
    /// events (the non-blocking form's: BLPOP served fires `lpop`, as Redis).
    private static func run(_ command: [[UInt8]], _ state: inout Database.State, database: Int, context: CommandContext,
                            server: ServerContext) -> Reply {
        OwnedArguments(command).withArguments { arguments in
            guard let row = ServerCommands.table.lookup(arguments[0]), case let .keyspace(handler) = row.handler else {
                return .error(.unknownCommand(arguments))
            }
            let mark = state.effects.count
            let reply = state.run(handler, row.spec, arguments, context: context, database: database)
            server.publishKeyspaceEvents(row.spec, arguments, database: database, effectsFrom: mark, state: state)
            return reply
        }
    }
}
