import KVCore
import KVStorage
import Logging
import Synchronization

/// What every connection shares: configuration, the database, the list of clients, counters.
final class ServerContext: Sendable {
    let configuration: ServerConfiguration
    let database: Database
    let clients: ClientRegistry
    /// `--max-memory`.
    let memory: MemoryGuard
    let logger: Logger
    /// When the process started serving (monotonic seconds, for uptime).
    let startedAt: ContinuousClock.Instant
    /// A random id for this process, as Redis's run_id.
    let runID: String
    let counters = ServerCounters()
    /// SAVE, BGSAVE and LASTSAVE's handle on the snapshots.
    let snapshots = SnapshotControl()
    /// SHUTDOWN's handle on the lifecycle.
    let shutdown = ShutdownControl()
    /// MONITOR's subscribers.
    let monitors: Monitors
    /// Pub/Sub's subscriptions on this pod.
    let pubsub: PubSub
    /// Recovery facts for INFO persistence and /status.
    let recovery: RecoverySummary
    /// This pod's side of replication.
    let replication: ReplicationRole
    /// The LSN this pod has applied, for reads that wait for one.
    let applied: LSNWatch
    /// Whether this pod should receive traffic (`/readyz`, and the status `KV.STATUS` answers).
    let readiness: Readiness
    /// The last minutes of this pod's position, for the cluster page (`GET /v1/cluster`).
    let history = StatusHistoryRecorder()
    /// The Lua script running now, seen without the database lock (BUSY, SCRIPT KILL).
    let scripts: ScriptActivity
    /// LATENCY's spikes and `--latency-monitor-threshold`.
    let latency: LatencyMonitor
    /// CLIENT PAUSE: whether commands wait, and the connections waiting.
    let pauses = ClientPauses()

    init(
        configuration: ServerConfiguration,
        database: Database,
        logger: Logger,
        recovery: RecoverySummary,
        replication: ReplicationRole,
        applied: LSNWatch,
        readiness: Readiness = Readiness(),
        pubsub: PubSub? = nil
    ) {
        self.configuration = configuration
        self.database = database
        self.replication = replication
        self.applied = applied
        self.readiness = readiness
        self.clients = ClientRegistry()
        self.memory = MemoryGuard(limit: configuration.maxMemory)
        self.logger = logger
        self.monitors = Monitors(logger: logger)
        self.pubsub = pubsub ?? PubSub(limit: configuration.pubsubOutputLimit,
                                          notifications: KeyspaceEventClasses(configuration.notifyKeyspaceEvents) ?? [], logger: logger)
        self.latency = LatencyMonitor(thresholdMilliseconds: configuration.latencyMonitorThreshold, clock: database.clock)
        self.startedAt = .now
        self.recovery = recovery
        self.scripts = ScriptActivity(thresholdMilliseconds: configuration.busyReplyThreshold)
        var generator = SystemRandomNumberGenerator()
        self.runID = (0..<40).map { _ in String(Int.random(in: 0..<16, using: &generator), radix: 16) }.joined()
    }

    var passwordRequired: Bool { configuration.password != nil }

    /// The primary's replication hub; nil on a replica.
    var hub: ReplicationHub? {
        if case let .primary(hub) = replication { return hub }
        return nil
    }

    /// The replica's controller; nil on the primary.
    var replica: ReplicaController? {
        if case let .replica(controller) = replication { return controller }
        return nil
    }

    /// True on a read-only replica.
    var isReplica: Bool { replica != nil }

    /// `READONLY …`, naming the primary.
    var readOnlyError: CommandError {
        CommandError("READONLY You can't write against a read only replica. The primary is \(configuration.primaryPeer).")
    }

    var uptimeSeconds: Int {
        Int((ContinuousClock.now - startedAt).components.seconds)
    }
}

/// Which side of replication this pod runs.
enum ReplicationRole: Sendable {
    case primary(ReplicationHub)
    case replica(ReplicaController)
}

/// What recovery found, kept for INFO and /status.
struct RecoverySummary: Sendable {
    var snapshotLSN: LSN
    var recordsReplayed: Int
    var seconds: Double
    var warnings: [String]
}

/// Process-wide counters updated outside the database lock.
final class ServerCounters: Sendable {
    let connectionsReceived = Atomic<Int>(0)
    let rejectedConnections = Atomic<Int>(0)
    let protocolErrors = Atomic<Int>(0)
    /// Connections closed because they sent HTTP to the RESP port (`POST`, `Host:`).
    let crossProtocolRefused = Atomic<Int>(0)
    /// When the last cross-protocol warning was logged (monotonic seconds; at most one a minute).
    let crossProtocolLoggedAt = Atomic<Int>(Int.min)
    let netInputBytes = Atomic<Int>(0)
    let netOutputBytes = Atomic<Int>(0)
    /// Clones served (`sync_full`).
    let clonesServed = Atomic<Int>(0)
}
