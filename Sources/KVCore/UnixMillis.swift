/// A wall-clock instant in milliseconds since the Unix epoch.
///
/// Expiry times are absolute instants of this kind, so that they mean the same after a
/// restart, in a snapshot, and on a replica.
public struct UnixMillis: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: Int64

    public init(rawValue: Int64) { self.rawValue = rawValue }
    public init(_ rawValue: Int64) { self.rawValue = rawValue }

    public static func < (lhs: UnixMillis, rhs: UnixMillis) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
}

/// The source of wall-clock time for everything that depends on it (expiry, TIME, staleness).
///
/// Injected, so that tests can move time by hand instead of sleeping.
public protocol WallClock: Sendable {
    /// The current time.
    func now() -> UnixMillis
    /// The current time in microseconds since the epoch (for TIME).
    func nowMicroseconds() -> Int64
}

extension WallClock {
    public func nowMicroseconds() -> Int64 { now().rawValue * 1000 }
}
