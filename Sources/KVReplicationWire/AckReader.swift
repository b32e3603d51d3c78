import KVCore
import KVWire
import NIOCore

/// One ack: the replica applied every record up to `applied`, and fsynced every record up to
/// `durable` (nil from replicas that do not report it).
public struct Ack: Hashable, Sendable {
    public var applied: LSN
    public var durable: LSN?

    public init(applied: LSN, durable: LSN? = nil) {
        self.applied = applied
        self.durable = durable
    }
}

/// Reads what a replica sends up its stream: `KV.ACK <lsn> [<durable>]` commands and nothing else.
///
/// Pure (bytes in, a step out), so that `StreamSender` only acts on the steps, and so that the
/// bytes a replica may send can be fuzzed without a channel (Tests/Fuzz). As a
/// `NIOSingleStepByteToMessageDecoder` it yields the acks' LSNs and throws anything else.
public struct AckReader {
    /// What the front of the buffered bytes holds.
    public enum Step: Equatable, Sendable {
        /// An ack, `consumed` bytes long.
        case ack(Ack, consumed: Int)
        /// An empty command (`*0`, a blank line) to skip.
        case skip(consumed: Int)
        /// Not a whole command yet.
        case incomplete
        /// Anything other than an ack: the stream is closed.
        case invalid(String)
    }

    /// Acks are short: tight limits refuse a large or long request at its header.
    private var parser: RESPCommandParser = {
        var limits = RESPLimits(maxBulkLength: 64, maxArgumentCount: 4)
        limits.maxBulkLengthName = "an ack's limit"
        return RESPCommandParser(limits: limits)
    }()
    private var bounds: [ArgumentBounds] = []

    static let expected = "expected KV.ACK <lsn> [<durable-lsn>]"

    /// A reader at the start of a stream.
    public init() {}

    /// Reads the command at the front of `bytes`; after `.incomplete`, pass the same bytes again
    /// with more behind them.
    public mutating func read(_ bytes: UnsafeRawBufferPointer) -> Step {
        bounds.removeAll(keepingCapacity: true)
        switch parser.parse(bytes, into: &bounds) {
        case let .command(consumed):
            return bounds.withUnsafeBufferPointer { bounds in
                let arguments = Arguments(base: bytes.baseAddress, bounds: bounds)
                guard case let .ack(applied, durable)? = try? ReplicationRequest(arguments: arguments) else {
                    return .invalid(Self.expected)
                }
                return .ack(Ack(applied: applied, durable: durable), consumed: consumed)
            }
        case .incomplete: return .incomplete
        case let .empty(consumed): return .skip(consumed: consumed)
        case .inline: return .invalid(Self.expected)
        case let .malformed(error): return .invalid("\(error)")
        }
    }
}

extension AckReader: NIOSingleStepByteToMessageDecoder {
    /// One ack.
    public typealias InboundOut = Ack

    /// Decodes the next ack, skipping empty commands; throws `ReplicationProtocolError` for
    /// anything that is not an ack.
    public mutating func decode(buffer: inout ByteBuffer) throws -> Ack? {
        while buffer.readableBytes > 0 {
            switch buffer.withUnsafeReadableBytes({ read($0) }) {
            case let .ack(ack, consumed):
                buffer.moveReaderIndex(forwardBy: consumed)
                return ack
            case let .skip(consumed):
                buffer.moveReaderIndex(forwardBy: consumed)
            case .incomplete:
                return nil
            case let .invalid(reason):
                throw ReplicationProtocolError(reason)
            }
        }
        return nil
    }

    /// Decodes what is left when the stream ends; an ack cut short is dropped.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> Ack? {
        try decode(buffer: &buffer)
    }
}
