/// A peer sent something the replication protocol does not allow (a malformed answer line,
/// an unknown frame, a request that is not an ack), or a replication connection cannot go on.
///
/// Carries a sentence for the log; the connection it happened on is closed.
public struct ReplicationProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, for the log.
    public var description: String

    /// An error saying `description`.
    public init(_ description: String) { self.description = description }
}
