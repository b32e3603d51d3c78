/// The settings CONFIG GET shows, under Redis's parameter names where Redis has one, so that
/// tools which probe them (redis-benchmark asks for `save` and `appendonly`) work.
struct ConfigView {
    let configuration: ServerConfiguration
    /// The live `latency-monitor-threshold` (CONFIG SET changes it); the flag's value if nil.
    var latencyMonitorThreshold: Int? = nil

    var values: [(String, String)] {
        [
            ("port", String(configuration.port)),
            ("bind", configuration.bindHost),
            ("dir", configuration.dataDirectory),
            ("appendonly", "yes"),
            ("appendfsync", configuration.fsync.rawValue),
            ("save", ""),
            ("databases", "1"),
            ("maxclients", String(configuration.maxClients)),
            ("slowlog-log-slower-than", String(configuration.slowlogLogSlowerThan)),
            ("slowlog-max-len", String(configuration.slowlogMaxLen)),
            ("busy-reply-threshold", String(configuration.busyReplyThreshold)),
            ("lua-time-limit", String(configuration.busyReplyThreshold)),
            ("latency-monitor-threshold", String(latencyMonitorThreshold ?? configuration.latencyMonitorThreshold)),
            ("maxmemory", String(configuration.maxMemory)),
            ("maxmemory-policy", "noeviction"),
            ("protected-mode", configuration.protectedMode ? "yes" : "no"),
            ("timeout", String(configuration.idleTimeoutSeconds)),
            ("proto-max-bulk-len", String(configuration.maxValueSize)),
            ("client-query-buffer-limit", String(configuration.maxRequestSize)),
            ("requirepass", configuration.password == nil ? "" : "(set)"),
            ("kv-http-port", String(configuration.httpPort)),
            ("kv-threads", String(configuration.threads)),
            ("kv-request-timeout", configuration.requestTimeout.map { String($0.components.seconds) } ?? "0"),
            ("kv-snapshot-after-bytes", String(configuration.snapshotAfterLogBytes)),
            ("kv-log-segment-bytes", String(configuration.logSegmentBytes)),
        ]
    }
}
