/// A log sequence number: the position of a write in the primary's write log.
///
/// Every write the primary applies gets the next LSN, starting at 1. LSN 0 means "nothing
/// applied yet" — the position of an empty store.
public struct LSN: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    /// The position before the first write.
    public static let zero = LSN(0)

    /// The LSN that follows this one.
    public var next: LSN { LSN(rawValue + 1) }

    public static func < (lhs: LSN, rhs: LSN) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
}
