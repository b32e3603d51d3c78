/// A point in monotonic time, as the shell reports it: a duration since an origin the shell
/// picks (process start, say).
///
/// The state machines never read a clock; every `on…` method takes the current instant, so
/// tests move time by hand. A plain `Duration` offset (rather than `ContinuousClock.Instant`)
/// because tests must be able to construct any instant deterministically.
public struct ReplicationInstant: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Time since the shell's origin.
    public var sinceOrigin: Duration

    public init(_ sinceOrigin: Duration) { self.sinceOrigin = sinceOrigin }

    /// The origin itself.
    public static let origin = ReplicationInstant(.zero)

    /// An instant from a `ContinuousClock.Instant`, measured from `origin`.
    public init(_ instant: ContinuousClock.Instant, since origin: ContinuousClock.Instant) {
        self.sinceOrigin = instant - origin
    }

    public static func < (lhs: ReplicationInstant, rhs: ReplicationInstant) -> Bool {
        lhs.sinceOrigin < rhs.sinceOrigin
    }

    public static func + (lhs: ReplicationInstant, rhs: Duration) -> ReplicationInstant {
        ReplicationInstant(lhs.sinceOrigin + rhs)
    }

    public static func - (lhs: ReplicationInstant, rhs: ReplicationInstant) -> Duration {
        lhs.sinceOrigin - rhs.sinceOrigin
    }

    public var description: String { "\(sinceOrigin)" }
}
