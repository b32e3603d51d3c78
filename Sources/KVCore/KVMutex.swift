#if KV_TSAN
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// ThreadSanitizer builds only (`-Xswiftc -DKV_TSAN`, `Tests/sanitizers.sh thread`): the same
/// API as `Synchronization.Mutex`, on a pthread mutex.
///
/// `Synchronization.Mutex` locks with futexes TSan does not intercept, so TSan sees no
/// ordering between two critical sections and reports every `Mutex`-protected value as a race
/// (checked with two threads incrementing an `Int` in `withLock`: 3 reports; none with a
/// pthread mutex). TSan intercepts `pthread_mutex_lock`, so with this type it checks kv's
/// locking instead of drowning it. Never used in a normal build: see the typealias below.
public final class KVMutex<Value>: @unchecked Sendable {
    // @unchecked Sendable: `value` is only read or written with `mutex` held; the pointers
    // themselves never change after init.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let value: UnsafeMutablePointer<Value>

    public init(_ initialValue: consuming sending Value) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        value = .allocate(capacity: 1)
        value.initialize(to: initialValue)
    }

    deinit {
        value.deinitialize(count: 1)
        value.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func withLock<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value.pointee)
    }

    public func withLockIfAvailable<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result? {
        guard pthread_mutex_trylock(mutex) == 0 else { return nil }
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value.pointee)
    }
}
#else
import Synchronization

/// The mutex every kv type uses for small synchronous state: `Synchronization.Mutex` itself
/// (a typealias, so the normal build is exactly what it would be without it). Under
/// `-DKV_TSAN` it is a pthread mutex ThreadSanitizer can see instead (above).
public typealias KVMutex<Value: ~Copyable> = Mutex<Value>
#endif
