import KVCore

/// `WAIT numreplicas timeout` and `WAITAOF numlocal numreplicas timeout`, with Redis's
/// meaning: block until `numreplicas` replicas acknowledged the client's last write — applied
/// it (WAIT) or fsynced it (WAITAOF, and this primary too when `numlocal` is 1) — or the
/// timeout passes; answer how many did.
extension ReplicaRegistry {
    /// Names one blocked WAIT.
    public struct WaiterID: Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt64
        public var description: String { "wait#\(rawValue)" }
    }

    /// What a waiter waits for.
    public enum WaitKind: Hashable, Sendable {
        /// WAIT: replicas that applied the write.
        case applied
        /// WAITAOF: replicas that fsynced it, and (`local`) this primary's own fsync of it.
        case durable(local: Bool)
    }

    struct Waiter: Hashable, Sendable {
        var target: LSN
        var count: Int
        var kind: WaitKind
        var deadline: ReplicationInstant?
    }

    /// A wait that is answered: reply to the client that registered `id` with `acked`
    /// replicas, and (WAITAOF) whether this primary's log fsynced the write (`local`).
    public struct WaitCompletion: Hashable, Sendable {
        public var id: WaiterID
        public var acked: Int
        public var local: Bool

        public init(id: WaiterID, acked: Int, local: Bool = false) { (self.id, self.acked, self.local) = (id, acked, local) }
    }

    /// The outcome of registering a wait.
    public enum WaitRegistration: Hashable, Sendable {
        /// Answer at once with this count (and, for WAITAOF, whether the write is fsynced here).
        case done(acked: Int, local: Bool)
        /// Blocked; the answer comes from `onAck`, `onLocalDurable` or `onTick`.
        case waiting(WaiterID)
    }

    /// Connected replicas that acked `target` or beyond.
    public func ackedCount(atLeast target: LSN) -> Int {
        replicas.values.filter { $0.connection != nil && $0.ackedLSN >= target }.count
    }

    /// Connected replicas that reported `target` or beyond fsynced.
    public func durableCount(atLeast target: LSN) -> Int {
        replicas.values.filter { $0.connection != nil && $0.durableLSN >= target }.count
    }

    /// `WAIT count timeout` (or WAITAOF, by `kind`) for a client whose last write was `target`;
    /// `deadline` nil blocks until enough acks (Redis's `timeout 0`).
    public mutating func registerWait(target: LSN, count: Int, kind: WaitKind = .applied, deadline: ReplicationInstant?,
                                      now: ReplicationInstant) -> WaitRegistration {
        let waiter = Waiter(target: target, count: count, kind: kind, deadline: deadline)
        let (acked, local, satisfied) = progress(of: waiter)
        if satisfied || (deadline.map { now >= $0 } ?? false) { return .done(acked: acked, local: local) }
        let id = WaiterID(rawValue: nextWaiterID)
        nextWaiterID += 1
        waiters[id] = waiter
        return .waiting(id)
    }

    /// How far a waiter got: replicas counted, the local fsync, and whether that is enough.
    func progress(of waiter: Waiter) -> (acked: Int, local: Bool, satisfied: Bool) {
        let localDurable = localDurableLSN >= waiter.target
        switch waiter.kind {
        case .applied:
            let acked = ackedCount(atLeast: waiter.target)
            return (acked, localDurable, acked >= waiter.count)
        case let .durable(local):
            let acked = durableCount(atLeast: waiter.target)
            return (acked, localDurable, acked >= waiter.count && (!local || localDurable))
        }
    }

    /// This primary's log fsynced every record up to `lsn`; returns the WAITAOFs this completes.
    public mutating func onLocalDurable(lsn: LSN, now: ReplicationInstant) -> [WaitCompletion] {
        guard lsn > localDurableLSN else { return [] }
        localDurableLSN = lsn
        return completeWaiters(now: now)
    }

    /// When `onTick` must next be called: the earliest deadline of a blocked WAIT, nil when
    /// none has one. The shell arms one timer for it (a directive, as SWIM's timers are); a
    /// tick that comes early answers nothing and this says when to try again.
    public var nextWaitDeadline: ReplicationInstant? {
        waiters.values.compactMap(\.deadline).min()
    }

    /// Whether heartbeats should ask replicas to ack now (some WAIT is blocked).
    public var wantsAcks: Bool { !waiters.isEmpty }

    /// The time passed: answers waiters whose deadline is due, and forgets replicas not
    /// seen within the retention window.
    public mutating func onTick(now: ReplicationInstant) -> [WaitCompletion] {
        replicas = replicas.filter { $0.value.connection != nil || now - $0.value.lastSeen <= retention }
        return completeWaiters(now: now)
    }

    /// A client gave up (closed its connection).
    public mutating func cancelWait(_ id: WaiterID) { waiters[id] = nil }

    mutating func completeWaiters(now: ReplicationInstant) -> [WaitCompletion] {
        var done: [WaitCompletion] = []
        for (id, waiter) in waiters {
            let (acked, local, satisfied) = progress(of: waiter)
            if satisfied || (waiter.deadline.map { now >= $0 } ?? false) {
                done.append(WaitCompletion(id: id, acked: acked, local: local))
                waiters[id] = nil
            }
        }
        // Dictionary order is random; answer in registration order so runs are repeatable.
        return done.sorted { $0.id.rawValue < $1.id.rawValue }
    }
}
