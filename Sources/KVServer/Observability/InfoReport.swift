import KVCore

#if canImport(Glibc)
import Glibc
#endif

/// INFO, in Redis's format: `# Section` headers, `field:value` lines, CRLF line ends.
struct InfoReport {
    /// The Redis version kv reports, so that clients enable the features kv implements.
    static let redisVersion = "7.2.0"
    static let kvVersion = "0.1.0"

    let server: ServerContext
    let keyCount: Int
    let expiringCount: Int
    /// Each non-empty database's index, keys and keys with an expiry (INFO keyspace).
    let databases: [(index: Int, keys: Int, expires: Int)]
    let keyspaceBytes: Int
    let statistics: CommandStatistics

    /// A report on `state`, read under the database lock.
    init(server: ServerContext, state: borrowing Database.State) {
        self.server = server
        self.keyCount = state.dataset.count
        self.expiringCount = state.dataset.expiringCount
        self.databases = state.dataset.databases.enumerated().compactMap { index, keyspace in
            keyspace.count == 0 ? nil : (index, keyspace.count, keyspace.expiringCount)
        }
        self.keyspaceBytes = state.dataset.memoryFootprint
        self.statistics = state.statistics
    }

    /// Redis 7's sections, in the order it renders them whatever order they are asked in.
    static let order = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules",
                        "commandstats", "errorstats", "latencystats", "cluster", "keyspace"]
    /// What `INFO` and `INFO default` show: every section but the command statistics and the
    /// latency percentiles, as Redis.
    static let defaultSections: Set<String> = Set(order).subtracting(["commandstats", "latencystats"])
    /// Redis's default `latency-tracking-info-percentiles`.
    static let latencyPercentiles: [(label: String, value: Double)] = [("p50", 50), ("p99", 99), ("p99.9", 99.9)]

    /// The requested sections rendered: names in any case and order, `default`, `all` (every
    /// section) or `everything` (the same: kv has no modules); unknown names add nothing, as
    /// in Redis.
    func render(sections requested: [String]) -> String {
        var names = Set(requested.map { $0.lowercased() })
        if names.isEmpty || names.remove("default") != nil { names.formUnion(Self.defaultSections) }
        if names.remove("all") != nil || names.remove("everything") != nil { names.formUnion(Self.order) }
        var text = ""
        for name in Self.order where names.contains(name) {
            guard let fields = section(name) else { continue }
            if !text.isEmpty { text += "\r\n" }
            text += "# \(name == "cpu" ? "CPU" : name.prefix(1).uppercased() + name.dropFirst())\r\n"
            for (key, value) in fields { text += "\(key):\(value)\r\n" }
        }
        return text
    }

    func section(_ name: String) -> [(String, String)]? {
        let configuration = server.configuration
        let log = server.database.log
        let progress = log.progress
        let logStatistics = log.statistics
        switch name {
        case "server":
            return [
                ("redis_version", Self.redisVersion),
                ("kv_version", Self.kvVersion),
                ("redis_mode", "standalone"),
                ("os", "Linux"),
                ("arch_bits", "64"),
                ("process_id", String(getpid())),
                ("run_id", server.runID),
                ("tcp_port", String(configuration.port)),
                ("uptime_in_seconds", String(server.uptimeSeconds)),
                ("uptime_in_days", String(server.uptimeSeconds / 86400)),
                ("kv_pod", configuration.identity.podName),
                ("kv_ordinal", String(configuration.identity.ordinal)),
                ("kv_role", configuration.identity.role.rawValue),
                ("kv_threads", String(configuration.threads)),
            ]
        case "clients":
            return [
                ("connected_clients", String(server.clients.count)),
                ("maxclients", String(configuration.maxClients)),
                ("blocked_clients", "0"),
            ]
        case "memory":
            let used = ProcessMemory.allocatedBytes
            let rss = ProcessMemory.residentBytes
            return [
                ("used_memory", String(used)),
                ("used_memory_human", ProcessMemory.human(used)),
                ("used_memory_rss", String(rss)),
                ("used_memory_rss_human", ProcessMemory.human(rss)),
                ("kv_keyspace_bytes", String(keyspaceBytes)),
                ("maxmemory", String(configuration.maxMemory)),
                ("maxmemory_human", ProcessMemory.human(configuration.maxMemory)),
                ("maxmemory_policy", "noeviction"),
                ("mem_allocator", "libc"),
            ]
        case "persistence":
            return [
                ("loading", "0"),
                ("rdb_changes_since_last_save", String(progress.lastAssigned.rawValue - min(progress.lastAssigned.rawValue, logStatistics.snapshotLSN.rawValue))),
                ("rdb_bgsave_in_progress", server.snapshots.inProgress.load(ordering: .relaxed) ? "1" : "0"),
                ("rdb_last_save_time", String(server.snapshots.lastSave.load(ordering: .relaxed))),
                ("rdb_last_bgsave_status", server.snapshots.lastSaveSucceeded.load(ordering: .relaxed) ? "ok" : "err"),
                ("aof_enabled", "1"),
                ("aof_last_write_status", progress.failure == nil ? "ok" : "err"),
                ("kv_fsync", configuration.fsync.rawValue),
                ("kv_last_lsn", String(progress.lastAssigned.rawValue)),
                ("kv_written_lsn", String(progress.written.rawValue)),
                ("kv_durable_lsn", String(progress.durable.rawValue)),
                ("kv_log_bytes_written", String(logStatistics.bytesWritten)),
                ("kv_log_bytes_since_snapshot", String(logStatistics.logBytesSinceSnapshot)),
                ("kv_fsyncs", String(logStatistics.fsyncCount)),
                ("kv_fsync_microseconds_total", String(logStatistics.fsyncMicrosecondsTotal)),
                ("kv_recovery_snapshot_lsn", String(server.recovery.snapshotLSN.rawValue)),
                ("kv_recovery_records_replayed", String(server.recovery.recordsReplayed)),
                ("kv_recovery_seconds", String(server.recovery.seconds)),
            ]
        case "stats":
            let counters = server.counters
            let replication = ReplicationStatus(server: server)
            return [
                ("total_connections_received", String(counters.connectionsReceived.load(ordering: .relaxed))),
                ("total_commands_processed", String(statistics.totalCalls)),
                ("rejected_connections", String(counters.rejectedConnections.load(ordering: .relaxed))),
                ("total_net_input_bytes", String(counters.netInputBytes.load(ordering: .relaxed))),
                ("total_net_output_bytes", String(counters.netOutputBytes.load(ordering: .relaxed))),
                ("expired_keys", String(statistics.expiredKeys)),
                ("pubsub_channels", String(server.pubsub.count(.channel))),
                ("pubsub_patterns", String(server.pubsub.count(.pattern))),
                ("pubsubshard_channels", String(server.pubsub.count(.shard))),
                ("total_error_replies", String(statistics.totalFailedCalls)),
                ("sync_full", String(replication.syncFull)),
                ("sync_partial_ok", String(replication.syncPartialOK)),
                ("sync_partial_err", String(replication.syncPartialErr)),
                ("kv_protocol_errors", String(counters.protocolErrors.load(ordering: .relaxed))),
                ("kv_cross_protocol_refused", String(counters.crossProtocolRefused.load(ordering: .relaxed))),
            ]
        case "replication":
            return ReplicationStatus(server: server).infoFields
        case "cpu":
            var own = rusage(), children = rusage()
            getrusage(RUSAGE_SELF.rawValue, &own)
            getrusage(RUSAGE_CHILDREN.rawValue, &children)
            func seconds(_ time: timeval) -> String {
                let micros = String(time.tv_usec)
                return "\(time.tv_sec)." + String(repeating: "0", count: max(0, 6 - micros.count)) + micros
            }
            return [
                ("used_cpu_sys", seconds(own.ru_stime)),
                ("used_cpu_user", seconds(own.ru_utime)),
                ("used_cpu_sys_children", seconds(children.ru_stime)),
                ("used_cpu_user_children", seconds(children.ru_utime)),
            ]
        case "modules":
            return []
        case "errorstats":
            return statistics.errorsByCode.sorted { $0.key < $1.key }.map { ("errorstat_\($0.key)", "count=\($0.value)") }
        case "latencystats":
            // Whole microseconds, within 12.5 % (`LatencyHistogram`), in Redis's format.
            return statistics.latencyByName.sorted { $0.key < $1.key }.map { name, histogram in
                let values = Self.latencyPercentiles.map { percentile in
                    "\(percentile.label)=\(histogram.value(atPercentile: percentile.value)).000"
                }
                return ("latency_percentiles_usec_\(name)", values.joined(separator: ","))
            }
        case "cluster":
            return [("cluster_enabled", "0")]
        case "keyspace":
            return databases.map { ("db\($0.index)", "keys=\($0.keys),expires=\($0.expires),avg_ttl=0") }
        case "commandstats":
            return statistics.byName.sorted { $0.key < $1.key }.map { name, counter in
                let perCall = counter.calls == 0 ? 0 : Double(counter.microseconds) / Double(counter.calls)
                return ("cmdstat_\(name)", "calls=\(counter.calls),usec=\(counter.microseconds),usec_per_call=\(ProcessMemory.formatTwoDecimals(perCall)),rejected_calls=0,failed_calls=\(counter.failedCalls)")
            }
        default:
            return nil
        }
    }
}
