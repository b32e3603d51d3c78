import KVCore

/// LATENCY's replies from the events' spikes: LATEST, HISTORY, GRAPH (Redis's sparkline, byte
/// for byte) and DOCTOR (kv's shorter report, see docs/protocol.md).
struct LatencyReport {
    let events: LatencyEvents
    /// Unix seconds.
    let now: Int

    /// LATENCY LATEST: per event its name, the latest spike's time and milliseconds, and the
    /// all-time maximum.
    var latest: Reply {
        .array(events.events.map { event in
            let last = event.series.samples.last ?? LatencyEvents.Sample(time: 0, milliseconds: 0)
            return .array([.bulk(event.name), .integer(Int64(last.time)), .integer(Int64(last.milliseconds)),
                           .integer(Int64(event.series.maximum))])
        })
    }

    /// LATENCY HISTORY event: its spikes, oldest first (none for an unknown event).
    func history(_ name: String) -> Reply {
        .array((events.series(name)?.samples ?? []).map { .array([.integer(Int64($0.time)), .integer(Int64($0.milliseconds))]) })
    }

    /// LATENCY GRAPH event, as Redis's `latencyCommandGenSparkeline`: a header, a rule, and
    /// the spikes as a four-row sparkline labelled with how long ago each happened.
    func graph(_ name: String) -> String? {
        guard let series = events.series(name) else { return nil }
        var sparkline = Sparkline()
        for sample in series.samples {
            let elapsed = now - sample.time
            let label = elapsed < 60 ? "\(elapsed)s" : elapsed < 3600 ? "\(elapsed / 60)m"
                : elapsed < 86400 ? "\(elapsed / 3600)h" : "\(elapsed / 86400)d"
            sparkline.add(Double(sample.milliseconds), label: label)
        }
        let values = series.samples.map(\.milliseconds)
        var text = "\(name) - high \(values.max() ?? 0) ms, low \(values.min() ?? 0) ms (all time high \(series.maximum) ms)\n"
        text += String(repeating: "-", count: 80) + "\n"
        return text + sparkline.render(columns: 80, rows: 4)
    }

    /// LATENCY DOCTOR: Redis's texts when nothing was observed; otherwise one line per event in
    /// Redis's format and kv's own advice for the events kv records.
    func doctor(threshold: Int) -> String {
        if events.isEmpty && threshold == 0 {
            return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n"
        }
        if events.isEmpty {
            return "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n"
        }
        var text = "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n"
        var advice: [String] = []
        for (number, event) in events.events.enumerated() {
            let summary = LatencySummary(event.series, now: now)
            let period = Double(summary.period) / Double(max(1, summary.samples))
            text += "\(number + 1). \(event.name): \(summary.samples) latency spikes (average \(summary.average)ms, mean deviation \(summary.meanDeviation)ms, period \(Self.twoDecimals(period)) sec). Worst all time event \(event.series.maximum)ms.\n"
            if let hint = Self.advice[event.name], !advice.contains(hint) { advice.append(hint) }
        }
        if !advice.isEmpty {
            text += "\nI have a few advices for you:\n\n" + advice.map { "- \($0)\n" }.joined()
        }
        return text
    }

    /// `%.2f`.
    static func twoDecimals(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// kv's advice per event it records.
    static let advice: [String: String] = [
        "command": "Commands slower than the threshold ran: see SLOWLOG GET for which, and split large keys or use SCAN-style commands instead of O(N) ones on them.",
        "fast-command": "O(1) or O(log N) commands took long: the machine may be overloaded (CPU steal, swapping); check the host.",
        "aof-fsync-always": "The write log's fsync was slow with --fsync always: use faster storage, or --fsync everysec if losing the last second of writes is acceptable.",
        "expire-cycle": "The background expiry sweep held the database long: many keys expire at once; spread their expiry times.",
    ]
}

/// Redis's `sparkline.c` rendering (with its fill style): samples become columns of `_o#|`
/// characters, labels are written vertically below them.
struct Sparkline {
    private var samples: [(value: Double, label: String)] = []
    private var minimum = 0.0
    private var maximum = 0.0

    mutating func add(_ value: Double, label: String) {
        if samples.isEmpty {
            minimum = value
            maximum = value
        } else if value < minimum {
            minimum = value
        } else if value > maximum {
            // `else if`, as Redis's: a sequence that only goes down keeps its first maximum.
            maximum = value
        }
        samples.append((value, label))
    }

    func render(columns: Int, rows: Int) -> String {
        var output = ""
        var start = 0
        while start < samples.count {
            if start != 0 { output += "\n" }
            output += renderRange(offset: start, count: min(columns, samples.count - start), rows: rows)
            start += columns
        }
        return output
    }

    private func renderRange(offset: Int, count: Int, rows: Int) -> String {
        let fill: [Character] = ["_", "o", "#"]
        let steps = fill.count * rows
        var relativeMaximum = maximum - minimum
        if relativeMaximum == 0 { relativeMaximum = 1 }
        let hasLabels = samples.contains { !$0.label.isEmpty }
        var output = ""
        var row = 0
        var more = true
        while more {
            more = false
            var line = [Character](repeating: " ", count: count)
            for column in 0..<count {
                let sample = samples[offset + column]
                let relative = sample.value - minimum
                var step = Int(Double(Int(relative * Double(steps))) / relativeMaximum)
                step = max(0, min(steps - 1, step))
                if row < rows {
                    more = true
                    let index = step - (rows - row - 1) * fill.count
                    if index >= 0 && index < fill.count {
                        line[column] = fill[index]
                    } else if index >= fill.count {
                        line[column] = "|"
                    }
                } else {
                    // One blank line between the sparkline and its labels.
                    if hasLabels && row - rows < 1 {
                        more = true
                        break
                    }
                    let label = Array(sample.label)
                    let position = row - rows - 1
                    if label.count > position {
                        more = true
                        line[column] = label[position]
                    }
                }
            }
            if more {
                row += 1
                output += String(line) + "\n"
            }
        }
        return output
    }
}
