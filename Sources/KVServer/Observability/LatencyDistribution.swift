/// One command's latencies as Redis 7.0's LATENCY HISTOGRAM reports them: Redis records each
/// call in an HdrHistogram (nanoseconds, 2 significant digits, clamped to 1024 ns … 1 s) and
/// reports it at powers of two from 1024 ns, each under the highest value equivalent to it
/// in microseconds (1, 2, 4, 8, 16, 33, 66, …) with the calls up to there — so the counts
/// are kept here directly per power of two, and the reply matches Redis's keys.
struct LatencyDistribution {
    /// Powers of two from 2^10 to 2^30 ns.
    static let firstExponent = 10
    static let lastExponent = 30
    /// Redis's `LATENCY_HISTOGRAM_MIN_VALUE` and `…MAX_VALUE`, nanoseconds.
    static let minimumNanoseconds = 1024
    static let maximumNanoseconds = 1_000_000_000

    private var counts = [Int](repeating: 0, count: lastExponent - firstExponent + 1)
    private(set) var calls = 0

    /// The highest value HdrHistogram (2 significant digits: 128 sub-buckets per power of
    /// two) takes as equivalent to 2^exponent ns, in whole microseconds — except the last,
    /// which ends the histogram's range.
    static func key(exponent: Int) -> Int {
        if exponent == lastExponent { return (1 << lastExponent - 1) / 1000 }
        return ((1 << exponent) + (1 << (exponent - 7)) - 1) / 1000
    }

    /// The report level (exponent) a call of `microseconds` counts under: the first power of
    /// two whose equivalence range reaches it.
    static func exponent(ofMicroseconds microseconds: Int) -> Int {
        let nanoseconds = min(maximumNanoseconds, max(minimumNanoseconds, microseconds.multipliedReportingOverflow(by: 1000).overflow
            ? maximumNanoseconds : microseconds * 1000))
        var exponent = firstExponent
        while exponent < lastExponent && nanoseconds > (1 << exponent) + (1 << (exponent - 7)) - 1 { exponent += 1 }
        return exponent
    }

    mutating func record(microseconds: Int) {
        counts[Self.exponent(ofMicroseconds: microseconds) - Self.firstExponent] += 1
        calls += 1
    }

    /// The cumulative counts under their keys, only where the count grew (as Redis skips
    /// empty buckets).
    var cumulative: [(key: Int, count: Int)] {
        var result: [(Int, Int)] = []
        var total = 0
        for (index, count) in counts.enumerated() where count > 0 {
            total += count
            result.append((Self.key(exponent: index + Self.firstExponent), total))
        }
        return result
    }
}
