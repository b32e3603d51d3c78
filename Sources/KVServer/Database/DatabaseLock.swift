#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The database's mutex: a pthread mutex, as `NIOLock` is, plus `tryLock` — which a
/// connection needs to wait for a running Lua script without blocking its event loop past
/// `--busy-reply-threshold` (`Database.withLock(unlessBusy:_:)`).
final class DatabaseLock: @unchecked Sendable {
    // @unchecked Sendable: the mutex is only used through pthread calls; the pointer never
    // changes after init.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }

    func unlock() { pthread_mutex_unlock(mutex) }

    /// Takes the mutex if it is free; false when another thread holds it.
    func tryLock() -> Bool { pthread_mutex_trylock(mutex) == 0 }

    /// Sleeps this thread (a wait for a script to leave the lock).
    static func pause(microseconds: UInt32) { usleep(microseconds) }

    func withLock<Result>(_ body: () throws -> Result) rethrows -> Result {
        lock()
        defer { unlock() }
        return try body()
    }
}
