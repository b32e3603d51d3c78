import KVCore

/// `WAIT numreplicas timeout`, with Redis's meaning: block until `numreplicas` replicas
/// acknowledged the client's last write, or the timeout passes; answer how many did.
extension ReplicaRegistry {
    /// Names one blocked WAIT.
    public struct WaiterID: Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt64
        public var description: String { "wait#\(rawValue)" }
    }

    struct Waiter: Hashable, Sendable {
        var target: LSN
        var count: Int
        var deadline: ReplicationInstant?
    }

    /// A WAIT that is answered: reply `acked` to the client that registered `id`.
    public struct WaitCompletion: Hashable, Sendable {
        public var id: WaiterID
        public var acked: Int

        public init(id: WaiterID, acked: Int) { (self.id, self.acked) = (id, acked) }
    }

    /// The outcome of registering a WAIT.
    public enum WaitRegistration: Hashable, Sendable {
        /// Answer at once with this count.
        case done(acked: Int)
        /// Blocked; the answer comes from `onAck` or `onTick`.
        case waiting(WaiterID)
    }

    /// Connected replicas that acked `target` or beyond.
    public func ackedCount(atLeast target: LSN) -> Int {
        replicas.values.filter { $0.connection != nil && $0.ackedLSN >= target }.count
    }

    /// `WAIT count timeout` for a client whose last write was `target`; `deadline` nil blocks
    /// until enough acks (Redis's `timeout 0`).
    public mutating func registerWait(target: LSN, count: Int, deadline: ReplicationInstant?,
                                      now: ReplicationInstant) -> WaitRegistration {
        let acked = ackedCount(atLeast: target)
        if acked >= count || (deadline.map { now >= $0 } ?? false) { return .done(acked: acked) }
        let id = WaiterID(rawValue: nextWaiterID)
        nextWaiterID += 1
        waiters[id] = Waiter(target: target, count: count, deadline: deadline)
        return .waiting(id)
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
            let acked = ackedCount(atLeast: waiter.target)
            if acked >= waiter.count || (waiter.deadline.map { now >= $0 } ?? false) {
                done.append(WaitCompletion(id: id, acked: acked))
                waiters[id] = nil
            }
        }
        // Dictionary order is random; answer in registration order so runs are repeatable.
        return done.sorted { $0.id.rawValue < $1.id.rawValue }
    }
}
