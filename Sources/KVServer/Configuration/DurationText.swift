/// Durations on the command line: `500ms`, `10s`, `5m`, `1h`, or a bare number of seconds
/// (`2.5`).
public enum DurationText {
    public static func parse(_ text: String) -> Duration? {
        let units: [(suffix: String, scale: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        let (number, scale) = UnitText.split(text, units: units, one: 1.0)
        guard let value = Double(number), value >= 0, value.isFinite else { return nil }
        return .nanoseconds(Int64((value * scale * 1e9).rounded()))
    }
}
