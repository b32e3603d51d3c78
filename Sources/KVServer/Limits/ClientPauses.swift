import KVCore
import Synchronization

/// The server's CLIENT PAUSE (`ClientPauseState` is the decision) and the connections held by
/// it: each waits for the pause's end on its own event loop (a timer) or for UNPAUSE (which
/// wakes them all); when woken it asks again — a pause extended meanwhile holds it again.
final class ClientPauses: Sendable {
    private struct Shared {
        var state = ClientPauseState<ContinuousClock.Instant>()
        /// Wakes for the connections waiting, by client id.
        var waiters: [Int: @Sendable () -> Void] = [:]
    }

    private let shared = KVMutex(Shared())
    /// Whether a pause may be on: commands pay one atomic load while none is.
    private let active = Atomic<Bool>(false)

    /// The commands that may replicate without the write flag, held by a WRITE pause as
    /// Redis's `CMD_MAY_REPLICATE` commands are (scripts may write; messages are replicated).
    static let mayReplicate: Set<String> = ["eval", "evalsha", "fcall", "publish", "spublish", "pfcount"]

    /// Whether a command `spec` (in a session whose EXEC would run `queued`) counts as a
    /// write for CLIENT PAUSE WRITE.
    static func writes(_ spec: CommandSpec, queued: [CommandSpec]?) -> Bool {
        if spec.isWrite || mayReplicate.contains(spec.name) { return true }
        guard spec.name == "exec", let queued else { return false }
        return queued.contains { $0.isWrite || mayReplicate.contains($0.name) }
    }

    /// CLIENT PAUSE: pauses `scope` commands for `milliseconds`.
    func pause(milliseconds: Int, scope: ClientPauseState<ContinuousClock.Instant>.Scope) {
        let now = ContinuousClock.now
        let end = now.advanced(by: .milliseconds(min(milliseconds, Int(Int32.max) * 1000)))
        // `active` changes under the mutex, so that a pause and an expiry seen at once never
        // leave it false over a pause that is on.
        shared.withLock { shared in
            shared.state.pause(until: end, scope: scope, now: now)
            active.store(true, ordering: .relaxed)
        }
    }

    /// CLIENT UNPAUSE: the waiting connections go on.
    func unpause() {
        let waiters = shared.withLock { shared in
            shared.state.unpause()
            active.store(false, ordering: .relaxed)
            defer { shared.waiters.removeAll() }
            return Array(shared.waiters.values)
        }
        for wake in waiters { wake() }
    }

    /// Whether a pause may be on (one atomic load): when false, no command waits.
    var mayHold: Bool { active.load(ordering: .relaxed) }

    /// Whether a pause is on now (the expiry sweep and lazy expiry wait meanwhile, as Redis's).
    var isPaused: Bool {
        guard active.load(ordering: .relaxed) else { return false }
        let now = ContinuousClock.now
        return shared.withLock { shared in
            let paused = shared.state.isPaused(now: now)
            if !paused { active.store(false, ordering: .relaxed) }
            return paused
        }
    }

    /// Until when a command must wait, nil when it runs now.
    func postponement(writes: Bool) -> ContinuousClock.Instant? {
        guard active.load(ordering: .relaxed) else { return nil }
        let now = ContinuousClock.now
        let decision = shared.withLock { $0.state.decide(writes: writes, now: now) }
        switch decision {
        case .run: return nil
        case let .wait(until): return until
        }
    }

    /// Registers the wake of a waiting connection (called again after each wake). When the
    /// pause was lifted between the connection's decision to wait and this call (an UNPAUSE
    /// on another loop), it is woken at once rather than left to its timer.
    func wait(client: Int, wake: @escaping @Sendable () -> Void) {
        let now = ContinuousClock.now
        let waiting = shared.withLock { shared -> Bool in
            guard shared.state.isPaused(now: now) else { return false }
            shared.waiters[client] = wake
            return true
        }
        if !waiting { wake() }
    }

    /// The connection stopped waiting (woken by its timer, or closed).
    func stopWaiting(client: Int) {
        _ = shared.withLock { $0.waiters.removeValue(forKey: client) }
    }

    /// How many connections wait.
    var waitingCount: Int { shared.withLock { $0.waiters.count } }
}
