import KVCore

/// The primary side of replication as a sans-IO state machine: which `KV.STREAM` requests to
/// serve, which replicas are connected and how far they acked, `WAIT` waiters, sync counters
/// and how much log must be kept.
public struct ReplicaRegistry: Sendable {
    /// Identifies one replication connection (the shell's connection id), so a late
    /// `unregister` of an old connection cannot remove the replica's new one.
    public struct ConnectionID: Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt64
        public init(_ rawValue: UInt64) { self.rawValue = rawValue }
        public var description: String { "#\(rawValue)" }
    }

    /// What the registry knows of one replica pod.
    public struct Replica: Hashable, Sendable {
        /// The pod name from `KV.STREAM` (kv-1).
        public var name: String
        public var address: PeerAddress
        /// The current connection; nil while the replica is away.
        public var connection: ConnectionID?
        /// The highest LSN the replica acknowledged (or streamed from).
        public var ackedLSN: LSN
        /// The highest LSN the replica reported fsynced (`KV.ACK <applied> <durable>`); 0 for a
        /// replica that does not report it.
        public var durableLSN = LSN.zero
        /// When the replica last acked.
        public var lastAckAt: ReplicationInstant
        /// When the replica was last connected or acked; drives log retention.
        public var lastSeen: ReplicationInstant
    }

    /// How far behind one replica is.
    public struct Lag: Hashable, Sendable {
        /// Records the primary has that the replica has not acked.
        public var records: UInt64
        /// Time since its last ack while behind (Redis's `lag`); zero when caught up.
        public var time: Duration

        public init(records: UInt64, time: Duration) { (self.records, self.time) = (records, time) }
    }

    /// `INFO stats` counters, with Redis's meaning.
    public struct SyncCounters: Hashable, Sendable {
        /// Clones served (full syncs).
        public var syncFull = 0
        /// Streams accepted (partial resyncs that worked).
        public var syncPartialOK = 0
        /// Streams refused with `-KVRESYNC` (partial resyncs that could not continue).
        public var syncPartialErr = 0

        public init(syncFull: Int = 0, syncPartialOK: Int = 0, syncPartialErr: Int = 0) {
            (self.syncFull, self.syncPartialOK, self.syncPartialErr) = (syncFull, syncPartialOK, syncPartialErr)
        }
    }

    /// The primary's history.
    public let history: HistoryID
    /// The epochs of the primary's log (`Lineage`), which a stream's last record must match.
    public var lineage: Lineage
    /// The primary's last LSN (`onWrite`).
    public private(set) var lastLSN: LSN
    /// The primary's own last fsynced LSN (`onLocalDurable`).
    public internal(set) var localDurableLSN: LSN = .zero
    /// The oldest LSN the log still holds (`onLogCompacted`).
    public private(set) var oldestRetainedLSN: LSN
    /// `--replica-retention`: a replica seen within this keeps the log for itself.
    public let retention: Duration
    public private(set) var counters = SyncCounters()
    /// The replicas by pod name, connected or recently seen.
    public internal(set) var replicas: [String: Replica] = [:]

    var waiters: [WaiterID: Waiter] = [:]
    var nextWaiterID: UInt64 = 1

    /// - Parameters:
    ///   - oldestRetainedLSN: the first LSN the log holds (lastLSN + 1 for an empty log).
    public init(history: HistoryID, lineage: Lineage = Lineage(), lastLSN: LSN, oldestRetainedLSN: LSN,
                retention: Duration = .seconds(3600)) {
        self.history = history
        self.lineage = lineage
        self.lastLSN = lastLSN
        self.oldestRetainedLSN = oldestRetainedLSN
        self.retention = retention
    }

    /// A write got `lsn`.
    public mutating func onWrite(lsn: LSN) { lastLSN = max(lastLSN, lsn) }

    /// The log dropped its records before `oldest`.
    public mutating func onLogCompacted(oldest: LSN) { oldestRetainedLSN = max(oldestRetainedLSN, oldest) }

    /// A clone was served (`KV.CLONE`): a full sync.
    public mutating func onCloneServed() { counters.syncFull += 1 }

    /// Decides `KV.STREAM <history> <after> … <epoch>`: `nil` means stream every record
    /// after `after`; otherwise the reason for `-KVRESYNC`. Counts the outcome.
    ///
    /// The replica's last record, (`epoch`, `after`), must be one the primary's log holds
    /// (log matching, `Lineage.holds`): a replica that kept records the primary lost — the
    /// primary's machine crashed before they reached its disk, then it started a new epoch —
    /// is told where the two logs part (`fork`), never streamed records that would overwrite
    /// its LSNs with other contents.
    public mutating func decideStream(history: HistoryID, after: LSN, epoch: Epoch = .zero) -> ResyncReason? {
        let refusal = LogMatch.refusal(history: self.history, lineage: lineage, end: lastLSN,
                                       oldestRetained: oldestRetainedLSN, requested: history, after: after, epoch: epoch)
        if refusal == nil { counters.syncPartialOK += 1 } else { counters.syncPartialErr += 1 }
        return refusal
    }


    /// A stream was accepted for pod `name`: it holds everything up to `after`.
    public mutating func register(name: String, address: PeerAddress, connection: ConnectionID,
                                  after: LSN, now: ReplicationInstant) {
        replicas[name] = Replica(name: name, address: address, connection: connection,
                                 ackedLSN: after, lastAckAt: now, lastSeen: now)
    }

    /// The stream `connection` closed. The replica stays known (not connected) for the
    /// retention window, so the log it needs to resume is kept.
    public mutating func unregister(connection: ConnectionID, now: ReplicationInstant) {
        guard let name = replicas.first(where: { $0.value.connection == connection })?.key else { return }
        replicas[name]?.connection = nil
        replicas[name]?.lastSeen = now
    }

    /// `KV.ACK <lsn> [<durable>]` on `connection`. Acks only move forward (a reordered, stale
    /// ack is ignored), and a replica cannot have fsynced what it has not applied; returns the
    /// waiters this completes.
    public mutating func onAck(connection: ConnectionID, lsn: LSN, durable: LSN? = nil,
                               now: ReplicationInstant) -> [WaitCompletion] {
        guard let name = replicas.first(where: { $0.value.connection == connection })?.key,
              lsn <= lastLSN  // an ack beyond what we wrote is not believed
        else { return [] }
        replicas[name]?.lastSeen = now
        replicas[name]?.lastAckAt = now
        var moved = false
        if lsn > replicas[name]!.ackedLSN {
            replicas[name]?.ackedLSN = lsn
            moved = true
        }
        if let durable, min(durable, lsn) > replicas[name]!.durableLSN {
            replicas[name]?.durableLSN = min(durable, lsn)
            moved = true
        }
        return moved ? completeWaiters(now: now) : []
    }

    /// How far `name` is behind.
    public func lag(of name: String, now: ReplicationInstant) -> Lag? {
        guard let replica = replicas[name] else { return nil }
        let records = lastLSN.rawValue - min(replica.ackedLSN.rawValue, lastLSN.rawValue)
        return Lag(records: records, time: records == 0 ? .zero : now - replica.lastAckAt)
    }

    /// Connected replicas.
    public var connectedCount: Int { replicas.values.filter { $0.connection != nil }.count }

    /// The log must keep every record after this LSN: the lowest ack among replicas connected
    /// or seen within `retention`. Nil when no replica needs anything.
    public func retentionFloor(now: ReplicationInstant) -> LSN? {
        replicas.values
            .filter { $0.connection != nil || now - $0.lastSeen <= retention }
            .map(\.ackedLSN)
            .min()
    }
}
