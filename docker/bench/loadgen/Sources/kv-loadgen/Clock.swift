import CLinuxShim
import Glibc

/// Monotonic time in nanoseconds (CLOCK_MONOTONIC, the clock timerfd's absolute timers use).
@inline(__always)
func monotonicNanos() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

/// A timerfd on CLOCK_MONOTONIC armed at absolute times: the event loop's alarm clock for the
/// next request due (epoll_wait's own timeout only counts milliseconds).
struct AlarmClock {
    let fd: Int32

    init() throws(SystemError) {
        fd = kv_timerfd_create()
        guard fd >= 0 else { throw SystemError(call: "timerfd_create", errno: errno) }
    }

    /// Rings once at `nanos` (monotonic); a time in the past rings at once.
    func ring(at nanos: Int64) {
        _ = kv_timerfd_at(fd, nanos)
    }

    /// Consumes the expiry count so the fd stops being readable.
    func acknowledge() {
        var count: UInt64 = 0
        _ = read(fd, &count, 8)
    }
}

/// A failed system call and its errno.
struct SystemError: Error, CustomStringConvertible {
    var call: String
    var errno: Int32
    var description: String { "\(call): \(String(cString: strerror(errno)))" }
}
