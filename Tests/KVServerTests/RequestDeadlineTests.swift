import Testing
@testable import KVServer

/// `--request-timeout`'s decisions, driven by hand-made instants: no channel, no sleeping.
@Suite struct RequestDeadlineTests {
    typealias Deadline = RequestDeadline<ContinuousClock.Instant>
    let t0 = ContinuousClock.now

    @Test func aRequestNotWholeWithinTheTimeoutExpires() {
        var deadline = Deadline(timeout: .seconds(30))
        #expect(deadline.begin(now: t0) == .arm(at: t0 + .seconds(30)))
        #expect(deadline.begin(now: t0 + .seconds(5)) == .none, "more bytes of the same request: the clock keeps running")
        #expect(deadline.checkFired(now: t0 + .seconds(30)) == .expire)
        #expect(deadline.since == nil)
    }

    @Test func aCheckThatFindsALaterStartReArmsForTheRemainder() {
        var deadline = Deadline(timeout: .seconds(30))
        _ = deadline.begin(now: t0)
        // Requests completed and the next began at 20 s: only a time is recorded, the armed
        // check stays where it is.
        #expect(deadline.restart(now: t0 + .seconds(20)) == .none)
        #expect(deadline.checkFired(now: t0 + .seconds(30)) == .arm(at: t0 + .seconds(50)))
        #expect(deadline.checkFired(now: t0 + .seconds(50)) == .expire)
    }

    @Test func aTimerThatFiresEarlyReArmsInsteadOfExpiring() {
        var deadline = Deadline(timeout: .seconds(30))
        _ = deadline.begin(now: t0)
        #expect(deadline.checkFired(now: t0 + .milliseconds(29_999)) == .arm(at: t0 + .seconds(30)))
    }

    @Test func nothingPendingMeansNothingExpires() {
        var deadline = Deadline(timeout: .seconds(30))
        _ = deadline.begin(now: t0)
        deadline.end()
        #expect(deadline.checkFired(now: t0 + .seconds(31)) == .none)
        #expect(deadline.restart(now: t0 + .seconds(40)) == .arm(at: t0 + .seconds(70)), "no check armed any more: arm one")
        deadline.cancel()
        #expect(deadline.checkAt == nil && deadline.since == nil)
    }

    /// A client reading a large reply slowly: the bytes buffered for it go down between checks,
    /// so the clock starts again; once they stop going down, it expires.
    @Test func progressStartsTheClockAgain() {
        var deadline = Deadline(timeout: .seconds(1))
        #expect(deadline.begin(now: t0, mark: 16 << 20) == .arm(at: t0 + .seconds(1)))
        #expect(deadline.checkFired(now: t0 + .seconds(1), mark: 12 << 20) == .arm(at: t0 + .seconds(2)))
        #expect(deadline.checkFired(now: t0 + .seconds(2), mark: 8 << 20) == .arm(at: t0 + .seconds(3)))
        #expect(deadline.checkFired(now: t0 + .seconds(3), mark: 8 << 20) == .expire, "no progress for a whole timeout")
    }
}
