import KVCore
import KVReplication
import Testing

@Suite struct ReplicaRegistryTests {
    static let history = HistoryID(high: 1, low: 2)
    static let other = HistoryID(high: 3, low: 4)
    let t0 = ReplicationInstant.origin

    /// Primary at LSN 100 whose log holds 50…100.
    func registry() -> ReplicaRegistry {
        ReplicaRegistry(history: Self.history, lastLSN: LSN(100), oldestRetainedLSN: LSN(50), retention: .seconds(60))
    }

    struct StreamCase: Sendable, CustomTestStringConvertible {
        var history: HistoryID
        var after: UInt64
        var expected: ResyncReason?
        var testDescription: String { "after \(after) → \(expected.map(String.init(describing:)) ?? "stream")" }
    }

    @Test(arguments: [
        StreamCase(history: history, after: 100, expected: nil),
        StreamCase(history: history, after: 49, expected: nil),  // needs 50…, which is kept
        StreamCase(history: history, after: 48, expected: .compacted(oldest: LSN(50))),
        StreamCase(history: history, after: 0, expected: .compacted(oldest: LSN(50))),
        StreamCase(history: history, after: 101, expected: .fork(at: LSN(100))),
        StreamCase(history: other, after: 100, expected: .history(history)),
    ])
    func decidesStreamRequests(_ row: StreamCase) {
        var registry = registry()
        #expect(registry.decideStream(history: row.history, after: LSN(row.after)) == row.expected)
        let ok = row.expected == nil ? 1 : 0
        #expect(registry.counters == .init(syncPartialOK: ok, syncPartialErr: 1 - ok))
    }

    @Test func acksOnlyMoveForwardAndDriveLag() {
        var registry = registry()
        registry.register(name: "kv-1", address: "kv-1:6379", connection: .init(1), after: LSN(90), now: t0)
        _ = registry.onAck(connection: .init(1), lsn: LSN(95), now: t0 + .seconds(1))
        _ = registry.onAck(connection: .init(1), lsn: LSN(92), now: t0 + .seconds(2))  // reordered
        _ = registry.onAck(connection: .init(1), lsn: LSN(500), now: t0 + .seconds(2))  // beyond the log
        #expect(registry.replicas["kv-1"]?.ackedLSN == LSN(95))
        #expect(registry.lag(of: "kv-1", now: t0 + .seconds(3)) == .init(records: 5, time: .seconds(1)))
        _ = registry.onAck(connection: .init(1), lsn: LSN(100), now: t0 + .seconds(3))
        #expect(registry.lag(of: "kv-1", now: t0 + .seconds(9)) == .init(records: 0, time: .zero))
    }

    @Test func waitCompletesOnAcksOrDeadlineWithRedisCount() {
        var registry = registry()
        registry.register(name: "kv-1", address: "kv-1:6379", connection: .init(1), after: LSN(100), now: t0)
        registry.register(name: "kv-2", address: "kv-2:6379", connection: .init(2), after: LSN(100), now: t0)
        #expect(registry.registerWait(target: LSN(100), count: 2, deadline: nil, now: t0) == .done(acked: 2, local: false))
        registry.onWrite(lsn: LSN(101))
        guard case .waiting(let both) = registry.registerWait(target: LSN(101), count: 2, deadline: t0 + .seconds(1), now: t0),
              case .waiting(let one) = registry.registerWait(target: LSN(101), count: 1, deadline: t0 + .seconds(1), now: t0)
        else { Issue.record("should block"); return }
        #expect(registry.wantsAcks)
        #expect(registry.onAck(connection: .init(1), lsn: LSN(101), now: t0) == [.init(id: one, acked: 1)])
        #expect(registry.onTick(now: t0 + .milliseconds(999)).isEmpty)
        #expect(registry.onTick(now: t0 + .seconds(1)) == [.init(id: both, acked: 1)])
        #expect(!registry.wantsAcks)
    }

