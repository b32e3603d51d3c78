#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value guarded by a mutex with a condition variable: what a thread that must *sleep until
/// something happens* needs (the flusher waiting for records, a snapshot waiting for the log to
/// be durable).
///
/// `Synchronization.Mutex` has no wait; Swift concurrency is not used here on purpose — the
/// flusher is a plain thread that blocks in `write` and `fsync`.
final class ConditionLock<State>: @unchecked Sendable {
    // @unchecked Sendable: `state` is only read or written with `mutex` held (every accessor
    // below takes it); the pthread pointers never change after init.
    private var state: State
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    init(_ state: State) {
        self.state = state
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        #if os(Linux)
        // Timed waits measure the monotonic clock, so a wall-clock jump cannot stall the flusher.
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
        #else
        pthread_cond_init(condition, nil)
        #endif
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the state, under the lock.
    func withLock<R>(_ body: (inout State) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state)
    }

    /// Sleeps until `ready(state)` holds (or `timeoutNanoseconds` pass, when given), then runs
    /// `body` under the lock. Wakes on `signal`/`broadcast` and re-checks `ready` each time.
    func withLock<R>(
        waitingUntil ready: (State) -> Bool, timeoutNanoseconds: Int64? = nil, _ body: (inout State) throws -> R
    ) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if let timeoutNanoseconds {
            let deadline = MonotonicClock.nanoseconds() + timeoutNanoseconds
            while !ready(state) {
                let left = deadline - MonotonicClock.nanoseconds()
                if left <= 0 { break }
                wait(nanoseconds: left)
            }
        } else {
            while !ready(state) { pthread_cond_wait(condition, mutex) }
        }
        return try body(&state)
    }

    /// Waits for a signal at most `nanoseconds`; the lock must be held. May wake spuriously.
    private func wait(nanoseconds: Int64) {
        #if os(Linux)
        let deadline = MonotonicClock.nanoseconds() + max(0, nanoseconds)
        var spec = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        pthread_cond_timedwait(condition, mutex, &spec)
        #else
        let clamped = max(0, nanoseconds)
        var spec = timespec(tv_sec: Int(clamped / 1_000_000_000), tv_nsec: Int(clamped % 1_000_000_000))
        pthread_cond_timedwait_relative_np(condition, mutex, &spec)
        #endif
    }

    func signal() { pthread_cond_signal(condition) }
    func broadcast() { pthread_cond_broadcast(condition) }
}

/// Nanoseconds of the monotonic clock: fsync cadence and durations, never wall-clock time.
enum MonotonicClock {
    static func nanoseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}
