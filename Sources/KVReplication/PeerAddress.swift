/// Where a peer pod listens for the Redis protocol, as `host:port` (e.g. `kv-0.kv:6379`).
///
/// Kept as text: the state machines only pass it to the shell, which resolves it.
public struct PeerAddress: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public var description: String { rawValue }
}
