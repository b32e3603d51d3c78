import KVCore

/// LATENCY: the latency monitor's spikes (`LatencyMonitor`) and the per-command latency
/// distributions (`LatencyDistribution`), as Redis 7.0.
enum LatencyCommands {
    private typealias Row = CommandRow<ServerHandler>

    static let rows: [CommandRow<ServerHandler>] = [
        Row("latency", arity: -2, flags: [], group: "server", since: "2.8.13",
            summary: "A container for latency diagnostics commands.", subcommands: subcommands,
            handler: ServerCommands.needsSubcommand),
    ]

    private static let flags: CommandFlags = [.admin, .noscript, .loading, .stale]

    private static let subcommands: [CommandRow<ServerHandler>] = [
        Row("latency|latest", arity: 2, flags: flags, group: "server", since: "2.8.13",
            summary: "Returns the latest latency samples for all events.", handler: .server { dispatcher, _, _, _, _ in
                .reply(report(dispatcher).latest)
            }),
        Row("latency|history", arity: 3, flags: flags, group: "server", since: "2.8.13",
            summary: "Returns timestamp-latency samples for an event.", handler: .server { dispatcher, arguments, _, _, _ in
                .reply(report(dispatcher).history(arguments.string(2)))
            }),
        Row("latency|graph", arity: 3, flags: flags, group: "server", since: "2.8.13",
            summary: "Returns a latency graph for an event.", handler: .server { dispatcher, arguments, _, _, _ in
                let name = arguments.string(2)
                guard let graph = report(dispatcher).graph(name) else {
                    return .reply(.error(CommandError("ERR No samples available for event '\(name)'")))
                }
                return .reply(.verbatim(graph))
            }),
        Row("latency|doctor", arity: 2, flags: flags, group: "server", since: "2.8.13",
            summary: "Returns a human-readable latency analysis report.", handler: .server { dispatcher, _, _, _, _ in
                .reply(.verbatim(report(dispatcher).doctor(threshold: dispatcher.server.latency.threshold)))
            }),
        Row("latency|reset", arity: -2, flags: flags, group: "server", since: "2.8.13",
            summary: "Resets the latency data for one or more events.", handler: .server { dispatcher, arguments, _, _, _ in
                .reply(.integer(Int64(dispatcher.server.latency.reset((2..<arguments.count).map { arguments.string($0) }))))
            }),
        Row("latency|histogram", arity: -2, flags: flags, group: "server", since: "7.0.0",
            summary: "Returns the cumulative distribution of latencies of a subset or all commands.",
            handler: .server { _, arguments, _, state, _ in
                .reply(histogram(arguments, statistics: state.statistics))
            }),
        Row("latency|help", arity: 2, flags: [.loading, .stale], group: "server", since: "2.8.13",
            summary: "Returns helpful text about the different subcommands.", handler: .server { _, _, _, _, _ in
                helpReply([
                    "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                    "DOCTOR", "    Return a human readable latency analysis report.",
                    "GRAPH <event>", "    Return an ASCII latency graph for the <event> class.",
                    "HISTORY <event>", "    Return time-latency samples for the <event> class.",
                    "LATEST", "    Return the latest latency samples for all events.",
                    "RESET [<event> ...]", "    Reset latency data of one or more <event> classes.",
                    "    (default: reset all data for all event classes)",
                    "HISTOGRAM [COMMAND ...]",
                    "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
                    "    If no commands are specified then all histograms are replied.",
                    "HELP", "    Prints this help.",
                ])
            }),
    ]

    private static func report(_ dispatcher: CommandDispatcher) -> LatencyReport {
        let (events, now) = dispatcher.server.latency.snapshot()
        return LatencyReport(events: events, now: now)
    }

    /// LATENCY HISTOGRAM [command …]: every command called so far, or the named ones (a
    /// container with its subcommands; unknown names skipped), as Redis's map of
    /// `calls` and `histogram_usec`.
    static func histogram(_ arguments: Arguments, statistics: CommandStatistics) -> Reply {
        let distributions = statistics.distributionByName
        var names: [String] = []
        if arguments.count == 2 {
            names = distributions.keys.sorted()
        } else {
            for index in 2..<arguments.count {
                guard let row = ServerCommands.table.lookup(fullName: arguments[index]) else { continue }
                let name = row.spec.name
                if distributions[name] != nil { names.append(name) }
                names += distributions.keys.filter { $0.hasPrefix(name + "|") }.sorted()
            }
        }
        return .map(names.map { name in
            let distribution = distributions[name]!
            return (.bulk(name), .map([
                (.bulk("calls"), .integer(Int64(distribution.calls))),
                (.bulk("histogram_usec"), .map(distribution.cumulative.map { (.integer(Int64($0.key)), .integer(Int64($0.count))) })),
            ]))
        })
    }
}
