/// Sizes on the command line, as Redis writes them: `0`, `1048576`, `100kb`, `512mb`, `2gb`
/// (powers of 1024; `k`, `m`, `g` alone also accepted, case-insensitive).
public enum ByteSizeText {
    public static func parse(_ text: String) -> Int? {
        let units: [(suffix: String, scale: Int)] = [
            ("kb", 1 << 10), ("mb", 1 << 20), ("gb", 1 << 30), ("k", 1 << 10), ("m", 1 << 20), ("g", 1 << 30), ("b", 1),
        ]
        let (number, scale) = UnitText.split(text.lowercased(), units: units, one: 1)
        guard let value = Int(number), value >= 0 else { return nil }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: scale)
        return overflow ? nil : bytes
    }
}
