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
    let keyspaceBytes: Int
    let statistics: CommandStatistics

    /// A report on `state`, read under the database lock.
    init(server: ServerContext, state: borrowing Database.State) {
        self.server = server
        self.keyCount = state.keyspace.count
        self.expiringCount = state.keyspace.expiringCount
        self.keyspaceBytes = state.keyspace.memoryFootprint
        self.statistics = state.statistics
    }

    static let defaultSections = ["server", "clients", "memory", "persistence", "stats", "replication", "keyspace"]

    /// The requested sections (`default`, `all`, `everything` or names), rendered.
    func render(sections requested: [String]) -> String {
        var names = requested.isEmpty ? ["default"] : requested
        if names.contains(where: { ["default", "all", "everything"].contains($0) }) {
            names = Self.defaultSections + (names.contains("default") ? [] : ["commandstats"])
        }
        var text = ""
        for name in names {
            guard let fields = section(name) else { continue }
            if !text.isEmpty { text += "\r\n" }
            text += "# \(name.prefix(1).uppercased() + name.dropFirst())\r\n"
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
                ("total_error_replies", String(statistics.totalFailedCalls)),
                ("sync_full", String(replication.syncFull)),
                ("sync_partial_ok", String(replication.syncPartialOK)),
                ("sync_partial_err", String(replication.syncPartialErr)),
                ("kv_protocol_errors", String(counters.protocolErrors.load(ordering: .relaxed))),
                ("kv_cross_protocol_refused", String(counters.crossProtocolRefused.load(ordering: .relaxed))),
            ]
        case "replication":
            return ReplicationStatus(server: server).infoFields
        case "keyspace":
            let keys = keyCount
            return keys == 0 ? [] : [("db0", "keys=\(keys),expires=\(expiringCount),avg_ttl=0")]
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
