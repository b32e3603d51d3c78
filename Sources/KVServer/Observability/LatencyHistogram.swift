/// One command's latencies, for `INFO latencystats` (Redis 7's `latency_percentiles_usec_…`):
/// a log-linear histogram of whole microseconds — exact below 16 µs, then eight buckets per
/// power of two (within 12.5 %), up to about 2^40 µs — so recording is a few instructions and
/// no allocation once the command has run once.
struct LatencyHistogram {
    /// Exact buckets below this; eight per power of two from here.
    static let linearLimit = 16
    static let subBuckets = 8
    static let bucketCount = linearLimit + (41 - 4) * subBuckets

    private var counts = [Int](repeating: 0, count: bucketCount)
    private(set) var total = 0

    static func bucket(of microseconds: Int) -> Int {
        let value = max(0, microseconds)
        guard value >= linearLimit else { return value }
        let exponent = Int.bitWidth - 1 - value.leadingZeroBitCount  // ≥ 4
        let sub = (value >> (exponent - 3)) & (subBuckets - 1)
        return min(bucketCount - 1, linearLimit + (exponent - 4) * subBuckets + sub)
    }

    /// The largest value that falls in `bucket` (what a percentile in it reports, as
    /// HdrHistogram reports the highest equivalent value).
    static func upperBound(of bucket: Int) -> Int {
        guard bucket >= linearLimit else { return bucket }
        let exponent = (bucket - linearLimit) / subBuckets + 4
        let sub = (bucket - linearLimit) % subBuckets
        return ((subBuckets + sub + 1) << (exponent - 3)) - 1
    }

    mutating func record(_ microseconds: Int) {
        counts[Self.bucket(of: microseconds)] += 1
        total += 1
    }

    /// The latency at or below which `percentile` % of the calls took (0 with no calls).
    func value(atPercentile percentile: Double) -> Int {
        guard total > 0 else { return 0 }
        let rank = max(1, Int((percentile / 100 * Double(total)).rounded(.up)))
        var seen = 0
        for (bucket, count) in counts.enumerated() where count > 0 {
            seen += count
            if seen >= rank { return Self.upperBound(of: bucket) }
        }
        return Self.upperBound(of: Self.bucketCount - 1)
    }
}
