import KVCore
import KVWire
import NIOCore

/// What a replica sends to another pod, as RESP arrays of bulk strings on the Redis port
/// (docs/replication.md, "Wire format"):
///
/// ```
/// KV.CLONE                                           replica → clone source (any pod)
/// KV.STREAM <history> <after-lsn> <pod-name> [<port> [<epoch>]]  replica → primary
/// KV.ACK <applied-lsn> [<durable-lsn>]               replica → primary, on its stream
/// KV.FETCH <history> <after-lsn> <epoch>             a starting primary → any pod
/// ```
///
/// A connection's first request may follow `AUTH <password>` (`encode(into:authenticatingWith:)`).
public enum ReplicationRequest: Hashable, Sendable {
    /// `KV.CLONE`: send me your snapshot.
    case clone
    /// `KV.STREAM …`: stream me every record after mine.
    case stream(StreamRequest)
    /// `KV.ACK <lsn> [<durable>]`: this replica has applied every record up to `applied`, and
    /// fsynced every record up to `durable` (left out by replicas from before WAITAOF, and
    /// sent only to a primary that accepts it — one that accepted a `KV.STREAM` with an epoch).
    case ack(applied: LSN, durable: LSN? = nil)
    /// `KV.FETCH …`: send me the records after my last one that you hold, then close.
    case fetch(FetchRequest)

    /// Appends the request as a RESP array of bulk strings.
    public func encode(into buffer: inout ByteBuffer) {
        switch self {
        case .clone:
            buffer.writeCommand(["KV.CLONE"])
        case let .stream(request):
            buffer.writeCommand(["KV.STREAM"] + request.arguments)
        case let .ack(lsn, durable):
            buffer.writeCommand(["KV.ACK", String(lsn.rawValue)] + (durable.map { [String($0.rawValue)] } ?? []))
        case let .fetch(request):
            buffer.writeCommand(["KV.FETCH"] + request.arguments)
        }
    }

    /// Appends what a replica sends when its connection opens: `AUTH <password>` when a
    /// password is set, then the request. Both are pipelined; the answers come in order.
    public func encode(into buffer: inout ByteBuffer, authenticatingWith password: String?) {
        if let password { buffer.writeCommand(["AUTH", password]) }
        encode(into: &buffer)
    }

    /// Reads a request from its arguments (the command name first, in any case).
    ///
    /// Throws the error to answer: for `KV.STREAM` the texts of `StreamRequest(arguments:)`,
    /// for the others `expected KV.ACK <lsn> [<durable-lsn>]` or `wrong number of arguments`.
    public init(arguments: Arguments) throws(CommandError) {
        guard arguments.count > 0 else { throw Self.notARequest }
        switch arguments.lowercased(0) {
        case "kv.clone":
            guard arguments.count == 1 else { throw CommandError.wrongArity("kv.clone") }
            self = .clone
        case "kv.stream":
            self = .stream(try StreamRequest(arguments: arguments))
        case "kv.fetch":
            self = .fetch(try FetchRequest(arguments: arguments))
        case "kv.ack":
            guard (2...3).contains(arguments.count), let lsn = UInt64(arguments.string(1)) else { throw Self.malformedAck }
            var durable: LSN?
            if arguments.count == 3 {
                guard let value = UInt64(arguments.string(2)) else { throw Self.malformedAck }
                durable = LSN(value)
            }
            self = .ack(applied: LSN(lsn), durable: durable)
        default:
            throw Self.notARequest
        }
    }

    /// `KV.ACK` without exactly one unsigned decimal LSN.
    public static let malformedAck = CommandError("ERR expected KV.ACK <lsn> [<durable-lsn>]")
    /// A command that is none of the replication requests.
    public static let notARequest = CommandError("ERR expected KV.CLONE, KV.STREAM, KV.ACK or KV.FETCH")
}
