import KVCore
import KVStorage
import Logging
import Synchronization

/// What every connection shares: configuration, the database, the list of clients, counters.
final class ServerContext: Sendable {
    let configuration: ServerConfiguration
    let database: Database
    let clients: ClientRegistry
    let logger: Logger
    /// When the process started serving (monotonic seconds, for uptime).
    let startedAt: ContinuousClock.Instant
    /// A random id for this process, as Redis's run_id.
    let runID: String
    let counters = ServerCounters()
    /// Recovery facts for INFO persistence and /status.
    let recovery: RecoverySummary

    init(
        configuration: ServerConfiguration,
        database: Database,
        logger: Logger,
        recovery: RecoverySummary
    ) {
        self.configuration = configuration
        self.database = database
        self.clients = ClientRegistry()
        self.logger = logger
        self.startedAt = .now
        self.recovery = recovery
        var generator = SystemRandomNumberGenerator()
        self.runID = (0..<40).map { _ in String(Int.random(in: 0..<16, using: &generator), radix: 16) }.joined()
    }

    var passwordRequired: Bool { configuration.password != nil }

    var uptimeSeconds: Int {
        Int((ContinuousClock.now - startedAt).components.seconds)
    }
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
    let netInputBytes = Atomic<Int>(0)
    let netOutputBytes = Atomic<Int>(0)
}
