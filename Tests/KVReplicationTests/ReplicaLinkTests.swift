import KVCore
import KVReplication
import Testing

/// `ReplicaLink` event by event.
@Suite struct ReplicaLinkTests {
    static let history = HistoryID(high: 1, low: 2)
    let t0 = ReplicationInstant.origin

    func streamingLink(lsn: UInt64 = 10, primaryLSN: UInt64 = 10,
                       configure: (inout ReplicaLink.Configuration) -> Void = { _ in }) -> ReplicaLink {
        var configuration = ReplicaLink.Configuration(primary: "kv-0:6379")
        configure(&configuration)
        var link = ReplicaLink(configuration: configuration)
        _ = link.on(.start(history: Self.history, lsn: LSN(lsn)), at: t0)
        _ = link.on(.streamAccepted(history: Self.history, primaryLSN: LSN(primaryLSN)), at: t0)
        return link
    }

    @Test func startWithDataStreamsAfterLocalLSN() {
        var link = ReplicaLink(configuration: .init(primary: "kv-0:6379"))
        let actions = link.on(.start(history: Self.history, lsn: LSN(7)), at: t0)
        #expect(actions == [.connect(.stream(primary: "kv-0:6379", history: Self.history, after: LSN(7)))])
    }

    @Test func backoffDoublesToFiveSecondsAndResetsAfterALongStream() {
        var link = streamingLink()
        var now = t0
        var delays: [Duration] = []
        _ = link.on(.disconnected, at: now)  // ran 0 s: no reset
        for _ in 0..<8 {
            guard case .disconnected(let retryAt, _) = link.state else { Issue.record("\(link.state)"); return }
            delays.append(retryAt - now)
            now = retryAt
            _ = link.on(.timerFired(.reconnect), at: now)
            _ = link.on(.connectFailed(reason: "refused"), at: now)
        }
        #expect(delays.map { $0 / .milliseconds(100) } == [1, 2, 4, 8, 16, 32, 50, 50])
        if case .disconnected(let retryAt, _) = link.state { now = retryAt }
        _ = link.on(.timerFired(.reconnect), at: now)
        _ = link.on(.streamAccepted(history: Self.history, primaryLSN: LSN(10)), at: now)
        _ = link.on(.disconnected, at: now + .seconds(10))
        #expect(link.state == .disconnected(retryAt: now + .seconds(10) + .milliseconds(100), clone: false))
    }

