import KVCore
import KVReplication
import KVReplicationWire
import KVStorage
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// A replica's side of replication in the server: drives the `ReplicaLink` state machine on
/// one event loop — opens the clone and stream connections it asks for, installs clones,
/// applies streamed records, sends acks, keeps timers and readiness.
///
/// Everything here runs on `loop` (the replication connections are bound to it too), so the
/// state needs no lock; what other threads read (INFO, /status) is published in `report`.
final class ReplicaController: ReplicationConnectionDelegate, @unchecked Sendable {
    let loop: any EventLoop
    private var link: ReplicaLink
    /// False once the primary refused a `KV.STREAM` with an epoch (`primaryPredatesLineage`).
    private var primaryTakesLineage = true
    /// The highest durable LSN handed to the loop (`logDurable`).
    private let durableReported = Atomic<UInt64>(0)
    private let configuration: ServerConfiguration
    let storage: StorageOptions
    let logger: Logger
    private let readiness: Readiness
    private let origin = ContinuousClock.now
    /// The store being served; nil until the first clone is installed.
    var database: Database?
    /// Called with each log the store gets (after a clone is installed), to hook up its
    /// progress handler.
    var adoptLog: (@Sendable (WriteLog) -> Void)?
    /// Released as records are applied (KV-Min-LSN, KV.WAITLSN).
    let applied: LSNWatch
    /// Paused while a re-clone replaces the data directory.
    var snapshots: SnapshotScheduler?
    /// This pod's Pub/Sub: messages from the stream are delivered to its subscribers.
    let pubsub: PubSub?

    private var channel: (any Channel)?
    /// Numbers the connections, so that events of one already replaced are ignored.
    private var connectionNumber: UInt64 = 0
    private var timers: [ReplicaLink.TimerID: Scheduled<Void>] = [:]
    /// Actions held while a clone is being installed, run in order afterwards.
    var deferred: [ReplicaLink.Action] = []
    var installing = false
    /// The clone that arrived last, with its keyspace, until it is installed.
    var receivedClone: PreloadedSnapshot?
    var initialData: EventLoopPromise<Handover<RecoveredStore>>?
    private var stopped = false

    /// What other threads may read: the link's position, as of its last event.
    let report: KVMutex<LinkReport>

    struct LinkReport: Sendable {
        var state: ReplicaLink.State = .idle
        var appliedLSN = LSN.zero
        var primaryLSN: LSN?
        var lastHeard: ContinuousClock.Instant?
        var linkDownSince: ContinuousClock.Instant?
        var readiness: ReplicaLink.Readiness = .noData
        var cloneInProgress = false
        /// Forks this replica was told of (`-KVRESYNC fork`), and the records it discarded
        /// cutting its log back.
        var forks = 0
        var recordsDiscarded = 0

        /// How long the primary has not been heard from while the stream is down; zero while
        /// it is up.
        func staleness(at now: ContinuousClock.Instant) -> Duration {
            guard let down = linkDownSince else { return .zero }
            return now - (lastHeard ?? down)
        }
    }

    init(configuration: ServerConfiguration, storage: StorageOptions, loop: any EventLoop,
         readiness: Readiness, applied: LSNWatch, logger: Logger, pubsub: PubSub? = nil) {
        var linkConfiguration = ReplicaLink.Configuration(
            primary: PeerAddress(configuration.primaryPeer),
            cloneSource: PeerAddress(configuration.cloneSourcePeer)
        )
        linkConfiguration.cloneTimeout = configuration.cloneTimeout
        linkConfiguration.maxReadyLag = configuration.maxReadyLag
        linkConfiguration.maxStaleness = configuration.maxStaleness
        // Ack every applied batch (one small write per read of the stream): the ack for a
        // write then usually reaches the primary before its client's WAIT does, and WAIT
        // answers without a round trip to the replicas.
        linkConfiguration.ackInterval = .zero
        self.link = ReplicaLink(configuration: linkConfiguration)
        self.configuration = configuration
        self.storage = storage
        self.loop = loop
        self.readiness = readiness
        self.applied = applied
        self.logger = logger
        self.report = KVMutex(LinkReport())
        self.pubsub = pubsub
    }

    /// An empty data directory: clones (retrying, falling back to the primary) until a clone
    /// is installed, and returns the store it opened. Call `attach` next.
    func cloneInitialData() async throws -> RecoveredStore {
        let promise = loop.makePromise(of: Handover<RecoveredStore>.self)
        loop.execute { [self] in
            initialData = promise
            feed(.start(history: nil, lsn: .zero))
        }
        return try await promise.futureResult.get().value
    }

