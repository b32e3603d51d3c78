import KVCore


/// Whether this pod should receive traffic (`/readyz`), and why not.
final class Readiness: Sendable {
    private let state = KVMutex<(ready: Bool, reason: String)>((false, "starting"))

    var isReady: Bool { state.withLock { $0.ready } }
    var reason: String { state.withLock { $0.reason } }

    func markReady() { state.withLock { $0 = (true, "") } }

    func markNotReady(_ reason: String) { state.withLock { $0 = (false, reason) } }
}