    /// WAITAOF: replicas count once they report the write fsynced, and `numlocal` 1 also waits
    /// for this primary's own fsync; at the deadline it answers what it has.
    @Test func waitaofCountsFsyncedReplicasAndTheLocalFsync() {
        var registry = registry()
        registry.register(name: "kv-1", address: "kv-1:6379", connection: .init(1), after: LSN(100), now: t0)
        registry.register(name: "kv-2", address: "kv-2:6379", connection: .init(2), after: LSN(100), now: t0)
        registry.onWrite(lsn: LSN(101))
        _ = registry.onLocalDurable(lsn: LSN(100), now: t0)
        // Applied on both is not enough for WAITAOF.
        _ = registry.onAck(connection: .init(1), lsn: LSN(101), now: t0)
        _ = registry.onAck(connection: .init(2), lsn: LSN(101), durable: LSN(100), now: t0)
        #expect(registry.registerWait(target: LSN(100), count: 2, kind: .durable(local: true), deadline: t0, now: t0)
                == .done(acked: 1, local: true), "kv-1 reports no fsyncs; kv-2 fsynced 100")
        guard case .waiting(let both) = registry.registerWait(target: LSN(101), count: 1, kind: .durable(local: true),
                                                              deadline: t0 + .seconds(1), now: t0),
              case .waiting(let remote) = registry.registerWait(target: LSN(101), count: 1, kind: .durable(local: false),
                                                                deadline: t0 + .seconds(1), now: t0)
        else { Issue.record("should block"); return }
        // A durable position past the applied one is capped at it.
        #expect(registry.onAck(connection: .init(2), lsn: LSN(101), durable: LSN(101), now: t0)
                == [.init(id: remote, acked: 1, local: false)])
        #expect(registry.onLocalDurable(lsn: LSN(101), now: t0) == [.init(id: both, acked: 1, local: true)])
        #expect(registry.replicas["kv-2"]?.durableLSN == LSN(101))
        // The deadline answers with the counts so far.
        registry.onWrite(lsn: LSN(102))
        guard case .waiting(let late) = registry.registerWait(target: LSN(102), count: 2, kind: .durable(local: true),
                                                              deadline: t0 + .seconds(2), now: t0)
        else { Issue.record("should block"); return }
        #expect(registry.onTick(now: t0 + .seconds(2)) == [.init(id: late, acked: 0, local: false)])
    }

    /// The timer the shell arms is the registry's: the earliest deadline of a blocked WAIT; an
    /// early tick answers nothing and leaves the deadline armed; WAIT 0 (no deadline) arms none.
    @Test func theNextWaitDeadlineIsTheTimerToArm() {
        var registry = registry()
        registry.register(name: "kv-1", address: "kv-1:6379", connection: .init(1), after: LSN(100), now: t0)
        registry.onWrite(lsn: LSN(101))
        #expect(registry.nextWaitDeadline == nil)
        guard case .waiting = registry.registerWait(target: LSN(101), count: 1, deadline: nil, now: t0),
              case .waiting(let late) = registry.registerWait(target: LSN(101), count: 2, deadline: t0 + .seconds(2), now: t0),
              case .waiting(let early) = registry.registerWait(target: LSN(101), count: 2, deadline: t0 + .milliseconds(500), now: t0)
        else { Issue.record("should block"); return }
        #expect(registry.nextWaitDeadline == t0 + .milliseconds(500))
        #expect(registry.onTick(now: t0 + .milliseconds(499)).isEmpty, "a timer that fires early answers nothing")
        #expect(registry.nextWaitDeadline == t0 + .milliseconds(500))
        #expect(registry.onTick(now: t0 + .milliseconds(500)) == [.init(id: early, acked: 0)])
        #expect(registry.nextWaitDeadline == t0 + .seconds(2))
        registry.cancelWait(late)
        #expect(registry.nextWaitDeadline == nil, "the client left: no timer; WAIT 0 waits for acks alone")
        #expect(registry.wantsAcks)
    }

    @Test func staleUnregisterDoesNotDropTheNewConnection() {
        var registry = registry()
        registry.register(name: "kv-1", address: "kv-1:6379", connection: .init(1), after: LSN(100), now: t0)
        registry.register(name: "kv-1", address: "kv-1:6379", connection: .init(2), after: LSN(100), now: t0)
        registry.unregister(connection: .init(1), now: t0)
        #expect(registry.connectedCount == 1)
    }

    @Test func retentionFloorKeepsLogForRecentlySeenReplicas() {
        var registry = registry()
        #expect(registry.retentionFloor(now: t0) == nil)
        registry.register(name: "kv-1", address: "kv-1:6379", connection: .init(1), after: LSN(60), now: t0)
        registry.register(name: "kv-2", address: "kv-2:6379", connection: .init(2), after: LSN(80), now: t0)
        registry.unregister(connection: .init(1), now: t0 + .seconds(1))
        #expect(registry.retentionFloor(now: t0 + .seconds(61)) == LSN(60))
        _ = registry.onTick(now: t0 + .seconds(62))
        #expect(registry.retentionFloor(now: t0 + .seconds(62)) == LSN(80))
        #expect(registry.replicas["kv-1"] == nil)
    }
}