    /// Starts streaming into `database` (recovered from local data, or just cloned).
    func attach(database: Database, snapshots: SnapshotScheduler, adoptLog: @escaping @Sendable (WriteLog) -> Void) {
        loop.execute { [self] in
            self.database = database
            self.snapshots = snapshots
            self.adoptLog = adoptLog
            applied.advanced(to: database.log.lastAssigned)
            if initialData != nil {
                // The link already asked for the stream after the clone; that action waited.
                initialData = nil
                resumeAfterInstall()
            } else {
                feed(.start(history: database.history, lsn: database.log.lastAssigned))
            }
        }
    }

    /// Shutdown: closes the replication connection; nothing more is applied.
    func stop() async {
        try? await loop.submit { [self] in
            stopped = true
            for timer in timers.values { timer.cancel() }
            timers.removeAll()
            connectionNumber += 1
            channel?.close(promise: nil)
            channel = nil
            initialData?.fail(StartupError("shut down while cloning"))
            initialData = nil
        }.get()
    }

    func now() -> ReplicationInstant { ReplicationInstant(ContinuousClock.now, since: origin) }

    /// Feeds one event to the link and performs what it asks. On the loop.
    func feed(_ event: ReplicaLink.Event) {
        loop.preconditionInEventLoop()
        guard !stopped else { return }
        perform(link.on(event, at: now()))
        publishReport()
    }

    /// The local log fsynced up to `lsn` (its progress handler, any thread): the link reports
    /// it in an ack when that moves what the primary knows (WAITAOF). Only an advance crosses
    /// to the loop.
    func logDurable(_ lsn: LSN) {
        guard durableReported.exchange(lsn.rawValue, ordering: .relaxed) < lsn.rawValue else { return }
        loop.execute { [self] in feed(.logDurable(lsn: lsn)) }
    }

    /// The primary refused `KV.STREAM` with an epoch: it predates lineage. Stream without the
    /// epoch and ack without the durable position from now on (a rolling update replaces the
    /// replicas before their primary).
    func primaryPredatesLineage(_ number: UInt64) {
        guard isCurrent(number), primaryTakesLineage else { return }
        primaryTakesLineage = false
        logger.warning("the primary does not take KV.STREAM with an epoch (an older version): streaming without lineage checks until it is updated")
    }

    /// Feeds an event reported by connection `number`, unless that connection was replaced.
    func feedIfCurrent(_ number: UInt64, _ event: ReplicaLink.Event) {
        guard isCurrent(number) else { return }
        feed(event)
    }

    func perform(_ actions: [ReplicaLink.Action]) {
        for action in actions {
            if installing {
                deferred.append(action)
                continue
            }
            switch action {
            case let .connect(request): connect(request)
            case .closeConnection: closeConnection()
            case let .installClone(history, lsn): install(history: history, lsn: lsn)
            case let .wipeAndReclone(reason):
                logger.warning("replica data must be re-cloned (\(reason)); the old data is served until the new clone is installed")
            case let .cutBack(lsn): cutBack(to: lsn)
            case let .sendAck(lsn): sendAck(lsn)
            case let .scheduleTimer(after, id): schedule(id, after: after)
            case let .setReady(ready, reason):
                if ready { readiness.markReady() } else { readiness.markNotReady("replica: \(reason)") }
                logger.info("readiness: \(ready ? "ready" : "not ready") (\(reason))")
            case let .log(event): log(event)
            }
        }
    }

    private func log(_ event: ReplicaLink.LinkEvent) {
        switch event {
        case .fork, .cutBackFailed:
            logger.error("\(event)", metadata: ["epoch": "\(database?.currentEpoch ?? .zero)"])
        case .cloneFailed, .connectFailed, .streamDisconnected, .resync, .cloneSourceFallback:
            logger.warning("\(event)")
        default:
            logger.info("\(event)")
        }
    }

    func publishReport() {
        let now = ContinuousClock.now
        let at = self.now()
        let link = self.link
        report.withLock { report in
            report.state = link.state
            report.appliedLSN = link.appliedLSN
            report.primaryLSN = link.primaryLSN
            report.lastHeard = link.lastHeard.map { now - (at - $0) }
            report.linkDownSince = link.linkDownSince.map { now - (at - $0) }
            report.readiness = link.readiness(at: at)
            if case .cloning = link.state { report.cloneInProgress = true } else { report.cloneInProgress = false }
        }
    }

