import NIOCore

/// Decodes RESP2 and RESP3 replies into `RESPValue`s, for kv's own client and for tests.
///
/// Every length and the nesting depth are capped before anything is allocated, so a broken
/// or hostile server cannot make the client allocate without end. Attributes (`|`) are read
/// and dropped: they annotate the value that follows, which is returned. Streamed strings
/// and aggregates (`$?`, `*?`) are not supported. A malformed reply is thrown as
/// `RESPProtocolError`.
public struct RESPValueDecoder: NIOSingleStepByteToMessageDecoder {
    /// One whole reply.
    public typealias InboundOut = RESPValue

    /// Bounds on what one reply may declare.
    public struct Limits: Sendable, Equatable {
        /// The deepest nesting of aggregates; the top level is depth 1.
        public var maxDepth: Int
        /// The longest bulk string, blob error or verbatim string.
        public var maxBulkLength: Int
        /// The most elements one aggregate may declare (pairs for a map).
        public var maxElementCount: Int
        /// The longest simple line (`+`, `-`, `:`, `,`, `(` and the headers).
        public var maxLineLength: Int

        /// Limits with generous defaults for replies from kv or Redis.
        public init(
            maxDepth: Int = 64,
            maxBulkLength: Int = 512 * 1024 * 1024,
            maxElementCount: Int = 1 << 30,
            maxLineLength: Int = 64 * 1024
        ) {
            self.maxDepth = maxDepth
            self.maxBulkLength = maxBulkLength
            self.maxElementCount = maxElementCount
            self.maxLineLength = maxLineLength
        }
    }

    /// The limits in force.
    public var limits: Limits
    /// Fewer buffered bytes than this cannot complete the pending reply, so a large reply
    /// arriving in many reads is not re-parsed on every read.
    private var needed = 0

    /// A decoder with the given limits.
    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Decodes the next whole reply, or returns nil until one is buffered.
    public mutating func decode(buffer: inout ByteBuffer) throws -> RESPValue? {
        guard buffer.readableBytes >= max(needed, 1) else { return nil }
        let limits = self.limits
        let outcome = buffer.withUnsafeReadableBytes { bytes -> Result<(RESPValue, Int), RESPValueReader.Failure> in
            var reader = RESPValueReader(bytes: bytes, limits: limits)
            do throws(RESPValueReader.Failure) {
                let value = try reader.readValue(depth: 1)
                return .success((value, reader.index))
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case let .success((value, consumed)):
            buffer.moveReaderIndex(forwardBy: consumed)
            needed = 0
            return value
        case let .failure(.incomplete(needed)):
            self.needed = needed ?? buffer.readableBytes + 1
            return nil
        case let .failure(.malformed(error)):
            throw error
        }
    }

    /// Decodes what is left when the stream ends; an incomplete reply at the end is dropped.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> RESPValue? {
        try decode(buffer: &buffer)
    }
}
