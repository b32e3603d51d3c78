import KVCore

/// SAVE, BGSAVE and LASTSAVE: a snapshot now (docs/protocol.md, "SAVE, BGSAVE, LASTSAVE"). kv's
/// write log is its AOF, always on; a snapshot compacts it, as Redis's RDB file does not.
enum PersistenceCommands {
    private typealias Row = CommandRow<ServerHandler>

    static let rows: [CommandRow<ServerHandler>] = [
        Row("save", arity: 1, flags: [.admin, .noscript, .noMulti], group: "server", since: "1.0.0",
            summary: "Synchronously saves the database(s) to disk.", handler: .server { _, _, _, _, _ in
                .waitForSnapshot
            }),
        Row("bgsave", arity: -1, flags: [.admin, .noscript], group: "server", since: "1.0.0",
            summary: "Asynchronously saves the database(s) to disk.", handler: .server { dispatcher, arguments, _, _, _ in
                guard arguments.count == 1 || (arguments.count == 2 && arguments.matches(1, "schedule")) else {
                    return .reply(.error(.syntax))
                }
                switch dispatcher.server.snapshots.start() {
                case .started: return .reply(.simple("Background saving started"))
                case .alreadyRunning: return .reply(.error(Self.alreadyRunning))
                case .unavailable: return .reply(.error(Self.unavailable))
                }
            }),
        Row("shutdown", arity: -1, flags: [.admin, .noscript, .loading, .stale, .noMulti, .allowBusy], group: "server",
            since: "1.0.0", summary: "Synchronously saves the database(s) to disk and shuts down the Redis server.",
            handler: .server { _, arguments, _, _, _ in
                var save: Bool?
                for index in 1..<max(1, arguments.count) {
                    if arguments.matches(index, "save") || arguments.matches(index, "nosave") {
                        guard save == nil else { return .reply(.error(.syntax)) }
                        save = arguments.matches(index, "save")
                    } else if arguments.matches(index, "abort") {
                        return .reply(.error(CommandError("ERR No shutdown in progress.")))
                    } else if !arguments.matches(index, "now") && !arguments.matches(index, "force") {
                        return .reply(.error(.syntax))
                    }
                }
                // Without SAVE, no snapshot: the log, flushed and fsynced at shutdown, is the data.
                return .shutdown(save: save ?? false)
            }),
        Row("lastsave", arity: 1, flags: [.loading, .stale, .fast], group: "server", since: "1.0.0",
            summary: "Returns the Unix timestamp of the last successful save to disk.", handler: .server { dispatcher, _, _, _, _ in
                .reply(.integer(Int64(dispatcher.server.snapshots.lastSave.load(ordering: .relaxed))))
            }),
    ]

    static let alreadyRunning = CommandError("ERR Background save already in progress")
    static let unavailable = CommandError("ERR no snapshot can be taken now (the server is starting or stopping)")
}
