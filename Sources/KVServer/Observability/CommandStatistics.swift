import KVCore

/// Calls and time per command, counted under the database lock (where the command runs
/// anyway, so counting costs no synchronisation of its own). Indexed by the command's
/// statistics slot in `ServerCommands.table` (subcommands apart, as Redis's `client|list`): no
/// hashing on the hot path.
struct CommandStatistics {
    struct Counter {
        var calls: Int = 0
        var failedCalls: Int = 0
        var microseconds: Int = 0
    }

    /// Upper bounds of the latency histogram buckets, in microseconds.
    static let bucketBounds: [Int] = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 50000, 100_000, 1_000_000]

    private var counters = [Counter](repeating: Counter(), count: ServerCommands.table.slotCount)
    /// Per command, made on its first call (`INFO latencystats`).
    private var histograms = [LatencyHistogram?](repeating: nil, count: ServerCommands.table.slotCount)
    /// Per command, made on its first call (`LATENCY HISTOGRAM`, in Redis's buckets).
    private var distributions = [LatencyDistribution?](repeating: nil, count: ServerCommands.table.slotCount)
    /// Command latencies counted into `bucketBounds` (+Inf last).
    private(set) var latencyBuckets = [Int](repeating: 0, count: bucketBounds.count + 1)
    private(set) var totalCalls = 0
    var expiredKeys = 0

    /// Counts one call of the command at statistics slot `slot` (`CommandTable.slot(of:at:)`).
    mutating func record(_ slot: Int, microseconds: Int, failed: Bool) {
        counters[slot].calls += 1
        counters[slot].microseconds += microseconds
        if failed { counters[slot].failedCalls += 1 }
        if histograms[slot] == nil { histograms[slot] = LatencyHistogram() }
        histograms[slot]!.record(microseconds)
        if distributions[slot] == nil { distributions[slot] = LatencyDistribution() }
        distributions[slot]!.record(microseconds: microseconds)
        totalCalls += 1
        var bucket = 0
        while bucket < Self.bucketBounds.count && microseconds > Self.bucketBounds[bucket] { bucket += 1 }
        latencyBuckets[bucket] += 1
    }

    /// The commands called at least once, by name.
    var byName: [String: Counter] {
        var result: [String: Counter] = [:]
        for (slot, counter) in counters.enumerated() where counter.calls > 0 {
            result[ServerCommands.table.slotNames[slot]] = counter
        }
        return result
    }

    /// The latency histograms of the commands called at least once, by name.
    var latencyByName: [String: LatencyHistogram] {
        var result: [String: LatencyHistogram] = [:]
        for (slot, histogram) in histograms.enumerated() {
            if let histogram { result[ServerCommands.table.slotNames[slot]] = histogram }
        }
        return result
    }

    /// The LATENCY HISTOGRAM distributions of the commands called at least once, by name.
    var distributionByName: [String: LatencyDistribution] {
        var result: [String: LatencyDistribution] = [:]
        for (slot, distribution) in distributions.enumerated() {
            if let distribution { result[ServerCommands.table.slotNames[slot]] = distribution }
        }
        return result
    }

    /// Error replies by their code (the first word: `ERR`, `WRONGTYPE`, `NOAUTH`), as Redis's
    /// `errorstat_<code>` in INFO errorstats.
    private(set) var errorsByCode: [String: Int] = [:]

    /// Counts one error reply sent to a client (only errors pay for this).
    mutating func recordError(_ message: String) {
        let code = message.prefix { $0 != " " }
        errorsByCode[String(code.prefix(128)), default: 0] += 1
    }

    var totalMicroseconds: Int { counters.reduce(0) { $0 + $1.microseconds } }
    var totalFailedCalls: Int { counters.reduce(0) { $0 + $1.failedCalls } }
}

/// The time and wall clock of one batch of pipelined commands: the wall clock is read once
/// per batch (commands of one read run within microseconds of each other), the monotonic
/// clock once per command — each command's time runs from the end of the previous one.
struct BatchClock {
    let context: CommandContext
    private var lastTick: Int

    init(context: CommandContext) {
        self.context = context
        self.lastTick = monotonicMicroseconds()
    }

    /// Microseconds since the previous call (or since the batch began).
    mutating func lap() -> Int {
        let now = monotonicMicroseconds()
        defer { lastTick = now }
        return now - lastTick
    }
}
