import KVCore
import NIOCore

/// Decodes client commands from a byte stream into `OwnedArguments`, with the same parser
/// the server runs on its hot path.
///
/// For tests (it can be checked with NIO's `ByteToMessageDecoderVerifier`) and for uses that
/// keep commands rather than run them in place. A protocol error is thrown as
/// `RESPProtocolError`.
public struct RESPCommandDecoder: NIOSingleStepByteToMessageDecoder {
    /// One command, with its bytes copied out of the stream.
    public typealias InboundOut = OwnedArguments

    private var parser: RESPCommandParser
    /// Reused across commands so that parsing allocates nothing.
    private var bounds: [ArgumentBounds] = []

    /// A decoder with the given limits.
    public init(limits: RESPLimits = RESPLimits()) {
        self.parser = RESPCommandParser(limits: limits)
    }

    /// Decodes the next command, skipping empty ones (`*0`, blank lines).
    public mutating func decode(buffer: inout ByteBuffer) throws -> OwnedArguments? {
        while buffer.readableBytes > 0 {
            let (result, command) = buffer.withUnsafeReadableBytes { bytes in
                let result = parser.parse(bytes, into: &bounds)
                guard case .command = result else { return (result, OwnedArguments?.none) }
                let command = bounds.withUnsafeBufferPointer {
                    OwnedArguments(Arguments(base: bytes.baseAddress, bounds: $0))
                }
                bounds.removeAll(keepingCapacity: true)
                return (result, command)
            }
            switch result {
            case let .command(consumed):
                buffer.moveReaderIndex(forwardBy: consumed)
                return command
            case let .inline(consumed, arguments):
                buffer.moveReaderIndex(forwardBy: consumed)
                return arguments
            case let .empty(consumed):
                buffer.moveReaderIndex(forwardBy: consumed)
            case .incomplete:
                return nil
            case let .malformed(error):
                throw error
            }
        }
        return nil
    }

    /// Decodes what is left when the stream ends; an incomplete command at the end is dropped,
    /// as a server drops it when its client hangs up.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> OwnedArguments? {
        try decode(buffer: &buffer)
    }
}
