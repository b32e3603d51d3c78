/// Identifies one lineage of writes: created when a primary initialises an empty data
/// directory, carried by every snapshot and log segment.
///
/// Two stores with the same LSN but different histories hold unrelated data; a replica never
/// applies records of another history.
public struct HistoryID: Hashable, Sendable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// A fresh random history.
    public static func random() -> HistoryID {
        var generator = SystemRandomNumberGenerator()
        return HistoryID(high: generator.next(), low: generator.next())
    }

    /// 32 lowercase hex digits.
    public var description: String { hex(high) + hex(low) }

    /// Parses the 32-hex-digit form written by `description`.
    public init?(_ text: some StringProtocol) {
        guard text.utf8.count == 32,
              let high = UInt64(text.prefix(16), radix: 16),
              let low = UInt64(text.suffix(16), radix: 16)
        else { return nil }
        self.init(high: high, low: low)
    }

    private func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
