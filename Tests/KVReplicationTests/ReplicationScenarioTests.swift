import KVCore
import KVReplication
import Testing

/// Multi-node scripts over `Cluster`: each states the steps and what must have happened.
@Suite struct ReplicationScenarioTests {
    @Test func freshReplicaClonesThenStreamsAndConverges() {
        var cluster = Cluster(records: 5)
        cluster.startReplica()
        cluster.write(3)
        cluster.advance(by: .milliseconds(20))
        #expect(Array(cluster.trace.prefix(5)) == [
            "log: clone requested from kv-0:6379",
            "connect clone kv-0:6379",
            "log: clone started from kv-0:6379: history \(cluster.history) lsn 5",
            "install clone 5",
            "log: clone installed: history \(cluster.history) lsn 5",
        ])
        #expect(cluster.trace.contains("connect stream after 5"))
        #expect(cluster.trace.last == "ready true (caught up)")
        #expect(cluster.disk?.lsn == LSN(8))
        #expect(cluster.registry.replicas["kv-1"]?.ackedLSN == LSN(8))
        #expect(cluster.registry.counters == .init(syncFull: 1, syncPartialOK: 1, syncPartialErr: 0))
    }

    @Test func primaryRestartReplicaBacksOffAndResumesWithoutClone() {
        var cluster = Cluster(records: 5)
        cluster.startReplica()
        cluster.down(Cluster.primary)
        cluster.advance(by: .milliseconds(100 + 200 + 400))  // three failed retries
        #expect(cluster.trace.filter { $0.hasPrefix("connect stream") }.count == 4)
        #expect(cluster.ready, "keeps serving and stays ready with max-staleness off")
        #expect(cluster.link.staleness(at: cluster.now) == .milliseconds(700))
        cluster.restart(Cluster.primary)
        cluster.write(2)
        cluster.advance(by: .milliseconds(800))  // the next retry is due 800 ms after the last
        #expect(cluster.clones == 1)
        #expect(cluster.disk?.lsn == LSN(7))
        #expect(cluster.link.linkDownSince == nil)
    }

    @Test func replicaBehindRetentionIsToldCompactedAndReclones() {
        var cluster = Cluster(records: 5)
        cluster.startReplica()
        cluster.down(Cluster.primary)
        cluster.write(10)
        cluster.registry.onLogCompacted(oldest: LSN(12))
        cluster.restart(Cluster.primary)
        cluster.advance(by: .milliseconds(100))
        #expect(cluster.trace.contains("wipe (compacted 12)"))
        #expect(cluster.clones == 2)
        #expect(cluster.disk?.lsn == LSN(15))
        #expect(cluster.ready)
        #expect(cluster.registry.counters.syncPartialErr == 1)
    }

    @Test func historyMismatchReclones() {
        var cluster = Cluster(records: 3)
        cluster.disk = (HistoryID(high: 9, low: 9), LSN(3))
        cluster.startReplica()
        #expect(cluster.trace.contains("wipe (history \(cluster.history))"))
        #expect(cluster.disk?.history == cluster.history)
        #expect(cluster.ready)
    }

    /// A replica holding records past the primary's end (the primary lost them) cuts its log
    /// back to the fork point and streams on: no clone.
    @Test func replicaAheadOfPrimaryCutsBackWithoutAClone() {
        var cluster = Cluster(records: 3)
        cluster.disk = (cluster.history, LSN(7))
        cluster.startReplica()
        #expect(cluster.trace.contains("cut back to 3"), "\(cluster.trace)")
        #expect(!cluster.trace.contains { $0.hasPrefix("wipe") })
        #expect(cluster.clones == 0)
        #expect(cluster.disk?.lsn == LSN(3))
        #expect(cluster.ready)
    }

    /// The same fork with a snapshot past the fork point: its state holds lost records, so only
    /// a clone repairs it.
    @Test func aForkBelowTheSnapshotReclones() {
        var cluster = Cluster(records: 3)
        cluster.disk = (cluster.history, LSN(7))
        cluster.snapshotLSN = LSN(5)
        cluster.startReplica()
        #expect(cluster.trace.contains("cut back to 3 failed"))
        #expect(cluster.trace.contains("wipe (fork 3)"))
        #expect(cluster.clones == 1)
        #expect(cluster.disk?.lsn == LSN(3))
    }

    @Test func cloneSourceDownFallsBackToPrimaryAfterTimeout() {
        var cluster = Cluster(records: 4, cloneSource: Cluster.peer)
        cluster.down(Cluster.peer)
        cluster.startReplica()
        cluster.advance(by: .seconds(9))
        #expect(!cluster.trace.contains("connect clone kv-0:6379"), "not before the clone timeout")
        cluster.advance(by: .seconds(2))
        #expect(cluster.trace.contains("log: clone source kv-2:6379 unavailable, cloning from kv-0:6379"))
        #expect(cluster.disk?.lsn == LSN(4))
        #expect(cluster.ready)
    }

    @Test func lostAcksStillAnswerWaitCorrectly() {
        var cluster = Cluster(records: 2)
        cluster.startReplica()
        cluster.dropAcks = true
        cluster.write(3)
        cluster.advance(by: .milliseconds(50))
        let wait = cluster.registry.registerWait(target: LSN(5), count: 1, deadline: cluster.now + .seconds(1), now: cluster.now)
        guard case .waiting(let id) = wait else { Issue.record("should block"); return }
        // Acks are lost until the deadline: WAIT answers 0.
        cluster.heartbeat()
        cluster.advance(by: .seconds(1))
        #expect(cluster.registry.onTick(now: cluster.now).isEmpty, "already answered")
        // A new WAIT, acks flowing again: the heartbeat asking for an ack completes it.
        cluster.dropAcks = false
        guard case .waiting(let second) = cluster.registry.registerWait(target: LSN(5), count: 1, deadline: nil, now: cluster.now)
        else { Issue.record("should block"); return }
        #expect(second != id)
        cluster.heartbeat()
        #expect(cluster.registry.replicas["kv-1"]?.ackedLSN == LSN(5))
        #expect(cluster.registry.ackedCount(atLeast: LSN(5)) == 1)
        #expect(!cluster.registry.wantsAcks)
    }

    enum CrashPoint: String, CaseIterable, Sendable {
        case beforeStart, afterClone, whileStreaming, whileDisconnected
    }

    @Test(arguments: CrashPoint.allCases)
    func replicaCrashResumesFromPersistedLSNWithoutClone(at point: CrashPoint) {
        var cluster = Cluster(records: 5)
        if point != .beforeStart { cluster.startReplica() }
        if point == .whileStreaming { cluster.write(4) }
        if point == .whileDisconnected {
            cluster.write(2)
            cluster.down(Cluster.primary)
            cluster.advance(by: .milliseconds(50))
            cluster.restart(Cluster.primary)
        }
        let clonesBefore = cluster.clones
        let persisted = cluster.disk?.lsn
        cluster.crashReplica()
        cluster.write(1)
        cluster.advance(by: .milliseconds(20))
        #expect(cluster.clones == (point == .beforeStart ? 1 : clonesBefore))
        if let persisted { #expect(cluster.trace.contains("connect stream after \(persisted)")) }
        #expect(cluster.disk?.lsn == cluster.registry.lastLSN)
        #expect(cluster.ready)
    }
}
