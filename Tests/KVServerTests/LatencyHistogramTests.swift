@testable import KVServer
import Testing

/// The per-command latency histogram behind INFO latencystats.
@Suite struct LatencyHistogramTests {
    @Test func bucketsAreExactThenWithinAnEighth() {
        for value in 0..<16 { #expect(LatencyHistogram.upperBound(of: LatencyHistogram.bucket(of: value)) == value) }
        for value in [16, 17, 100, 1000, 12_345, 1 << 30, 3 << 35] {
            let bound = LatencyHistogram.upperBound(of: LatencyHistogram.bucket(of: value))
            #expect(bound >= value && Double(bound - value) <= Double(value) / 8, "\(value) → \(bound)")
            // Buckets are contiguous: the next value past a bound starts the next bucket.
            #expect(LatencyHistogram.bucket(of: bound + 1) == LatencyHistogram.bucket(of: value) + 1)
        }
        #expect(LatencyHistogram.bucket(of: -5) == 0)
        #expect(LatencyHistogram.bucket(of: Int.max) == LatencyHistogram.bucketCount - 1)
    }

    @Test func percentilesCountCalls() {
        var histogram = LatencyHistogram()
        #expect(histogram.value(atPercentile: 50) == 0)
        for _ in 0..<98 { histogram.record(3) }
        histogram.record(200)
        histogram.record(5000)
        #expect(histogram.value(atPercentile: 50) == 3)
        #expect(histogram.value(atPercentile: 99) == LatencyHistogram.upperBound(of: LatencyHistogram.bucket(of: 200)))
        #expect(histogram.value(atPercentile: 99.9) == LatencyHistogram.upperBound(of: LatencyHistogram.bucket(of: 5000)))
        #expect(histogram.total == 100)
    }
}
