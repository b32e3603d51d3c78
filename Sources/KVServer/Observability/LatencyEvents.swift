/// The latency monitor's time series, as Redis's `latency.c` keeps them: per event ("command",
/// "fast-command", "expire-cycle", …) the latest 160 spikes, at most one per second (a second
/// spike in the same second keeps the larger), and the all-time maximum. No clock and no lock:
/// the caller passes the Unix time of each sample (`LatencyMonitor` is the shell).
struct LatencyEvents {
    /// One spike: when (Unix seconds) and how long (milliseconds).
    struct Sample: Equatable {
        var time: Int
        var milliseconds: Int
    }

    /// One event's spikes, oldest first.
    struct Series {
        var samples: [Sample] = []
        var maximum = 0
    }

    /// Redis's `LATENCY_TS_LEN`.
    static let capacity = 160

    /// In the order the events first spiked.
    private(set) var events: [(name: String, series: Series)] = []

    var isEmpty: Bool { events.isEmpty }

    /// Records a spike of `event` that took `milliseconds`, at Unix second `time`.
    mutating func record(_ event: String, milliseconds: Int, time: Int) {
        let index: Int
        if let found = events.firstIndex(where: { $0.name == event }) {
            index = found
        } else {
            events.append((event, Series()))
            index = events.count - 1
        }
        var series = events[index].series
        series.maximum = max(series.maximum, milliseconds)
        if let last = series.samples.last, last.time == time {
            series.samples[series.samples.count - 1].milliseconds = max(last.milliseconds, milliseconds)
        } else {
            series.samples.append(Sample(time: time, milliseconds: milliseconds))
            if series.samples.count > Self.capacity { series.samples.removeFirst(series.samples.count - Self.capacity) }
        }
        events[index].series = series
    }

    /// The spikes of `event` (its name compared exactly, as Redis's dictionary does).
    func series(_ event: String) -> Series? {
        events.first { $0.name == event }?.series
    }

    /// Forgets `event` (compared ignoring case, as Redis's RESET), or every event for nil;
    /// returns how many were forgotten.
    mutating func reset(_ event: String? = nil) -> Int {
        let before = events.count
        if let event {
            let lowered = event.lowercased()
            events.removeAll { $0.name.lowercased() == lowered }
        } else {
            events.removeAll()
        }
        return before - events.count
    }
}

/// Spikes summarised as LATENCY DOCTOR reports them (Redis's `analyzeLatencyForEvent`).
struct LatencySummary: Equatable {
    var samples = 0
    var average = 0
    /// Mean absolute deviation from the average.
    var meanDeviation = 0
    var minimum = 0
    var maximum = 0
    /// Seconds from the oldest spike to `now` (at least 1 when there are spikes).
    var period = 0

    init(_ series: LatencyEvents.Series, now: Int) {
        let samples = series.samples
        guard !samples.isEmpty else { return }
        self.samples = samples.count
        let values = samples.map(\.milliseconds)
        average = values.reduce(0, +) / samples.count
        minimum = values.min()!
        maximum = values.max()!
        period = max(1, now - samples.map(\.time).min()!)
        meanDeviation = values.reduce(0) { $0 + abs(average - $1) } / samples.count
    }
}
