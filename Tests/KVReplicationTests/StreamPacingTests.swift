import KVReplication
import Testing

/// The primary's pacing of one stream: batch size, going on, heartbeats — with hand-made instants.
@Suite struct StreamPacingTests {
    let t0 = ContinuousClock.now

    @Test func aBatchStopsAtTheTurnLimitPassingItByOneRecordAtMost() {
        let pacing = StreamPacing(now: t0, maxBytesPerTurn: 1000)
        var batch = 0
        var records = 0
        while pacing.batchHasRoom(batch) {
            batch += 300
            records += 1
        }
        #expect(records == 4 && batch == 1200, "the fourth record starts below the limit and carries it past")
    }

    @Test func moreIsSentLaterOnlyWhileReadyAndWritable() {
        var pacing = StreamPacing(now: t0)
        let goOn = pacing.sent(now: t0, ready: true, writable: true)
        let socketFull = pacing.sent(now: t0, ready: true, writable: false)
        let nothingReady = pacing.sent(now: t0, ready: false, writable: true)
        #expect(goOn)
        #expect(!socketFull, "the socket's writability resumes it")
        #expect(!nothingReady, "the next write wakes it")
    }

    @Test func anIdleStreamHeartbeatsAndAsksForAnAckWhileAWaitIsBlocked() {
        var pacing = StreamPacing(now: t0, heartbeatInterval: .milliseconds(100))
        #expect(pacing.onTick(now: t0 + .milliseconds(99), waitBlocked: false) == .skip)
        #expect(pacing.onTick(now: t0 + .milliseconds(100), waitBlocked: false) == .send(askForAck: false))
        #expect(pacing.onTick(now: t0 + .milliseconds(100), waitBlocked: true) == .send(askForAck: true))
        _ = pacing.sent(now: t0 + .milliseconds(150))
        #expect(pacing.onTick(now: t0 + .milliseconds(200), waitBlocked: true) == .skip, "records went out 50 ms ago")
        #expect(pacing.onTick(now: t0 + .milliseconds(250), waitBlocked: true) == .send(askForAck: true))
    }
}
