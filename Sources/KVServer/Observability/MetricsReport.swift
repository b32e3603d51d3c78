/// `/metrics` in the Prometheus text format.
struct MetricsReport {
    let server: ServerContext
    let ready: Bool

    func render() -> String {
        let (statistics, keys, keyspaceBytes) = server.database.withLock { state in
            (state.statistics, state.dataset.count, state.dataset.memoryFootprint)
        }
        let progress = server.database.log.progress
        let logStatistics = server.database.log.statistics
        let counters = server.counters
        var text = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, String)]) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (labels, value) in samples { text += "\(name)\(labels) \(value)\n" }
        }
        let pod = "{pod=\"\(server.configuration.identity.podName)\"}"
        metric("kv_up", "gauge", "1 while the process serves.", [(pod, "1")])
        metric("kv_ready", "gauge", "1 while /readyz answers 200.", [("", ready ? "1" : "0")])
        metric("kv_is_primary", "gauge", "1 on the primary.", [("", server.configuration.identity.role == .primary ? "1" : "0")])
        metric("kv_commands_total", "counter", "Commands executed, by name.",
               statistics.byName.sorted { $0.key < $1.key }.map { ("{command=\"\($0.key)\"}", String($0.value.calls)) })
        metric("kv_command_errors_total", "counter", "Commands that answered an error, by name.",
               statistics.byName.sorted { $0.key < $1.key }.map { ("{command=\"\($0.key)\"}", String($0.value.failedCalls)) })
        var cumulative = 0
        var buckets: [(String, String)] = []
        for (index, bound) in CommandStatistics.bucketBounds.enumerated() {
            cumulative += statistics.latencyBuckets[index]
            buckets.append(("_bucket{le=\"\(Double(bound) / 1_000_000)\"}", String(cumulative)))
        }
        cumulative += statistics.latencyBuckets.last!
        buckets.append(("_bucket{le=\"+Inf\"}", String(cumulative)))
        let totalMicros = statistics.totalMicroseconds
        buckets.append(("_sum", String(Double(totalMicros) / 1_000_000)))
        buckets.append(("_count", String(cumulative)))
        text += "# HELP kv_command_duration_seconds Time to execute a command (under the database lock).\n"
        text += "# TYPE kv_command_duration_seconds histogram\n"
        for (suffix, value) in buckets { text += "kv_command_duration_seconds\(suffix) \(value)\n" }
        metric("kv_keys", "gauge", "Keys in the keyspace.", [("", String(keys))])
        metric("kv_keyspace_bytes", "gauge", "Estimated bytes held by keys, values and the table.", [("", String(keyspaceBytes))])
        metric("kv_memory_allocated_bytes", "gauge", "Bytes allocated by malloc.", [("", String(ProcessMemory.allocatedBytes))])
        metric("kv_memory_resident_bytes", "gauge", "Resident set size.", [("", String(ProcessMemory.residentBytes))])
        metric("kv_log_lsn", "gauge", "LSN of the last write applied.", [("", String(progress.lastAssigned.rawValue))])
        metric("kv_log_written_lsn", "gauge", "LSN up to which the log was handed to the OS.", [("", String(progress.written.rawValue))])
        metric("kv_log_durable_lsn", "gauge", "LSN up to which the log is fsynced.", [("", String(progress.durable.rawValue))])
        metric("kv_log_bytes_written_total", "counter", "Bytes written to the log.", [("", String(logStatistics.bytesWritten))])
        metric("kv_fsync_total", "counter", "fsync calls on the log.", [("", String(logStatistics.fsyncCount))])
        metric("kv_fsync_seconds_total", "counter", "Time spent in fsync on the log.", [("", String(Double(logStatistics.fsyncMicrosecondsTotal) / 1_000_000))])
        metric("kv_connected_clients", "gauge", "Connected Redis-protocol clients.", [("", String(server.clients.count))])
        metric("kv_connections_total", "counter", "Connections accepted.", [("", String(counters.connectionsReceived.load(ordering: .relaxed)))])
        metric("kv_rejected_connections_total", "counter", "Connections refused (max clients).", [("", String(counters.rejectedConnections.load(ordering: .relaxed)))])
        metric("kv_protocol_errors_total", "counter", "Connections closed for malformed input.", [("", String(counters.protocolErrors.load(ordering: .relaxed)))])
        metric("kv_cross_protocol_refused_total", "counter", "Connections closed for sending HTTP to the RESP port (POST, Host:).", [("", String(counters.crossProtocolRefused.load(ordering: .relaxed)))])
        metric("kv_expired_keys_total", "counter", "Keys removed because their TTL passed.", [("", String(statistics.expiredKeys))])
        let replication = ReplicationStatus(server: server)
        metric("kv_sync_full_total", "counter", "Clones served (full syncs).", [("", String(replication.syncFull))])
        metric("kv_sync_partial_ok_total", "counter", "Replica streams accepted.", [("", String(replication.syncPartialOK))])
        metric("kv_sync_partial_err_total", "counter", "Replica streams refused (the replica must re-clone).", [("", String(replication.syncPartialErr))])
        if !replication.isPrimary {
            metric("kv_replica_forks_total", "counter", "Times this replica's log forked from the primary's (-KVRESYNC fork).",
                   [("", String(replication.forks))])
            metric("kv_replica_fork_records_discarded_total", "counter",
                   "Records this replica discarded cutting its log back to a fork point.",
                   [("", String(replication.forkRecordsDiscarded))])
        }
        if replication.isPrimary {
            metric("kv_connected_replicas", "gauge", "Replicas streaming from this primary.",
                   [("", String(replication.replicas.filter(\.connected).count))])
            metric("kv_replica_acked_lsn", "gauge", "Last LSN each replica acknowledged.",
                   replication.replicas.map { ("{replica=\"\($0.name)\"}", String($0.ackedLSN.rawValue)) })
            metric("kv_replica_durable_lsn", "gauge", "Last LSN each replica reported fsynced (WAITAOF).",
                   replication.replicas.map { ("{replica=\"\($0.name)\"}", String($0.durableLSN.rawValue)) })
            metric("kv_replica_lag_records", "gauge", "Records each replica has not acknowledged yet.",
                   replication.replicas.map { ("{replica=\"\($0.name)\"}", String($0.lagRecords)) })
        } else {
            metric("kv_replication_link_up", "gauge", "1 while the stream from the primary runs.", [("", replication.linkUp ? "1" : "0")])
            metric("kv_replication_primary_lsn", "gauge", "The primary's LSN as last heard.", [("", String(replication.primaryLSN.rawValue))])
            metric("kv_replication_staleness_seconds", "gauge", "Seconds since the primary was last heard while the stream is down (0 while up).",
                   [("", ReadConsistency.format(replication.staleness ?? .zero))])
        }
        return text
    }
}
