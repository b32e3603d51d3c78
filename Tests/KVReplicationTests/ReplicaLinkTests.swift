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

    @Test(arguments: [ResyncReason.history(HistoryID(high: 9, low: 9)), .compacted(oldest: LSN(50)), .fork(at: LSN(3))])
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
}