    // MARK: - Connections

    private func connect(_ request: ReplicaLink.ConnectRequest) {
        closeConnection()
        connectionNumber += 1
        let number = connectionNumber
        let address: PeerAddress
        let mode: ReplicaConnectionHandler.Mode
        switch request {
        case let .clone(source):
            address = source
            mode = .clone
        case let .stream(primary, history, after):
            address = primary
            // The epoch of the record at `after`: the primary streams only if it holds that record.
            let epoch = primaryTakesLineage ? (database?.withLock { $0.lineage.epoch(at: after) } ?? .zero) : nil
            mode = .stream(history: history, after: after, epoch: epoch, podName: configuration.identity.podName,
                           listeningPort: configuration.port)
        }
        guard let (host, port) = Self.split(address) else {
            feed(.connectFailed(reason: "'\(address)' is not HOST:PORT"))
            return
        }
        let readTimeout: TimeAmount = if case .clone = mode { Self.cloneReadTimeout } else { Self.streamReadTimeout }
        let tls = configuration.tls
        let handler = ReplicaConnectionHandler(mode: mode, number: number, controller: self,
                                               password: configuration.password, directory: DataDirectory(storage.dataDirectory),
                                               logger: logger)
        ClientBootstrap(group: loop)
            .connectTimeout(.seconds(2))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Heartbeats come every 100 ms: a stream silent this long is dead even if
                    // TCP has not noticed (a partition), and is replaced.
                    try tls.addClientHandlers(to: channel.pipeline.syncOperations, host: host)
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: readTimeout))
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .connect(host: host, port: port)
            .hop(to: loop)
            .whenComplete { [self] result in
                guard number == connectionNumber, !stopped else {
                    if case let .success(channel) = result { channel.close(promise: nil) }
                    return
                }
                switch result {
                case let .success(channel): self.channel = channel
                case let .failure(error): feed(.connectFailed(reason: "\(error)"))
                }
            }
    }

    private func closeConnection() {
        connectionNumber += 1
        channel?.close(promise: nil)
        channel = nil
    }

    func cloneArrived(_ number: UInt64, _ snapshot: PreloadedSnapshot) {
        guard isCurrent(number) else { return }
        receivedClone = snapshot
    }

    /// Whether an event from connection `number` still counts.
    func isCurrent(_ number: UInt64) -> Bool { number == connectionNumber && !stopped }

    private func sendAck(_ lsn: LSN) {
        guard let channel else { return }
        var buffer = channel.allocator.buffer(capacity: 40)
        let durable = primaryTakesLineage ? min(link.durableLSN, lsn) : nil
        ReplicationRequest.ack(applied: lsn, durable: durable).encode(into: &buffer)
        channel.writeAndFlush(buffer, promise: nil)
    }

    private func schedule(_ id: ReplicaLink.TimerID, after delay: Duration) {
        timers[id]?.cancel()
        let nanoseconds = delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000
        timers[id] = loop.scheduleTask(in: .nanoseconds(max(0, nanoseconds))) { [self] in
            timers[id] = nil
            feed(.timerFired(id))
        }
    }

    /// A stream that delivers nothing (not even a heartbeat) for this long is closed.
    static let streamReadTimeout = TimeAmount.seconds(3)
    /// A clone source that sends nothing for this long is given up on.
    static let cloneReadTimeout = TimeAmount.seconds(30)

    static func split(_ address: PeerAddress) -> (String, Int)? {
        guard let colon = address.rawValue.lastIndex(of: ":"),
              let port = Int(address.rawValue[address.rawValue.index(after: colon)...]), (1...65535).contains(port)
        else { return nil }
        var host = String(address.rawValue[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }

    // MARK: - Records

    /// A message the primary published: this pod's subscribers receive it now (the records
    /// before it are applied). Never relayed further.
    func deliver(_ message: PublishedMessage, number: UInt64) {
        guard isCurrent(number), let pubsub else { return }
        var local = message
        local.after = .zero
        pubsub.publish(local)
    }

    /// Applies records streamed on connection `number`, then tells the link.
    func apply(_ records: [LogRecord], encoded: [UInt8], number: UInt64) throws {
        guard isCurrent(number), let database, !records.isEmpty else { return }
        guard let last = try database.applyReplicated(records, encoded: encoded) else { return }
        applied.advanced(to: last)
        feed(.recordApplied(lsn: last, primaryTime: records.last!.timestamp))
    }
}