    @Test func acksAreBatchedWhileRecordsFlow() {
        var link = streamingLink()
        #expect(link.on(.recordApplied(lsn: LSN(11), primaryTime: UnixMillis(0)), at: t0) == [.sendAck(LSN(11))])
        let ms = Duration.milliseconds(1)
        #expect(link.on(.recordApplied(lsn: LSN(12), primaryTime: UnixMillis(0)), at: t0 + ms * 2)
                == [.scheduleTimer(after: ms * 8, id: .ackFlush)])
        #expect(link.on(.recordApplied(lsn: LSN(13), primaryTime: UnixMillis(0)), at: t0 + ms * 4) == [])
        #expect(link.on(.timerFired(.ackFlush), at: t0 + ms * 10) == [.sendAck(LSN(13))])
        #expect(link.on(.heartbeat(primaryLSN: LSN(13), primaryTime: UnixMillis(0), ackRequested: true), at: t0 + ms * 11)
                == [.sendAck(LSN(13))])
    }

    /// WAITAOF counts a replica once it reports the records fsynced: an fsync that moves what
    /// acks say is reported at once, even with nothing new applied, and never past what was
    /// applied.
    @Test func fsyncsAreReportedInAcks() {
        var link = streamingLink()
        #expect(link.ackedDurableLSN == LSN(10), "recovered data is durable")
        _ = link.on(.recordApplied(lsn: LSN(11), primaryTime: UnixMillis(0)), at: t0)
        #expect(link.ackedDurableLSN == LSN(10))
        #expect(link.on(.logDurable(lsn: LSN(10)), at: t0 + .seconds(1)) == [], "nothing new fsynced")
        #expect(link.on(.logDurable(lsn: LSN(11)), at: t0 + .seconds(1)) == [.sendAck(LSN(11))])
        #expect(link.ackedDurableLSN == LSN(11))
        // A log fsynced past what the link applied (the batch is being applied) reports only
        // what the ack says is applied.
        #expect(link.on(.logDurable(lsn: LSN(15)), at: t0 + .seconds(2)) == [])
        #expect(link.on(.recordApplied(lsn: LSN(15), primaryTime: UnixMillis(0)), at: t0 + .seconds(3)) == [.sendAck(LSN(15))])
        #expect(link.ackedDurableLSN == LSN(15))
        // Not streaming: nothing to send; a resync forgets the old data's positions.
        _ = link.on(.disconnected, at: t0 + .seconds(4))
        #expect(link.on(.logDurable(lsn: LSN(16)), at: t0 + .seconds(4)) == [])
    }

    @Test(arguments: [(0, true), (1000, true), (1001, false)])
    func readinessFollowsLag(behind: UInt64, ready: Bool) {
        var link = streamingLink(lsn: 0, primaryLSN: 0)
        _ = link.on(.heartbeat(primaryLSN: LSN(behind), primaryTime: UnixMillis(0), ackRequested: false), at: t0)
        #expect(link.isReady == ready)
    }

    @Test func maxStalenessMakesUnreadyButLinkKeepsState() {
        var link = streamingLink { $0.maxStaleness = .seconds(2) }
        #expect(link.isReady)
        _ = link.on(.disconnected, at: t0 + .seconds(1))
        #expect(link.isReady, "a disconnect alone does not make it unready")
        let late = link.on(.timerFired(.staleness), at: t0 + .seconds(2) + .milliseconds(1))
        #expect(late.contains(.setReady(false, reason: .stale(.seconds(2) + .milliseconds(1)))))
        #expect(link.linkDownSince == t0 + .seconds(1))
    }

    @Test(arguments: [ResyncReason.history(HistoryID(high: 9, low: 9)), .compacted(oldest: LSN(50)), .fork(at: .zero)])
    func resyncWipesThenClones(reason: ResyncReason) {
        var link = ReplicaLink(configuration: .init(primary: "kv-0:6379"))
        _ = link.on(.start(history: Self.history, lsn: LSN(7)), at: t0)
        let actions = link.on(.resyncRequired(reason), at: t0)
        #expect(Array(actions.dropFirst()) == [
            .closeConnection, .wipeAndReclone(reason),
            .log(.cloneRequested(source: "kv-0:6379")), .connect(.clone(source: "kv-0:6379")),
        ])
        #expect(link.history == nil)
    }

    /// A fork with a common prefix: cut back to it (not ready meanwhile), then stream after it;
    /// when the cut fails (a snapshot past the fork), wipe and clone.
    @Test func aForkIsCutBackThenStreamed() {
        var link = ReplicaLink(configuration: .init(primary: "kv-0:6379"))
        _ = link.on(.start(history: Self.history, lsn: LSN(7)), at: t0)
        let actions = link.on(.resyncRequired(.fork(at: LSN(3))), at: t0)
        #expect(actions == [.log(.fork(at: LSN(3), applied: LSN(7))), .closeConnection, .cutBack(to: LSN(3))])
        #expect(link.state == .cuttingBack(to: LSN(3)))
        #expect(link.readiness(at: t0) == .repairingFork)
        #expect(link.on(.disconnected, at: t0) == [], "the closed connection changes nothing")
        #expect(link.on(.cutBackFinished(lsn: LSN(3)), at: t0 + .seconds(1)) == [
            .log(.cutBack(to: LSN(3))),
            .connect(.stream(primary: "kv-0:6379", history: Self.history, after: LSN(3))),
        ])
        #expect(link.appliedLSN == LSN(3))

        var failing = ReplicaLink(configuration: .init(primary: "kv-0:6379"))
        _ = failing.on(.start(history: Self.history, lsn: LSN(7)), at: t0)
        _ = failing.on(.resyncRequired(.fork(at: LSN(3))), at: t0)
        let fallback = failing.on(.cutBackFailed(reason: "snapshot past the fork"), at: t0)
        #expect(fallback.contains(.wipeAndReclone(.fork(at: LSN(3)))))
        #expect(fallback.contains(.connect(.clone(source: "kv-0:6379"))))
        #expect(failing.history == nil)
    }
}
