import KVCore
import KVWire

/// Reads what a replica sends up its stream: `KV.ACK <lsn>` commands and nothing else.
///
/// Pure (bytes in, a step out), so that `StreamSender` only acts on the steps, and so that the
/// bytes a replica may send can be fuzzed without a channel (Tests/Fuzz).
struct AckReader {
    /// What the front of the buffered bytes holds.
    enum Step: Equatable {
        /// An ack for `lsn`, `consumed` bytes long.
        case ack(LSN, consumed: Int)
        /// An empty command (`*0`, a blank line) to skip.
        case skip(consumed: Int)
        /// Not a whole command yet.
        case incomplete
        /// Anything other than an ack: the stream is closed.
        case invalid(String)
    }

    /// Acks are short: tight limits refuse a large or long request at its header.
    private var parser = RESPCommandParser(limits: RESPLimits(maxBulkLength: 64, maxArgumentCount: 4))
    private var bounds: [ArgumentBounds] = []

    /// Reads the command at the front of `bytes`; after `.incomplete`, pass the same bytes again
    /// with more behind them.
    mutating func read(_ bytes: UnsafeRawBufferPointer) -> Step {
        bounds.removeAll(keepingCapacity: true)
        switch parser.parse(bytes, into: &bounds) {
        case let .command(consumed):
            return bounds.withUnsafeBufferPointer { bounds in
                let arguments = Arguments(base: bytes.baseAddress, bounds: bounds)
                guard arguments.count == 2, arguments.lowercased(0) == "kv.ack",
                      let lsn = UInt64(arguments.string(1))
                else { return .invalid("expected KV.ACK <lsn>") }
                return .ack(LSN(lsn), consumed: consumed)
            }
        case .incomplete: return .incomplete
        case let .empty(consumed): return .skip(consumed: consumed)
        case .inline: return .invalid("expected KV.ACK <lsn>")
        case let .malformed(error): return .invalid("\(error)")
        }
    }
}
