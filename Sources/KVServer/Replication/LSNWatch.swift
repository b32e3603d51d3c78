import KVCore
import NIOCore

/// The LSN this pod has applied (a replica) or acknowledged (the primary), and the reads
/// waiting for it to reach theirs: `KV-Min-LSN` over HTTP, `KV.WAITLSN` over RESP.
final class LSNWatch: Sendable {
    private struct State {
        var current = LSN.zero
        var waiters: [UInt64: (lsn: LSN, done: @Sendable (Bool) -> Void)] = [:]
        var nextID: UInt64 = 1
    }

    private let state = KVMutex(State())

    /// The position reached.
    var current: LSN { state.withLock { $0.current } }

    /// The position moved to `lsn` (it only moves forward, except when a replica re-clones
    /// into another history: then it is reset).
    func advanced(to lsn: LSN, reset: Bool = false) {
        let released = state.withLock { state -> [@Sendable (Bool) -> Void] in
            state.current = reset ? lsn : max(state.current, lsn)
            guard !state.waiters.isEmpty else { return [] }
            let due = state.waiters.filter { $0.value.lsn <= state.current }
            for id in due.keys { state.waiters[id] = nil }
            return due.values.map(\.done)
        }
        for done in released { done(true) }
    }

    /// Calls `done(true)` once the position reaches `lsn`, or `done(false)` after `timeout`.
    func wait(for lsn: LSN, timeout: TimeAmount, on loop: any EventLoop, _ done: @escaping @Sendable (Bool) -> Void) {
        let id = state.withLock { state -> UInt64? in
            guard state.current < lsn else { return nil }
            let id = state.nextID
            state.nextID += 1
            state.waiters[id] = (lsn, done)
            return id
        }
        guard let id else { return done(true) }
        loop.scheduleTask(in: timeout) { [self] in
            if state.withLock({ $0.waiters.removeValue(forKey: id) }) != nil { done(false) }
        }
    }
}
