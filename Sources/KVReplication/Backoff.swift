/// Exponential reconnect backoff: `initial`, doubling up to `maximum`.
///
/// Reset only after a stream has run long enough (`ReplicaLink.Configuration.backoffResetAfter`):
/// a primary that accepts and then drops every stream at once must not be hammered at the
/// initial delay.
public struct Backoff: Hashable, Sendable {
    public let initial: Duration
    public let maximum: Duration
    /// The delay the next retry will wait.
    public private(set) var current: Duration

    public init(initial: Duration = .milliseconds(100), maximum: Duration = .seconds(5)) {
        self.initial = initial
        self.maximum = maximum
        self.current = initial
    }

    /// The delay to wait now; the one after it is twice as long (capped).
    public mutating func next() -> Duration {
        let delay = current
        current = min(current * 2, maximum)
        return delay
    }

    /// Back to the initial delay.
    public mutating func reset() { current = initial }
}
