import KVCore

/// The commands that span databases (SELECT picks one per connection): FLUSHALL, MOVE, SWAPDB,
/// COPY … DB. They run on the dataset, with the same effects-as-records rule as the keyspace's
/// commands: what they changed, under a `.select` of each database it was in.
enum DatasetCommands {
    private typealias Row = CommandRow<ServerHandler>

    /// KVCore rows the server runs itself: FLUSHALL clears every database, not the selected one.
    static let overrides: [String: ServerHandler] = [
        "flushall": .server { _, arguments, session, state, clock in
            if arguments.count > 2 || (arguments.count == 2 && !arguments.matches(1, "async") && !arguments.matches(1, "sync")) {
                return .reply(.error(.syntax))
            }
            if state.dataset.count > 0 {
                for index in state.dataset.databases.indices { state.dataset.databases[index].removeAll() }
                state.effects.append(.flushAll)
                commit(&session, &state, clock)
            }
            return .reply(.ok)
        },
    ]

    static let rows: [CommandRow<ServerHandler>] = [
        Row("move", arity: 3, flags: [.write, .fast], keys: (1, 1, 1), group: "generic", since: "1.0.0",
            summary: "Moves a key to another database.", handler: .server { dispatcher, arguments, session, state, clock in
                guard let target = Int(arguments.string(2)) else { return .reply(.error(.notInteger)) }
                guard dispatcher.server.databaseExists(target) else { return .reply(.error(.dbIndexOutOfRange)) }
                let source = session.database
                if target == source { return .reply(.error(CommandError("ERR source and destination objects are the same"))) }
                let mark = state.effects.count
                let context = clock.context
                let key = arguments[1]
                let entry = state.change(in: source) { keyspace, effects in keyspace.liveEntry(key, context: context, effects: &effects) }
                let taken = state.change(in: target) { keyspace, effects in keyspace.liveEntry(key, context: context, effects: &effects) } != nil
                var moved = false
                if let entry, !taken {
                    state.change(in: source) { keyspace, effects in
                        keyspace.remove(key)
                        effects.append(.delete(key: Array(key)))
                    }
                    state.change(in: target) { keyspace, effects in
                        keyspace.insert(entry)
                        effects.append(.put(entry))
                    }
                    moved = true
                }
                dispatcher.publishKeyspaceEvents(Self.moveSpec, arguments, database: source, effectsFrom: mark, state: state)
                commit(&session, &state, clock)
                return .reply(.integer(moved ? 1 : 0))
            }),
        Row("copy", arity: -3, flags: [.write, .denyOOM], keys: (1, 2, 1), group: "generic", since: "6.2.0",
            summary: "Copies the value of a key to a new key.", handler: .server { dispatcher, arguments, session, state, clock in
                var target = session.database
                var replace = false
                var index = 3
                while index < arguments.count {
                    if arguments.matches(index, "replace") {
                        replace = true
                    } else if arguments.matches(index, "db"), index + 1 < arguments.count {
                        guard let number = Int(arguments.string(index + 1)) else { return .reply(.error(.notInteger)) }
                        guard dispatcher.server.databaseExists(number) else { return .reply(.error(.dbIndexOutOfRange)) }
                        target = number
                        index += 1
                    } else {
                        return .reply(.error(.syntax))
                    }
                    index += 1
                }
                if target == session.database && arguments[1].elementsEqual(arguments[2]) {
                    return .reply(.error(CommandError("ERR source and destination objects are the same")))
                }
                let context = clock.context
                let mark = state.effects.count
                let source = state.change(in: session.database) { keyspace, effects in
                    keyspace.liveEntry(arguments[1], context: context, effects: &effects)
                }
                guard let source else {
                    commit(&session, &state, clock)
                    return .reply(.integer(0))
                }
                let copied: Bool = state.change(in: target) { keyspace, effects in
                    if keyspace.liveEntry(arguments[2], context: context, effects: &effects) != nil {
                        guard replace else { return false }
                    }
                    // Shared, not copied: the first edit of either key clones a collection.
                    let copy = source.rekeyed(arguments[2], expiresAt: source.expiresAt)
                    keyspace.insert(copy)
                    effects.append(.put(copy))
                    return true
                }
                dispatcher.publishKeyspaceEvents(Self.copySpec, arguments, database: session.database, effectsFrom: mark, state: state)
                commit(&session, &state, clock)
                return .reply(.integer(copied ? 1 : 0))
            }),
        Row("swapdb", arity: 3, flags: [.write, .fast], group: "server", since: "4.0.0",
            summary: "Swaps two Redis databases.", handler: .server { dispatcher, arguments, session, state, clock in
                guard let first = Int(arguments.string(1)) else { return .reply(.error(CommandError("ERR invalid first DB index"))) }
                guard let second = Int(arguments.string(2)) else { return .reply(.error(CommandError("ERR invalid second DB index"))) }
                guard dispatcher.server.databaseExists(first) && dispatcher.server.databaseExists(second) else {
                    return .reply(.error(.dbIndexOutOfRange))
                }
                if first != second {
                    state.dataset.ensure(max(first, second))
                    state.dataset.databases.swapAt(first, second)
                    state.effects.append(.swapDatabases(first, second))
                    commit(&session, &state, clock)
                }
                return .reply(.ok)
            }),
    ]

    /// Logs what the command changed as one record, unless it runs inside EXEC (which logs the
    /// whole transaction as one).
    /// The rows' specs, for their keyspace events.
    static let moveSpec = rows.first { $0.spec.name == "move" }!.spec
    static let copySpec = rows.first { $0.spec.name == "copy" }!.spec

    private static func commit(_ session: inout ClientSession, _ state: inout Database.State, _ clock: BatchClock) {
        guard !session.executingTransaction, state.commitEffects(now: clock.context.now) != nil else { return }
        session.wroteInBatch = true
    }
}

extension Database.State {
    /// Runs `body` on database `index` with the pending effects; what it appends is marked as
    /// that database's (a `.select` before it when needed).
    mutating func change<R>(in index: Int, _ body: (inout Keyspace, inout [WriteOperation]) -> R) -> R {
        dataset.ensure(index)
        let mark = effects.count
        let result = body(&dataset.databases[index], &effects)
        noteDatabase(index, effectsFrom: mark)
        return result
    }
}

extension ServerContext {
    /// True when SELECT may pick database `index` (`--databases`).
    func databaseExists(_ index: Int) -> Bool { index >= 0 && index < configuration.databases }
}
