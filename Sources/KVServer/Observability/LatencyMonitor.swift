import KVCore
import KVStorage
import Synchronization

/// LATENCY's shell: `--latency-monitor-threshold` (milliseconds; 0 = off, as Redis's
/// `latency-monitor-threshold`, changed with CONFIG SET) and the events' spikes, shared by
/// every thread that measures one: commands (under the database lock), the log's fsync (the
/// flusher thread), the expiry sweep and snapshots. Below the threshold a measurement costs
/// one atomic load; only a spike takes the lock.
final class LatencyMonitor: Sendable {
    private let thresholdMilliseconds: Atomic<Int>
    private let events = KVMutex(LatencyEvents())
    private let clock: any WallClock

    init(thresholdMilliseconds: Int, clock: any WallClock) {
        self.thresholdMilliseconds = Atomic(thresholdMilliseconds)
        self.clock = clock
    }

    var threshold: Int {
        get { thresholdMilliseconds.load(ordering: .relaxed) }
    }

    func setThreshold(_ milliseconds: Int) {
        thresholdMilliseconds.store(milliseconds, ordering: .relaxed)
    }

    /// Records `event` if it took at least the threshold (Redis's `latencyAddSampleIfNeeded`).
    func sample(_ event: String, microseconds: Int) {
        let threshold = self.threshold
        let milliseconds = microseconds / 1000
        guard threshold > 0, milliseconds >= threshold else { return }
        let time = Int(clock.now().rawValue / 1000)
        events.withLock { $0.record(event, milliseconds: milliseconds, time: time) }
    }

    /// Records a command's spike, as Redis: "fast-command" for a command flagged fast,
    /// "command" for the others.
    func sample(_ spec: CommandSpec, microseconds: Int) {
        guard microseconds >= 1000 else { return }
        sample(spec.flags.contains(.fast) ? "fast-command" : "command", microseconds: microseconds)
    }

    /// The events as they are now, and the Unix second it is.
    func snapshot() -> (events: LatencyEvents, now: Int) {
        (events.withLock { $0 }, Int(clock.now().rawValue / 1000))
    }

    /// LATENCY RESET: the named events (every one for none); how many were reset.
    func reset(_ names: [String]) -> Int {
        events.withLock { events in
            names.isEmpty ? events.reset() : names.reduce(0) { $0 + events.reset($1) }
        }
    }
}

/// LATENCY's "aof-fsync-always" event: the log's latest fsync, sampled from the log's progress
/// handler (on the flusher thread, right after the fsync) when one ran since the last check.
/// Under `--fsync always` a write's reply waits for it, as under Redis's `appendfsync always`.
final class FsyncLatencyProbe: Sendable {
    private let log: WriteLog
    private let monitor: LatencyMonitor
    private let seen = Atomic<UInt64>(0)

    init(log: WriteLog, monitor: LatencyMonitor) {
        self.log = log
        self.monitor = monitor
    }

    func check() {
        let (count, microseconds) = log.latestFsync
        guard seen.exchange(count, ordering: .relaxed) != count else { return }
        monitor.sample("aof-fsync-always", microseconds: Int(microseconds))
    }
}
