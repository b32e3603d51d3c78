import KVCore
import NIOCore

/// The last minutes of one pod's position, for the cluster page's chart (`GET /v1/cluster`):
/// one sample every `interval`, the newest `capacity` kept (10 minutes).
///
/// A value with no clock of its own: the sampler (`StatusHistoryRecorder`) hands it the wall
/// time of each sample, so tests drive it with any times they like. Wall time rather than
/// monotonic, because the page draws every pod's samples on one time axis and each pod keeps
/// its own history.
struct StatusHistory: Sendable, Equatable {
    /// One reading of the pod.
    struct Sample: Sendable, Equatable {
        /// When it was taken: milliseconds since 1970 (this pod's clock).
        var unixMilliseconds: Int64
        /// The pod's last LSN.
        var lsn: UInt64
        /// Records per second since the previous sample (the primary's write rate; a
        /// replica's apply rate); 0 for the first sample and when the LSN went back (a re-clone
        /// of another history).
        var recordsPerSecond: Double
        /// Records behind the primary as this pod last heard it; 0 on the primary.
        var lagRecords: UInt64
        /// Seconds since the primary was last heard while the stream is down; 0 while it runs
        /// and on the primary.
        var stalenessSeconds: Double
    }

    static let interval: Duration = .seconds(5)
    static let capacity = 120

    private(set) var samples: [Sample] = []

    /// Adds a sample taken at `unixMilliseconds`, dropping the oldest past `capacity`.
    mutating func record(unixMilliseconds: Int64, lsn: UInt64, lagRecords: UInt64, stalenessSeconds: Double) {
        var rate = 0.0
        if let previous = samples.last, unixMilliseconds > previous.unixMilliseconds, lsn >= previous.lsn {
            rate = Double(lsn - previous.lsn) * 1000 / Double(unixMilliseconds - previous.unixMilliseconds)
        }
        samples.append(Sample(unixMilliseconds: unixMilliseconds, lsn: lsn, recordsPerSecond: rate,
                              lagRecords: lagRecords, stalenessSeconds: stalenessSeconds))
        if samples.count > Self.capacity { samples.removeFirst(samples.count - Self.capacity) }
    }

    /// `[{"t":…,"lsn":…,"rate":…,"lag":…,"staleness":…}, …]`, oldest first.
    var json: JSONText {
        .array(samples.map { sample in
            .object([
                ("t", .integer(Int(sample.unixMilliseconds))),
                ("lsn", .integer(Int(sample.lsn))),
                ("rate", .number((sample.recordsPerSecond * 10).rounded() / 10)),
                ("lag", .integer(Int(sample.lagRecords))),
                ("staleness", .number((sample.stalenessSeconds * 1000).rounded() / 1000)),
            ])
        })
    }
}

/// Takes a `StatusHistory` sample of this pod every `StatusHistory.interval` while it serves.
final class StatusHistoryRecorder: Sendable {
    private let history = KVMutex(StatusHistory())
    private let task = KVMutex<RepeatedTask?>(nil)
    private let clock: any WallClock

    init(clock: any WallClock = SystemWallClock()) {
        self.clock = clock
    }

    var current: StatusHistory { history.withLock { $0 } }

    /// Samples `server` now and then every interval on `loop`, until `stop()`.
    func start(on loop: any EventLoop, server: ServerContext) {
        let interval = TimeAmount.nanoseconds(Int64(StatusHistory.interval / .nanoseconds(1)))
        let repeated = loop.scheduleRepeatedTask(initialDelay: .zero, delay: interval) { [self] _ in
            sample(server)
        }
        task.withLock { $0 = repeated }
    }

    func stop() {
        task.withLock { $0?.cancel(); $0 = nil }
    }

    private func sample(_ server: ServerContext) {
        let replication = ReplicationStatus(server: server)
        let local = replication.localLSN.rawValue
        let primary = replication.primaryLSN.rawValue
        let lag = replication.isPrimary || primary <= local ? 0 : primary - local
        let staleness = replication.staleness.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 } ?? 0
        let now = clock.nowMicroseconds() / 1000
        history.withLock { $0.record(unixMilliseconds: now, lsn: local, lagRecords: lag, stalenessSeconds: staleness) }
    }
}
