import KVCore
import KVReplication

/// A deterministic in-process cluster for replication scripts: a fake primary (a list of
/// records and a `ReplicaRegistry`), clone sources that are up or down, one replica
/// (`ReplicaLink` plus what it persisted), a network that can drop acks, and manual time.
///
/// Every action the link returns is performed here, and every line is kept in `trace`, so a
/// script can state what happened in the order it happened (as etcd raft's `testdata`).
struct Cluster {
    static let primary: PeerAddress = "kv-0:6379"
    static let peer: PeerAddress = "kv-2:6379"

    var now = ReplicationInstant.origin
    var history = HistoryID(high: 1, low: 1)
    var registry: ReplicaRegistry
    /// Pods that accept connections.
    var up: Set<PeerAddress> = [Cluster.primary, Cluster.peer]
    var dropAcks = false

    var link: ReplicaLink
    let configuration: ReplicaLink.Configuration
    /// What the replica persisted: nil for an empty data dir.
    var disk: (history: HistoryID, lsn: LSN)?
    /// The LSN of the replica's newest snapshot: a fork below it cannot be cut back to.
    var snapshotLSN = LSN.zero
    var ready = false
    var streamOpen = false
    var connection = ReplicaRegistry.ConnectionID(0)
    var timers: [ReplicaLink.TimerID: ReplicationInstant] = [:]
    var events: [ReplicaLink.Event] = []
    var trace: [String] = []

    init(records: UInt64, cloneSource: PeerAddress? = nil) {
        registry = ReplicaRegistry(history: history, lastLSN: LSN(records), oldestRetainedLSN: LSN(1))
        configuration = ReplicaLink.Configuration(primary: Cluster.primary, cloneSource: cloneSource)
        link = ReplicaLink(configuration: configuration)
    }

    // MARK: script steps

    mutating func startReplica() { deliver(.start(history: disk?.history, lsn: disk?.lsn ?? .zero)) }

    /// The replica process dies and starts again from what it persisted.
    mutating func crashReplica() {
        trace.append("-- replica crash")
        if streamOpen { registry.unregister(connection: connection, now: now) }
        streamOpen = false
        timers = [:]
        events = []
        link = ReplicaLink(configuration: configuration)
        startReplica()
    }

    /// The primary writes `count` records; an open stream carries them.
    mutating func write(_ count: UInt64) {
        for _ in 0..<count {
            let lsn = registry.lastLSN.next
            registry.onWrite(lsn: lsn)
            if streamOpen { deliver(.recordApplied(lsn: lsn, primaryTime: UnixMillis(0))) }
        }
    }

    mutating func heartbeat() {
        guard streamOpen else { return }
        deliver(.heartbeat(primaryLSN: registry.lastLSN, primaryTime: UnixMillis(0), ackRequested: registry.wantsAcks))
    }

    mutating func down(_ pod: PeerAddress) {
        trace.append("-- \(pod) down")
        up.remove(pod)
        if pod == Cluster.primary, streamOpen {
            streamOpen = false
            registry.unregister(connection: connection, now: now)
            deliver(.disconnected)
        }
    }

    mutating func restart(_ pod: PeerAddress) { up.insert(pod) }

    /// Moves time forward, firing due timers in order.
    mutating func advance(by duration: Duration) {
        let end = now + duration
        while let (id, due) = timers.filter({ $0.value <= end }).min(by: { $0.value < $1.value }) {
            now = max(now, due)
            timers[id] = nil
            deliver(.timerFired(id))
        }
        now = end
        _ = registry.onTick(now: now)
    }

    // MARK: the shell

    mutating func deliver(_ event: ReplicaLink.Event) {
        events.append(event)
        while !events.isEmpty {
            let next = events.removeFirst()
            // Applying a record persists it (the shell's job, before it acks).
            if case .recordApplied(let lsn, _) = next, let disk, lsn > disk.lsn { self.disk = (disk.history, lsn) }
            for action in link.on(next, at: now) { perform(action) }
        }
    }

    mutating func perform(_ action: ReplicaLink.Action) {
        switch action {
        case .connect(.clone(let source)):
            trace.append("connect clone \(source)")
            guard up.contains(source) else { events.append(.connectFailed(reason: "refused")); return }
            registry.onCloneServed()
            events.append(.cloneAccepted(history: history, lsn: registry.lastLSN))
            events.append(.cloneFinished)
        case .connect(.stream(_, let replicaHistory, let after)):
            trace.append("connect stream after \(after)")
            guard up.contains(Cluster.primary) else { events.append(.connectFailed(reason: "refused")); return }
            if let reason = registry.decideStream(history: replicaHistory, after: after) {
                events.append(.resyncRequired(reason))
                return
            }
            connection = ReplicaRegistry.ConnectionID(connection.rawValue + 1)
            registry.register(name: "kv-1", address: "kv-1:6379", connection: connection, after: after, now: now)
            streamOpen = true
            events.append(.streamAccepted(history: history, primaryLSN: registry.lastLSN))
            var lsn = after
            while lsn < registry.lastLSN {
                lsn = lsn.next
                events.append(.recordApplied(lsn: lsn, primaryTime: UnixMillis(0)))
            }
        case .closeConnection:
            if streamOpen { registry.unregister(connection: connection, now: now) }
            streamOpen = false
        case .installClone(let history, let lsn):
            trace.append("install clone \(lsn)")
            disk = (history, lsn)
        case .wipeAndReclone(let reason):
            trace.append("wipe (\(reason))")
            disk = nil
        case .cutBack(let lsn):
            // The shell's cut: the log back to `lsn`, unless a snapshot lies past it.
            guard let disk, snapshotLSN <= lsn else {
                trace.append("cut back to \(lsn) failed")
                events.append(.cutBackFailed(reason: "the newest snapshot lies past LSN \(lsn)"))
                return
            }
            trace.append("cut back to \(lsn)")
            self.disk = (disk.history, min(disk.lsn, lsn))
            events.append(.cutBackFinished(lsn: min(disk.lsn, lsn)))
        case .sendAck(let lsn):
            if dropAcks { return }
            _ = registry.onAck(connection: connection, lsn: lsn, now: now)
        case .scheduleTimer(let after, let id):
            timers[id] = now + after
        case .setReady(let ready, let reason):
            trace.append("ready \(ready) (\(reason))")
            self.ready = ready
        case .log(let event):
            trace.append("log: \(event)")
        }
    }

    var clones: Int { trace.filter { $0.hasPrefix("install clone") }.count }
}
