/// CLIENT PAUSE's decisions, without a clock or a connection: whether a pause is on, until
/// when, and for which commands — so that `ClientPauses` (the shell) only stores it, arms
/// timers at the instants it returns and wakes the connections it holds.
///
/// As Redis 7.0's `pauseClients`: a second pause while one lasts never makes it shorter nor
/// less strict (the later end and the stricter scope win); UNPAUSE ends it at once; a pause
/// ends by itself at its end instant. Time is any `InstantProtocol` value passed in
/// (`ContinuousClock` instants in the server, hand-made ones in `ClientPauseStateTests`).
struct ClientPauseState<Instant: InstantProtocol> {
    /// Which commands a pause holds.
    enum Scope: Int, Comparable, Sendable {
        /// Commands that may write or replicate (Redis's `WRITE`).
        case write = 1
        /// Every command (Redis's `ALL`, the default).
        case all = 2

        static func < (lhs: Scope, rhs: Scope) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// What happens to a command now.
    enum Decision: Equatable {
        case run
        /// Hold it until `until` (or until UNPAUSE), then ask again.
        case wait(until: Instant)
    }

    private(set) var scope: Scope?
    private(set) var end: Instant?

    /// CLIENT PAUSE: pause `scope` commands until `end`.
    mutating func pause(until end: Instant, scope: Scope, now: Instant) {
        if let current = self.scope, let currentEnd = self.end, now < currentEnd {
            self.scope = max(current, scope)
            self.end = max(currentEnd, end)
        } else {
            self.scope = scope
            self.end = end
        }
    }

    /// CLIENT UNPAUSE, or the pause's end passed.
    mutating func unpause() {
        scope = nil
        end = nil
    }

    /// Whether a pause holds commands at `now` (ending one whose end has passed).
    mutating func isPaused(now: Instant) -> Bool {
        guard let end else { return false }
        if now >= end {
            unpause()
            return false
        }
        return true
    }

    /// Whether a command runs at `now`: `writes` when it may write or replicate (a write, EVAL,
    /// PUBLISH, an EXEC with such a command queued).
    mutating func decide(writes: Bool, now: Instant) -> Decision {
        guard isPaused(now: now), let scope, let end else { return .run }
        return scope == .all || writes ? .wait(until: end) : .run
    }
}
