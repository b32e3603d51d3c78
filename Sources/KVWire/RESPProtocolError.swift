import KVCore

/// Input that is not a valid request: the server answers `-ERR <message>` and closes the
/// connection, as Redis does, because the stream cannot be resynchronised after it.
///
/// The messages are Redis's own (`networking.c`, `processMultibulkBuffer` and
/// `processInlineBuffer`) so that client libraries and operators recognise them.
public struct RESPProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The error text without the `ERR ` code, e.g. `Protocol error: invalid bulk length`.
    public var message: String

    /// An error with the given text.
    public init(_ message: String) { self.message = message }

    /// The message, for logs.
    public var description: String { message }

    /// The reply line's text: `ERR <message>`, ready for `Reply.error`.
    public var replyMessage: String { "ERR " + message }

    /// `*N` where N is not a number or more than `maxArgumentCount`.
    public static let invalidMultibulkLength = RESPProtocolError("Protocol error: invalid multibulk length")
    /// `$N` where N is not a number, negative or more than `maxBulkLength`.
    public static let invalidBulkLength = RESPProtocolError("Protocol error: invalid bulk length")
    /// `$N` where N is a number past the bulk limit: Redis's text, then which limit it is, so
    /// that the user knows which flag to raise.
    public static func bulkOverLimit(_ limit: Int, name: String) -> RESPProtocolError {
        RESPProtocolError("Protocol error: invalid bulk length (over \(name), \(limit) bytes)")
    }
    /// A command past the request limit, naming the limit.
    public static func requestOverLimit(_ limit: Int, name: String) -> RESPProtocolError {
        RESPProtocolError("Protocol error: too big request (over \(name), \(limit) bytes)")
    }
    /// An inline line longer than `maxInlineLength`.
    public static let tooBigInlineRequest = RESPProtocolError("Protocol error: too big inline request")
    /// A `*N` line longer than `maxInlineLength`.
    public static let tooBigMultibulkCountString = RESPProtocolError("Protocol error: too big mbulk count string")
    /// A `$N` line longer than `maxInlineLength`.
    public static let tooBigBulkCountString = RESPProtocolError("Protocol error: too big bulk count string")
    /// An inline line with a quote that is not closed, or not followed by a space.
    public static let unbalancedQuotes = RESPProtocolError("Protocol error: unbalanced quotes in request")
    /// An unauthenticated client declared more than 10 arguments.
    public static let unauthenticatedMultibulkLength = RESPProtocolError(
        "Protocol error: unauthenticated multibulk length")
    /// An unauthenticated client declared a bulk string longer than 16 KiB.
    public static let unauthenticatedBulkLength = RESPProtocolError("Protocol error: unauthenticated bulk length")
    /// Bulk data not followed by CRLF. (Redis skips two bytes unchecked; kv refuses, since a
    /// wrong length means the rest of the stream would be misread.)
    public static let missingBulkTerminator = RESPProtocolError("Protocol error: expected CRLF after bulk data")

    /// An array element that does not start with `$`: `Protocol error: expected '$', got 'X'`.
    public static func expectedDollar(got byte: UInt8) -> RESPProtocolError {
        // Redis prints the raw byte; a reply line cannot carry CR or LF, so those become spaces.
        let shown: Character = byte == 13 || byte == 10 ? " " : Character(Unicode.Scalar(byte))
        return RESPProtocolError("Protocol error: expected '$', got '\(shown)'")
    }
}

extension RESPProtocolError {
    /// The reply the server sends before closing the connection: `-ERR <message>`.
    public var reply: Reply { .error(CommandError(replyMessage)) }
}
