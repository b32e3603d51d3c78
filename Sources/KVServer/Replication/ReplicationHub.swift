import KVCore
import KVReplication
import KVReplicationWire
import KVStorage
import NIOCore
import Synchronization

/// The primary's side of replication: the `ReplicaRegistry` state machine behind a lock, the
/// streams it feeds, and the clients blocked in `WAIT`.
///
/// The log's progress handler calls `logAdvanced` after every write; that wakes each stream,
/// which reads the new records from the log files on its own event loop. Acks arriving on a
/// stream go to the registry, which says which WAITs they complete.
final class ReplicationHub: Sendable {
    private let registry: KVMutex<ReplicaRegistry>
    private let streams = KVMutex<[ReplicaRegistry.ConnectionID: StreamHandle]>([:])
    private let waits = KVMutex<[ReplicaRegistry.WaiterID: @Sendable (ReplicaRegistry.WaitCompletion) -> Void]>([:])
    /// The one timer armed for the registry's `nextWaitDeadline`, and when it fires.
    private let waitTimer = KVMutex<(task: Scheduled<Void>, deadline: ReplicationInstant, generation: UInt64)?>(nil)
    /// Tells a timer that fired from the one armed after it (a fired callback cannot be cancelled).
    private let waitTimerGeneration = Atomic<UInt64>(0)
    private let nextConnection = Atomic<UInt64>(1)
    private let origin = ContinuousClock.now
    let log: WriteLog

    init(log: WriteLog, lineage: Lineage, retention: Duration) {
        self.log = log
        let progress = log.progress
        registry = KVMutex(ReplicaRegistry(
            history: log.history,
            lineage: lineage,
            lastLSN: progress.acknowledged,
            oldestRetainedLSN: Self.oldestRetainedLSN(in: log.directory) ?? progress.acknowledged.next,
            retention: retention
        ))
        _ = registry.withLock { $0.onLocalDurable(lsn: progress.durable, now: now()) }
    }

    /// Now, on the registry's clock.
    func now() -> ReplicationInstant { ReplicationInstant(ContinuousClock.now, since: origin) }

    /// The log acknowledged writes up to `acknowledged` (durable under `always`, written
    /// otherwise): streams may send them. It fsynced them up to `durable` (WAITAOF's local part).
    func logAdvanced(acknowledged: LSN, durable: LSN) {
        let now = now()
        let completions = registry.withLock { registry in
            registry.onWrite(lsn: acknowledged)
            return registry.onLocalDurable(lsn: durable, now: now)
        }
        complete(completions)
        for stream in streams.withLock({ Array($0.values) }) { stream.wake() }
    }

    /// A Pub/Sub message published on this pod: every stream sends it after the record it
    /// follows (not in the log: a replica that is not connected now never receives it).
    func relay(_ message: PublishedMessage) {
        for stream in streams.withLock({ Array($0.values) }) { stream.enqueue(message) }
    }

    /// Decides `KV.STREAM <history> <after> … <epoch>`: nil to stream, else why not. Counts it.
    /// The oldest record the log holds is the registry's (listed once at startup, then told by
    /// each compaction): no directory listing per request.
    func decideStream(history: HistoryID, after: LSN, epoch: Epoch) -> (refusal: ResyncReason?, primaryLSN: LSN) {
        registry.withLock { registry in
            (registry.decideStream(history: history, after: after, epoch: epoch), registry.lastLSN)
        }
    }

    /// A compaction deleted the segments before `oldest`.
    func logCompacted(oldest: LSN) {
        registry.withLock { $0.onLogCompacted(oldest: oldest) }
    }

    /// A stream for pod `name` starts after `after`.
    func register(name: String, address: String, after: LSN, stream: StreamHandle) -> ReplicaRegistry.ConnectionID {
        let id = ReplicaRegistry.ConnectionID(nextConnection.add(1, ordering: .relaxed).oldValue)
        let now = now()
        let completions = registry.withLock { registry in
            registry.register(name: name, address: PeerAddress(address), connection: id, after: after, now: now)
            return registry.onTick(now: now)  // a replica that starts there may complete a WAIT
        }
        streams.withLock { $0[id] = stream }
        complete(completions)
        return id
    }

    /// The stream `id` closed.
    func unregister(_ id: ReplicaRegistry.ConnectionID) {
        let now = now()
        streams.withLock { $0[id] = nil }
        registry.withLock { $0.unregister(connection: id, now: now) }
    }

    /// `KV.ACK <lsn>` arrived on stream `id`.
    func onAck(_ id: ReplicaRegistry.ConnectionID, _ ack: Ack) {
        let now = now()
        let completions = registry.withLock { $0.onAck(connection: id, lsn: ack.applied, durable: ack.durable, now: now) }
        complete(completions)
    }

