import CLinuxShim
import Glibc

/// The event loop of one run: one thread, epoll over the connections and the alarm clock.
///
/// Open loop (`rate > 0`): request *i* is intended at `start + i / rate` and goes to connection
/// `i mod connections`; whenever the loop wakes it queues and writes every request whose time
/// has come, whether or not its connection is still waiting for earlier replies. Latency is
/// reply time minus intended time, so a server stall (or a generator that falls behind) shows
/// in the tail instead of silently lowering the offered load (coordinated omission).
///
/// Closed loop (`rate == 0`): each connection sends its next request as soon as the previous
/// reply arrived; latency counts from that send. Used to measure a peak.
final class Runner {
    private let options: Options
    private var connections: [Connection] = []
    private let epoll: Int32
    private let alarm: AlarmClock
    private var requests: Requests
    private var recorder: Recorder
    private let start: Int64
    private let stopSending: Int64
    private var unanswered = 0
    private static let alarmTag = UInt64.max

    init(options: Options) throws(SystemError) {
        self.options = options
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epoll >= 0 else { throw SystemError(call: "epoll_create1", errno: errno) }
        alarm = try AlarmClock()
        requests = Requests(command: options.command, keyspace: options.keyspace,
                            valueSize: options.valueSize, seed: options.seed)
        for _ in 0..<options.connections {
            connections.append(try Connection(host: options.host, port: options.port))
        }
        start = monotonicNanos() + 20_000_000
        let recordFrom = start + Int64(options.warmup * 1e9)
        stopSending = recordFrom + Int64(options.duration * 1e9)
        let expected = options.rate > 0 ? Int(options.rate * options.duration * 1.05) + 1024 : 1 << 20
        recorder = Recorder(recordFrom: recordFrom, expected: expected)
        for (index, connection) in connections.enumerated() {
            try watch(connection.fd, tag: UInt64(index), events: kv_EPOLLIN, op: EPOLL_CTL_ADD)
        }
        try watch(alarm.fd, tag: Runner.alarmTag, events: kv_EPOLLIN, op: EPOLL_CTL_ADD)
    }

    private func watch(_ fd: Int32, tag: UInt64, events: UInt32, op: Int32) throws(SystemError) {
        guard kv_epoll_ctl(epoll, op, fd, events, tag) == 0 else { throw SystemError(call: "epoll_ctl", errno: errno) }
    }

    /// Runs to the end and returns the report as JSON.
    func run() throws(SystemError) -> String {
        let closed = options.rate == 0
        let interval = closed ? 0 : 1e9 / options.rate
        let tick = Int64(options.tickMicros) * 1000
        var index: Int64 = 0
        var sendingDone = false
        var deadline = Int64.max
        var armedAt: Int64 = -1
        var tags = [UInt64](repeating: 0, count: 256)
        var flagsOf = [UInt32](repeating: 0, count: 256)
        let cpuBefore = cpuSeconds()

        if closed {
            while monotonicNanos() < start {}
            let now = monotonicNanos()
            for connection in connections { send(on: connection, intended: now, now: now) }
            try flushAll()
        }
        while true {
            let now = monotonicNanos()
            if !sendingDone {
                if closed {
                    if now >= stopSending { sendingDone = true }
                } else {
                    while true {
                        let intended = start + Int64(Double(index) * interval)
                        if intended >= stopSending { sendingDone = true; break }
                        if intended > now { break }
                        send(on: connections[Int(index % Int64(connections.count))], intended: intended, now: now)
                        index += 1
                    }
                    try flushAll()
                }
                if sendingDone { deadline = now + Int64(options.drain * 1e9) }
            }
            if sendingDone {
                if connections.allSatisfy({ $0.outstanding == 0 }) { break }
                if now >= deadline { giveUp(now: now); break }
            }
            let wake = sendingDone ? deadline
                : closed ? stopSending
                : max(start + Int64(Double(index) * interval), now + tick)
            if wake != armedAt { alarm.ring(at: wake); armedAt = wake }
            let ready = kv_epoll_wait(epoll, &tags, &flagsOf, 256, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                throw SystemError(call: "epoll_wait", errno: errno)
            }
            for i in 0..<Int(ready) {
                let tag = tags[i]
                let flags = flagsOf[i]
                if tag == Runner.alarmTag { alarm.acknowledge(); armedAt = -1; continue }
                let connection = connections[Int(tag)]
                if flags & (kv_EPOLLIN | kv_EPOLLERR | kv_EPOLLHUP) != 0 {
                    let at = monotonicNanos()
                    var resend = 0
                    let fine = connection.readReplies { intended, isError in
                        recorder.answered(intended: intended, at: at, isError: isError)
                        resend += 1
                    }
                    guard fine else { throw SystemError(call: "read (connection \(tag) closed or sent a reply not understood)", errno: EPROTO) }
                    if closed && !sendingDone {
                        for _ in 0..<resend { send(on: connection, intended: at, now: at) }
                    }
                }
                if flags & kv_EPOLLOUT != 0 || (closed && connection.hasOutput) {
                    try flush(connection, tag: tag)
                }
            }
        }
        let cpu = cpuSeconds() - cpuBefore
        return report(cpuSeconds: cpu)
    }

    @inline(__always)
    private func send(on connection: Connection, intended: Int64, now: Int64) {
        connection.enqueue(intended: intended) { requests.append(to: &$0) }
        recorder.sent(intended: intended, at: now)
    }

    private func flushAll() throws(SystemError) {
        for (index, connection) in connections.enumerated() where connection.hasOutput && !connection.wantsWrite {
            try flush(connection, tag: UInt64(index))
        }
    }

    private func flush(_ connection: Connection, tag: UInt64) throws(SystemError) {
        guard connection.flush() else { throw SystemError(call: "write (connection \(tag))", errno: errno) }
        if connection.hasOutput != connection.wantsWrite {
            connection.wantsWrite = connection.hasOutput
            let events = kv_EPOLLIN | (connection.wantsWrite ? kv_EPOLLOUT : 0)
            try watch(connection.fd, tag: tag, events: events, op: EPOLL_CTL_MOD)
        }
    }

    private func giveUp(now: Int64) {
        for connection in connections {
            unanswered += connection.outstanding
            connection.drainPending { recorder.unanswered(intended: $0, at: now) }
        }
    }

    private func report(cpuSeconds: Double) -> String {
        let latency = Summary(recorder.latencies)
        let lag = Summary(recorder.sendLags)
        let mode = options.rate == 0 ? "closed" : "open"
        let completed = recorder.latencies.count - unanswered
        // Every scheduled request is sent eventually; a generator that falls behind sends the
        // last ones after the window, which lowers the rate it achieved.
        let sendingSeconds = max(options.duration, Double(recorder.lastSentAt - recorder.recordFrom) / 1e9)
        return """
            {"mode": "\(mode)", "command": "\(options.command.rawValue)", "target_rate": \(options.rate), \
            "connections": \(options.connections), "duration_s": \(options.duration), "warmup_s": \(options.warmup), \
            "tick_us": \(options.tickMicros), "sent": \(recorder.sent), "completed": \(completed), \
            "errors": \(recorder.errors), "unanswered": \(unanswered), \
            "achieved_rate": \(Int(Double(recorder.sent) / sendingSeconds)), \
            "completed_rate": \(Int(Double(completed) / options.duration)), \
            "generator_cpu_s": \(Double(Int(cpuSeconds * 1000)) / 1000), \
            "latency": \(latency.json), "send_lag": \(lag.json)}
            """
    }
}

/// User + system CPU time of this process, in seconds.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}
