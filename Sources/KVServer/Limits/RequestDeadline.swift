/// The decisions of `--request-timeout`, without a channel or a clock: when a request (or a
/// client's reading of its replies) started, whether the one scheduled check should expire it,
/// and when to check next. `RequestTimer` is its shell on an event loop.
///
/// Time is an `InstantProtocol` value passed in (as Hummingbird's connection state machine
/// takes its `Clock`'s instants): the server passes `ContinuousClock` instants, the tests
/// any instants they like (`RequestDeadlineTests`).
///
/// Progress: a waiter may report a measure that goes down as the peer makes progress (the
/// bytes still buffered for a client reading a large reply). When a check finds it lower than
/// at the last start, the clock starts again instead of expiring.
struct RequestDeadline<Instant: InstantProtocol> where Instant.Duration == Duration {
    /// What the shell must do.
    enum Action: Equatable {
        /// Nothing (a check is armed already, or nothing is pending).
        case none
        /// Schedule the one check at this instant (replacing any scheduled one).
        case arm(at: Instant)
        /// The request took too long: close the connection.
        case expire
    }

    let timeout: Duration
    /// When the pending request started; nil when nothing is pending.
    private(set) var since: Instant?
    /// When the scheduled check fires; nil when none is scheduled.
    private(set) var checkAt: Instant?
    /// The progress measure at the last start.
    private(set) var mark = 0

    init(timeout: Duration) { self.timeout = timeout }

    /// Part of a request arrived (or the client stopped reading, with `mark` bytes buffered):
    /// the clock runs, unless it already does.
    mutating func begin(now: Instant, mark: Int = 0) -> Action {
        guard since == nil else { return .none }
        since = now
        self.mark = mark
        return arm(now + timeout)
    }

    /// A request completed and the next one began arriving: the clock starts again from now
    /// (the scheduled check, if any, re-arms itself for the remainder when it fires).
    mutating func restart(now: Instant) -> Action {
        since = now
        return checkAt == nil ? arm(now + timeout) : .none
    }

    /// Nothing is pending any more.
    mutating func end() { since = nil }

    /// The connection closed: nothing is pending, nothing must fire.
    mutating func cancel() {
        since = nil
        checkAt = nil
    }

    /// The scheduled check fired at `now`; `mark` is the progress measure now.
    mutating func checkFired(now: Instant, mark: Int = 0) -> Action {
        checkAt = nil
        guard let since else { return .none }
        let due = since.advanced(by: timeout)
        if now < due { return arm(due) }
        if mark < self.mark {
            // Progress since the clock started: a new full timeout from now.
            self.since = now
            self.mark = mark
            return arm(now + timeout)
        }
        self.since = nil
        return .expire
    }

    private mutating func arm(_ instant: Instant) -> Action {
        checkAt = instant
        return .arm(at: instant)
    }
}

private func + <Instant: InstantProtocol>(instant: Instant, duration: Instant.Duration) -> Instant {
    instant.advanced(by: duration)
}
