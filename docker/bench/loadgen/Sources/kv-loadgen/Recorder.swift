/// The measurements of one run: every recorded request's latency from its intended send time,
/// and how late the generator itself was in sending (the send lag: a generator that cannot keep
/// its schedule shows it here, and the latencies include it).
struct Recorder {
    /// Requests intended before this time (the warm-up) are sent but not recorded.
    let recordFrom: Int64
    private(set) var latencies: [Int64] = []
    private(set) var sendLags: [Int64] = []
    private(set) var errors = 0
    private(set) var sent = 0
    /// When the last recorded request actually went out (monotonic ns).
    private(set) var lastSentAt: Int64 = 0

    init(recordFrom: Int64, expected: Int) {
        self.recordFrom = recordFrom
        latencies.reserveCapacity(expected)
        sendLags.reserveCapacity(expected)
    }

    @inline(__always)
    mutating func sent(intended: Int64, at now: Int64) {
        guard intended >= recordFrom else { return }
        sent += 1
        lastSentAt = now
        sendLags.append(now - intended)
    }

    @inline(__always)
    mutating func answered(intended: Int64, at now: Int64, isError: Bool) {
        guard intended >= recordFrom else { return }
        latencies.append(now - intended)
        if isError { errors += 1 }
    }

    /// Requests still unanswered when the run gave up count with the latency they had reached
    /// by then (a lower bound), so a stall at the end is not dropped from the tail.
    mutating func unanswered(intended: Int64, at now: Int64) {
        guard intended >= recordFrom else { return }
        latencies.append(now - intended)
    }
}

/// Percentiles of nanosecond samples, in milliseconds.
struct Summary {
    var count: Int
    var mean: Double
    var p50: Double, p90: Double, p99: Double, p999: Double, max: Double

    init(_ samples: [Int64]) {
        let sorted = samples.sorted()
        count = sorted.count
        func ms(_ ns: Int64) -> Double { Double(ns) / 1e6 }
        func at(_ q: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let index = Swift.min(sorted.count - 1, Swift.max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))
            return ms(sorted[index])
        }
        mean = sorted.isEmpty ? 0 : ms(sorted.reduce(0, +)) / Double(sorted.count)
        p50 = at(0.5); p90 = at(0.9); p99 = at(0.99); p999 = at(0.999)
        max = ms(sorted.last ?? 0)
    }

    var json: String {
        "{\"count\": \(count), \"mean_ms\": \(r(mean)), \"p50_ms\": \(r(p50)), \"p90_ms\": \(r(p90)), "
            + "\"p99_ms\": \(r(p99)), \"p999_ms\": \(r(p999)), \"max_ms\": \(r(max))}"
    }

    private func r(_ x: Double) -> String { String(Double(Int((x * 1000).rounded())) / 1000) }
}
