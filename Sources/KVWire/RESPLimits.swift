/// Bounds on what one client request may declare, checked before anything is allocated or
/// waited for, so a hostile or broken client cannot make the server buffer without end.
///
/// The defaults are Redis's (`proto-max-bulk-len`, `PROTO_INLINE_MAX_SIZE`); a request past
/// a limit is a protocol error and the connection is closed after the error reply.
public struct RESPLimits: Sendable, Equatable {
    /// The longest bulk string (one argument) in bytes. Redis: `proto-max-bulk-len`, 512 MiB.
    /// Past it: `Protocol error: invalid bulk length`.
    public var maxBulkLength: Int

    /// The most arguments one command may have. Past it:
    /// `Protocol error: invalid multibulk length`.
    public var maxArgumentCount: Int

    /// The longest inline command line, and the longest `*N` / `$N` header line, without its
    /// line end. Past it: `Protocol error: too big inline request` (or `too big mbulk count
    /// string`, `too big bulk count string` for header lines), as Redis answers.
    public var maxInlineLength: Int

    /// The most bytes one whole command may occupy, headers included; a bound on what one
    /// connection buffers (Redis's `client-query-buffer-limit`, 1 GiB). Past it:
    /// `Protocol error: too big request`.
    public var maxRequestLength: Int

    /// What a request past `maxBulkLength` / `maxRequestLength` is told the limit is called:
    /// Redis's setting by default, the server's flag when it sets one (`--max-value-size`).
    public var maxBulkLengthName = "proto-max-bulk-len"
    public var maxRequestLengthName = "client-query-buffer-limit"

    /// True for a connection that must still authenticate: Redis then accepts at most 10
    /// arguments and 16 KiB bulk strings, so that an unauthenticated client cannot make the
    /// server buffer much, and answers `Protocol error: unauthenticated multibulk length` /
    /// `unauthenticated bulk length`.
    public var requiresAuthentication: Bool

    /// The most arguments an unauthenticated connection may send in one command (Redis: 10).
    public static let unauthenticatedArgumentCount = 10
    /// The longest bulk string an unauthenticated connection may send (Redis: 16384).
    public static let unauthenticatedBulkLength = 16384

    /// Limits with Redis's defaults unless given.
    public init(
        maxBulkLength: Int = 512 * 1024 * 1024,
        maxArgumentCount: Int = 1024 * 1024,
        maxInlineLength: Int = 64 * 1024,
        maxRequestLength: Int = 1024 * 1024 * 1024,
        requiresAuthentication: Bool = false
    ) {
        self.maxBulkLength = maxBulkLength
        self.maxArgumentCount = maxArgumentCount
        self.maxInlineLength = maxInlineLength
        self.maxRequestLength = maxRequestLength
        self.requiresAuthentication = requiresAuthentication
    }
}
