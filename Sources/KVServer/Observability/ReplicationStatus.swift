import KVCore
import KVReplication

/// One reading of this pod's replication state, shared by INFO replication, ROLE, /status
/// and /metrics so that they always agree.
struct ReplicationStatus {
    struct ReplicaLine {
        var name: String
        var host: String
        var port: Int
        var connected: Bool
        var ackedLSN: LSN
        /// The LSN the replica reported fsynced (0 if it does not report it).
        var durableLSN: LSN
        var lagRecords: UInt64
        var lagSeconds: Int
    }

    var isPrimary: Bool
    /// The primary's LSN (primary: its own acknowledged LSN; replica: as last heard).
    var primaryLSN: LSN
    /// This pod's own last LSN.
    var localLSN: LSN
    /// The epoch of this pod's last record (`Lineage`).
    var epoch: Epoch
    /// This pod's own log: fsynced up to here.
    var durableLSN: LSN
    var history: HistoryID
    var syncFull: Int
    var syncPartialOK: Int
    var syncPartialErr: Int
    /// Primary only.
    var replicas: [ReplicaLine] = []
    /// Replica only.
    var primaryAddress = ""
    var linkUp = false
    var cloning = false
    var lastIOSecondsAgo: Int?
    var linkDownSeconds: Int?
    /// Since the primary was last heard while the link is down; zero while it is up (the
    /// `KV-Staleness` header's measure).
    var staleness: Duration?
    var readiness = ""
    /// Replica only: forks it was told of, and records it discarded cutting its log back.
    var forks = 0
    var forkRecordsDiscarded = 0

    init(server: ServerContext) {
        history = server.database.history
        localLSN = server.database.log.lastAssigned
        durableLSN = server.database.log.progress.durable
        epoch = server.database.currentEpoch
        syncFull = server.counters.clonesServed.load(ordering: .relaxed)
        switch server.replication {
        case let .primary(hub):
            let report = hub.report()
            isPrimary = true
            primaryLSN = report.lastLSN
            syncPartialOK = report.counters.syncPartialOK
            syncPartialErr = report.counters.syncPartialErr
            replicas = report.replicas.map { replica, lag in
                let (host, port) = ReplicaController.split(replica.address) ?? (replica.address.rawValue, 0)
                return ReplicaLine(name: replica.name, host: host, port: port, connected: replica.connection != nil,
                                   ackedLSN: replica.ackedLSN, durableLSN: replica.durableLSN, lagRecords: lag.records,
                                   lagSeconds: Int(lag.time.components.seconds))
            }
        case let .replica(controller):
            let report = controller.report.withLock { $0 }
            let now = ContinuousClock.now
            isPrimary = false
            primaryLSN = report.primaryLSN ?? .zero
            localLSN = report.appliedLSN == .zero ? localLSN : report.appliedLSN
            // A replica serves clones too (counted above); its own syncs are counted apart.
            syncPartialOK = 0
            syncPartialErr = 0
            primaryAddress = server.configuration.primaryPeer
            if case .streaming(_, _?) = report.state { linkUp = true }
            cloning = report.cloneInProgress
            lastIOSecondsAgo = report.lastHeard.map { Int((now - $0).components.seconds) }
            linkDownSeconds = report.linkDownSince.map { Int((now - $0).components.seconds) }
            staleness = report.staleness(at: now)
            readiness = "\(report.readiness)"
            forks = report.forks
            forkRecordsDiscarded = report.recordsDiscarded
        }
    }

    /// INFO replication, in Redis's field names.
    var infoFields: [(String, String)] {
        let replid = history.description + "00000000"
        var fields: [(String, String)] = []
        if isPrimary {
            fields.append(("role", "master"))
            let connected = replicas.filter(\.connected)
            fields.append(("connected_slaves", String(connected.count)))
            for (index, replica) in connected.enumerated() {
                fields.append(("slave\(index)", "ip=\(replica.host),port=\(replica.port),state=online,offset=\(replica.ackedLSN.rawValue),lag=\(replica.lagSeconds),name=\(replica.name),lag_records=\(replica.lagRecords),durable_offset=\(replica.durableLSN.rawValue)"))
            }
        } else {
            let (host, port) = ReplicaController.split(PeerAddress(primaryAddress)) ?? (primaryAddress, 0)
            fields += [
                ("role", "slave"),
                ("master_host", host),
                ("master_port", String(port)),
                ("master_link_status", linkUp ? "up" : "down"),
                ("master_last_io_seconds_ago", String(lastIOSecondsAgo ?? -1)),
                ("master_sync_in_progress", cloning ? "1" : "0"),
                ("slave_read_repl_offset", String(localLSN.rawValue)),
                ("slave_repl_offset", String(localLSN.rawValue)),
            ]
            if let down = linkDownSeconds { fields.append(("master_link_down_since_seconds", String(down))) }
            fields += [
                ("slave_priority", "100"),
                ("slave_read_only", "1"),
                ("replica_announced", "1"),
                ("connected_slaves", "0"),
                ("kv_primary_lsn", String(primaryLSN.rawValue)),
                ("kv_lag_records", String(primaryLSN.rawValue > localLSN.rawValue ? primaryLSN.rawValue - localLSN.rawValue : 0)),
                ("kv_readiness", readiness),
                ("kv_forks", String(forks)),
                ("kv_fork_records_discarded", String(forkRecordsDiscarded)),
            ]
        }
        fields += [
            ("master_failover_state", "no-failover"),
            ("master_replid", replid),
            ("master_replid2", String(repeating: "0", count: 40)),
            ("master_repl_offset", String(localLSN.rawValue)),
            ("second_repl_offset", "-1"),
            ("repl_backlog_active", isPrimary ? "1" : "0"),
            ("kv_history", history.description),
            ("kv_epoch", String(epoch.rawValue)),
            ("kv_durable_lsn", String(durableLSN.rawValue)),
        ]
        return fields
    }

    /// ROLE, as Redis answers it.
    var roleReply: Reply {
        if isPrimary {
            return .array([
                .bulk("master"),
                .integer(Int64(localLSN.rawValue)),
                .array(replicas.filter(\.connected).map {
                    .array([.bulk($0.host), .bulk(String($0.port)), .bulk(String($0.ackedLSN.rawValue))])
                }),
            ])
        }
        let (host, port) = ReplicaController.split(PeerAddress(primaryAddress)) ?? (primaryAddress, 0)
        let state = linkUp ? "connected" : cloning ? "sync" : "connect"
        return .array([.bulk("slave"), .bulk(host), .integer(Int64(port)), .bulk(state), .integer(Int64(localLSN.rawValue))])
    }
}
