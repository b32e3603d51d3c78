/// Calls and time per command, counted under the database lock (where the command runs
/// anyway, so counting costs no synchronisation of its own).
struct CommandStatistics {
    struct Counter {
        var calls: Int = 0
        var failedCalls: Int = 0
        var microseconds: Int = 0
    }

    /// Upper bounds of the latency histogram buckets, in microseconds.
    static let bucketBounds: [Int] = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 50000, 100_000, 1_000_000]

    private(set) var byName: [String: Counter] = [:]
    /// Command latencies counted into `bucketBounds` (+Inf last).
    private(set) var latencyBuckets = [Int](repeating: 0, count: bucketBounds.count + 1)
    private(set) var totalCalls = 0
    var expiredKeys = 0
    var keyspaceHits = 0
    var keyspaceMisses = 0

    mutating func record(_ name: String, microseconds: Int, failed: Bool) {
        byName[name, default: Counter()].calls += 1
        byName[name]!.microseconds += microseconds
        if failed { byName[name]!.failedCalls += 1 }
        totalCalls += 1
        var bucket = 0
        while bucket < Self.bucketBounds.count && microseconds > Self.bucketBounds[bucket] { bucket += 1 }
        latencyBuckets[bucket] += 1
    }
}
