/// Who decides that a key's time has passed.
public enum ExpiryAuthority: Sendable, Hashable {
    /// The primary: a key found expired on access is deleted, and a `.delete` effect emitted
    /// so that the log and the replicas learn of it.
    case primary
    /// A replica: expired keys are hidden, never removed; the primary's deletes arrive
    /// through the log.
    case replica
}

/// What a command needs from outside the keyspace: the time, who expires keys, limits.
public struct CommandContext: Sendable {
    /// The wall-clock time the command runs at (one instant for a whole command, as Redis's
    /// `commandTimeSnapshot`).
    public var now: UnixMillis
    /// Whether access may delete expired keys.
    public var expiry: ExpiryAuthority
    /// The largest value APPEND and SETRANGE may make (Redis's `proto-max-bulk-len`), and the
    /// size a collection may not grow past (see `Keyspace.withObject`).
    public var maxValueSize: Int
    /// The bytes of the running command's arguments: a bound on what it can add to a
    /// collection. Set per command by the server; 0 where nothing checks it.
    public var requestBytes: Int = 0

    /// Redis's default `proto-max-bulk-len`: 512 MiB.
    public static let defaultMaxValueSize = 512 * 1024 * 1024

    public init(
        now: UnixMillis,
        expiry: ExpiryAuthority = .primary,
        maxValueSize: Int = CommandContext.defaultMaxValueSize
    ) {
        self.now = now
        self.expiry = expiry
        self.maxValueSize = maxValueSize
    }
}
