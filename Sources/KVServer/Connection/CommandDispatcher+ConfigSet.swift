import KVCore

extension CommandDispatcher {
    /// The settings CONFIG SET changes while kv runs; every other one is a flag.
    static let settableParameters: Set<String> = ["latency-monitor-threshold", "notify-keyspace-events"]

    /// CONFIG SET parameter value [parameter value …]: only `latency-monitor-threshold` and
    /// `notify-keyspace-events` (kv's other settings are flags), with Redis's errors; all or
    /// nothing, as Redis: every pair is checked before any is applied.
    func configSet(_ arguments: Arguments) -> Reply {
        guard arguments.count % 2 == 0 else { return .error(.syntax) }
        var seen: Set<String> = []
        var threshold: Int?
        var events: KeyspaceEventClasses?
        for index in stride(from: 2, to: arguments.count, by: 2) {
            let name = arguments.lowercased(index)
            guard Self.settableParameters.contains(name) else {
                return .error(CommandError("ERR CONFIG SET is not supported by kv for '\(arguments.string(index))'; settings are flags and environment variables (see kv-server --help); only \(Self.settableParameters.sorted().joined(separator: ", ")) can be set"))
            }
            let failed = "ERR CONFIG SET failed (possibly related to argument '\(arguments.string(index))') - "
            guard seen.insert(name).inserted else { return .error(CommandError(failed + "duplicate parameter")) }
            if name == "notify-keyspace-events" {
                guard let classes = KeyspaceEventClasses(arguments.string(index + 1)) else {
                    return .error(CommandError(failed + "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."))
                }
                events = classes
                continue
            }
            guard let value = Int(arguments.string(index + 1)) else {
                return .error(CommandError(failed + "argument couldn't be parsed into an integer"))
            }
            guard value >= 0 else {
                return .error(CommandError(failed + "argument must be between 0 and 9223372036854775807 inclusive"))
            }
            threshold = value
        }
        if let threshold { server.latency.setThreshold(threshold) }
        if let events { server.pubsub.notifications.set(events) }
        return .ok
    }
}
