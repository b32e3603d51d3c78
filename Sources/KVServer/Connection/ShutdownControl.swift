import Synchronization

/// SHUTDOWN's handle on the server's lifecycle: KVService plugs in the trigger of its
/// graceful shutdown (the same as SIGTERM's: stop accepting, finish in-flight writes, flush
/// and fsync the log) once it runs.
final class ShutdownControl: Sendable {
    private let trigger = Mutex<(@Sendable () -> Void)?>(nil)
    private let requested = Atomic<Bool>(false)

    func install(_ trigger: @escaping @Sendable () -> Void) { self.trigger.withLock { $0 = trigger } }

    /// Starts the graceful shutdown; false when none can start (not running yet).
    func request() -> Bool {
        guard let trigger = trigger.withLock({ $0 }) else { return false }
        requested.store(true, ordering: .relaxed)
        trigger()
        return true
    }

    var isRequested: Bool { requested.load(ordering: .relaxed) }
}