    /// `WAIT count timeout` (or WAITAOF, by `kind`) for a client whose last write was
    /// `target`: `complete` is called (on any thread) with the number of replicas that
    /// acknowledged it, once `count` did or once `timeout` passed (nil: never, Redis's
    /// `WAIT n 0`). Returns the answer at once when it is already known. The deadline is the
    /// registry's (`onTick`); `loop` runs the timer that calls it. A WAITAOF that needs this
    /// primary's fsync asks the log for it now, whatever the policy.
    func registerWait(target: LSN, count: Int, kind: ReplicaRegistry.WaitKind = .applied, timeout: Duration?,
                      on loop: any EventLoop,
                      complete: @escaping @Sendable (ReplicaRegistry.WaitCompletion) -> Void) -> ReplicaRegistry.WaitRegistration {
        let now = now()
        if kind == .durable(local: true) { log.requestDurable(target) }
        let registration = registry.withLock { registry in
            let registration = registry.registerWait(target: target, count: count, kind: kind,
                                                     deadline: timeout.map { now + $0 }, now: now)
            // Registered under the registry's lock, so an ack cannot complete it unseen.
            if case let .waiting(id) = registration { waits.withLock { $0[id] = complete } }
            return registration
        }
        if case .waiting = registration {
            // Ask every replica to ack now rather than at its next ack tick.
            for stream in streams.withLock({ Array($0.values) }) { stream.requestAck() }
            armWaitTimer(on: loop)
        }
        return registration
    }

    /// How many replicas acknowledged `target` (as `kind` counts) and whether this pod fsynced
    /// it, now, without waiting (WAITAOF inside MULTI).
    func waitProgress(target: LSN, kind: ReplicaRegistry.WaitKind) -> (acked: Int, local: Bool) {
        let now = now()
        switch registry.withLock({ $0.registerWait(target: target, count: .max, kind: kind, deadline: now, now: now) }) {
        case let .done(acked, local): return (acked, local)
        case .waiting: return (0, false)  // a deadline of now never waits
        }
    }

    /// The client of WAIT `id` left: forget it.
    func cancelWait(_ id: ReplicaRegistry.WaiterID) {
        registry.withLock { registry in
            if waits.withLock({ $0.removeValue(forKey: id) }) != nil { registry.cancelWait(id) }
        }
    }

    /// Arms the timer for the registry's next WAIT deadline, unless one is armed for it or
    /// earlier. When it fires, due WAITs are answered and the next deadline armed.
    private func armWaitTimer(on loop: any EventLoop) {
        guard let deadline = registry.withLock({ $0.nextWaitDeadline }) else { return }
        waitTimer.withLock { armed in
            if let armed, armed.deadline <= deadline { return }
            armed?.task.cancel()
            // At most a day ahead (WAIT's timeout may be ~10^13 ms, as Redis accepts): a timer
            // that fires before the deadline answers nothing and is armed again.
            let delay = min(max(deadline - now(), .milliseconds(1)), .seconds(86_400))
            let generation = waitTimerGeneration.add(1, ordering: .relaxed).newValue
            let task = loop.scheduleTask(in: .nanoseconds(Int64(delay / .nanoseconds(1)))) { [self] in
                waitTimer.withLock { if $0?.generation == generation { $0 = nil } }
                tick()
                armWaitTimer(on: loop)
            }
            armed = (task, deadline, generation)
        }
    }

    /// The time passed: answers WAITs whose deadline is due.
    private func tick() {
        let now = now()
        complete(registry.withLock { $0.onTick(now: now) })
    }

    private func complete(_ completions: [ReplicaRegistry.WaitCompletion]) {
        for completion in completions {
            if let callback = waits.withLock({ $0.removeValue(forKey: completion.id) }) {
                callback(completion)
            }
        }
    }

    /// The log must keep records after this LSN for replicas that may come back.
    func retentionFloor() -> LSN? {
        let now = now()
        let (floor, completions) = registry.withLock { registry in
            let completions = registry.onTick(now: now)  // forgets replicas gone past the retention
            return (registry.retentionFloor(now: now), completions)
        }
        complete(completions)
        return floor
    }

    /// What INFO, /status and /metrics show.
    struct Report {
        var lastLSN: LSN
        var counters: ReplicaRegistry.SyncCounters
        var replicas: [(replica: ReplicaRegistry.Replica, lag: ReplicaRegistry.Lag)]
    }

    func report() -> Report {
        let now = now()
        let (report, completions) = registry.withLock { registry in
            let completions = registry.onTick(now: now)  // forgets replicas gone past the retention
            let replicas = registry.replicas.values
                .sorted { $0.name < $1.name }
                .map { ($0, registry.lag(of: $0.name, now: now)!) }
            return (Report(lastLSN: registry.lastLSN, counters: registry.counters, replicas: replicas), completions)
        }
        complete(completions)
        return report
    }

    /// Whether some WAIT is blocked (heartbeats then ask for acks).
    var wantsAcks: Bool { registry.withLock { $0.wantsAcks } }

    /// The first LSN the log files still hold, nil for an empty log directory.
    static func oldestRetainedLSN(in directory: DataDirectory) -> LSN? {
        (try? directory.segments())?.first?.firstLSN
    }
}
