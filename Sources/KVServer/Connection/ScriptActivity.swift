import CLua
import NIOPosix
import Synchronization

/// The script running now, seen without the database lock: what other connections check
/// before they take the lock, so that they answer `-BUSY` instead of waiting behind a script
/// that ran past `--busy-reply-threshold`, and what SCRIPT KILL and SHUTDOWN NOSAVE act on.
///
/// One script runs at a time (under the database lock), so one record serves. The kill
/// switch is read by the script's Lua count hook on the script's thread and written here by
/// other threads; it also decides, atomically, between "killed" and "wrote" (see `State`).
final class ScriptActivity: @unchecked Sendable {
    // @unchecked Sendable: `killSwitch` is only accessed with C atomics (CLua's shim);
    // the rest is `Atomic` or immutable.

    /// The kill switch's values (`kv_lua_count_hook` reads them).
    enum State: Int32 {
        /// Running, has not written.
        case clean = 0
        /// SCRIPT KILL asked: the hook stops the script.
        case killRequested = 1
        /// The script wrote: SCRIPT KILL is refused (UNKILLABLE), as Redis.
        case wrote = 2
        /// SHUTDOWN NOSAVE asked: the hook stops the script whatever it did.
        case stopForShutdown = 3
    }

    /// What SCRIPT KILL did.
    enum KillResult {
        case killed, notBusy, unkillable
    }

    let killSwitch: UnsafeMutablePointer<Int32>
    /// Monotonic microseconds when the running script started; 0 when none runs.
    private let startedAt = Atomic<Int>(0)
    /// A script was handed to the script thread and has not finished (it may still be waiting
    /// for the lock): connections do not block on the lock meanwhile.
    private let pending = Atomic<Int>(0)
    /// `--busy-reply-threshold` in microseconds.
    let thresholdMicroseconds: Int
    /// The thread scripts run on, off the event loops (started on first use).
    private let thread = Mutex<NIOThreadPool?>(nil)

    init(thresholdMilliseconds: Int) {
        thresholdMicroseconds = max(0, thresholdMilliseconds) * 1000
        killSwitch = .allocate(capacity: 1)
        killSwitch.initialize(to: 0)
    }

    deinit {
        killSwitch.deallocate()
        thread.withLock { $0 }?.shutdownGracefully { _ in }
    }

    /// A script is running or about to: connections must not wait on the database lock.
    var isActive: Bool { pending.load(ordering: .sequentiallyConsistent) > 0 || startedAt.load(ordering: .sequentiallyConsistent) != 0 }

    /// A script was handed to the script thread and has not finished.
    var isOffloaded: Bool { pending.load(ordering: .sequentiallyConsistent) > 0 }

    /// A script has run longer than the threshold: others are answered `-BUSY`.
    var isBusy: Bool {
        let started = startedAt.load(ordering: .sequentiallyConsistent)
        return started != 0 && monotonicMicroseconds() - started >= thresholdMicroseconds
    }

    /// Runs `body` on the script thread.
    func submit(_ body: @escaping @Sendable () -> Void) {
        pending.add(1, ordering: .sequentiallyConsistent)
        let pool = thread.withLock { pool in
            if let pool { return pool }
            let made = NIOThreadPool(numberOfThreads: 1)
            made.start()
            pool = made
            return made
        }
        pool.submit { [self] _ in
            body()
            pending.subtract(1, ordering: .sequentiallyConsistent)
        }
    }

    /// Marks a script as started (called with the database lock held).
    func begin() {
        kv_atomic_store_int(killSwitch, State.clean.rawValue)
        startedAt.store(monotonicMicroseconds(), ordering: .sequentiallyConsistent)
    }

    /// Marks the script as finished; whether SHUTDOWN NOSAVE stopped it.
    @discardableResult
    func end() -> Bool {
        startedAt.store(0, ordering: .sequentiallyConsistent)
        return kv_atomic_load_int(killSwitch) == State.stopForShutdown.rawValue
    }

    /// Called before a script's write: false when the script is being killed (the write must
    /// not happen), true when it may write — from then on SCRIPT KILL is refused.
    func admitWrite() -> Bool {
        let previous = kv_atomic_exchange_if(killSwitch, State.clean.rawValue, State.wrote.rawValue)
        return previous == State.clean.rawValue || previous == State.wrote.rawValue
    }

    /// SCRIPT KILL.
    func kill() -> KillResult {
        guard startedAt.load(ordering: .sequentiallyConsistent) != 0 else { return .notBusy }
        switch kv_atomic_exchange_if(killSwitch, State.clean.rawValue, State.killRequested.rawValue) {
        case State.clean.rawValue, State.killRequested.rawValue: return .killed
        case State.wrote.rawValue: return .unkillable
        default: return .killed
        }
    }

    /// SHUTDOWN NOSAVE while a script runs: stop it, written or not.
    func stopForShutdown() {
        kv_atomic_store_int(killSwitch, State.stopForShutdown.rawValue)
    }
}
