import Testing
@testable import KVServer

/// The latency monitor's series, Redis's LATENCY HISTOGRAM buckets and sparkline, without a
/// server.
@Suite struct LatencyEventsTests {
    @Test func keepsAtMost160SpikesOnePerSecondWithTheLargest() {
        var events = LatencyEvents()
        events.record("command", milliseconds: 5, time: 100)
        events.record("command", milliseconds: 9, time: 100)
        events.record("command", milliseconds: 3, time: 100)
        #expect(events.series("command")?.samples == [.init(time: 100, milliseconds: 9)])
        for second in 101..<400 { events.record("command", milliseconds: second % 7 + 1, time: second) }
        let series = events.series("command")!
        #expect(series.samples.count == 160)
        #expect(series.samples.first?.time == 240 && series.samples.last?.time == 399)
        #expect(series.maximum == 9)
    }

    @Test func resetMatchesNamesIgnoringCaseAndCountsThem() {
        var events = LatencyEvents()
        events.record("command", milliseconds: 5, time: 1)
        events.record("fast-command", milliseconds: 5, time: 1)
        events.record("expire-cycle", milliseconds: 5, time: 1)
        #expect(events.reset("COMMAND") == 1)
        #expect(events.reset("nosuch") == 0)
        #expect(events.events.map(\.name) == ["fast-command", "expire-cycle"])
        #expect(events.reset() == 2)
        #expect(events.isEmpty)
    }

    @Test func summaryIsRedisAnalysis() {
        var events = LatencyEvents()
        events.record("command", milliseconds: 10, time: 100)
        events.record("command", milliseconds: 20, time: 101)
        events.record("command", milliseconds: 30, time: 102)
        let summary = LatencySummary(events.series("command")!, now: 110)
        #expect(summary.samples == 3 && summary.average == 20 && summary.meanDeviation == 6)
        #expect(summary.minimum == 10 && summary.maximum == 30 && summary.period == 10)
    }

    /// The keys Redis 7.0.15 answers (read from a real server: PING → 1, 2, 4; DEBUG SLEEP →
    /// 264, 528, 1056, 2113, 33816, 67633, 135266, 541065, 1073741).
    @Test func histogramKeysAreRedis() {
        let keys = (10...30).map(LatencyDistribution.key(exponent:))
        for observed in [1, 2, 4, 33, 264, 528, 1056, 2113, 33816, 67633, 135266, 541065, 1073741] {
            #expect(keys.contains(observed), "\(observed) in \(keys)")
        }
        #expect(LatencyDistribution.exponent(ofMicroseconds: 0) == 10)
        #expect(LatencyDistribution.exponent(ofMicroseconds: 1) == 10)
        #expect(LatencyDistribution.exponent(ofMicroseconds: 2) == 11)
        #expect(LatencyDistribution.exponent(ofMicroseconds: 3) == 12)
        #expect(LatencyDistribution.exponent(ofMicroseconds: 5_000_000) == 30, "above 1 s: the last bucket")
        var distribution = LatencyDistribution()
        for microseconds in [0, 1, 1, 3, 40] { distribution.record(microseconds: microseconds) }
        #expect(distribution.calls == 5)
        #expect(distribution.cumulative.map(\.key) == [1, 4, 66])
        #expect(distribution.cumulative.map(\.count) == [3, 4, 5])
    }

    /// Redis's sparkline for three spikes (1, 5 and 10 ms, 2 s, 1 s and 0 s ago), worked by
    /// hand from `sparkline.c`: 12 steps over 4 rows of `_o#`, `|` below the top, labels
    /// written downwards after one blank line.
    @Test func graphIsRedisSparkline() {
        var events = LatencyEvents()
        events.record("command", milliseconds: 1, time: 98)
        events.record("command", milliseconds: 5, time: 99)
        events.record("command", milliseconds: 10, time: 100)
        let graph = LatencyReport(events: events, now: 100).graph("command")!
        let expected = "command - high 10 ms, low 1 ms (all time high 10 ms)\n"
            + String(repeating: "-", count: 80) + "\n"
            + "  #\n"
            + "  |\n"
            + " #|\n"
            + "_||\n"
            + "   \n"
            + "210\n"
            + "sss\n"
        #expect(graph == expected)
        #expect(LatencyReport(events: events, now: 100).graph("other") == nil)
    }
}
