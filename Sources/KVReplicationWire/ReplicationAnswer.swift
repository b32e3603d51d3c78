import KVCore
import KVReplication
import KVWire
import NIOCore

/// What a pod answers to a replica's requests: one RESP simple-string or error line each
/// (docs/replication.md, "Wire format").
///
/// ```
/// +OK                                  to AUTH
/// +CLONE <history> <lsn> <entries>     to KV.CLONE; the snapshot's bytes follow
/// +STREAM <history> <primary-lsn>      to KV.STREAM; frames follow
/// +FETCH <history> <last-lsn>          to KV.FETCH; record frames up to last-lsn follow
/// -KVRESYNC <reason> <value>           to KV.STREAM: the replica must re-clone
/// -<any other error>                   -NOAUTH, -KVNOTREADY, -ERR …: the request failed
/// ```
public enum ReplicationAnswer: Hashable, Sendable {
    /// `+OK`: AUTH accepted.
    case ok
    /// `+CLONE <history> <lsn> <entries>`: a snapshot of `entries` keys at `lsn` follows.
    case clone(history: HistoryID, lsn: LSN, entries: UInt64)
    /// `+STREAM <history> <primary-lsn>`: the stream's frames follow.
    case stream(history: HistoryID, primaryLSN: LSN)
    /// `+FETCH <history> <last-lsn>`: record frames up to `lastLSN` follow, then the peer closes.
    case fetch(history: HistoryID, lastLSN: LSN)
    /// `-KVRESYNC <reason>`: the primary cannot stream to this replica's data (`history`,
    /// `compacted` or `fork`; `ahead`, from primaries before lineage, reads as `fork`).
    case resync(ResyncReason)
    /// Any other error line (`-NOAUTH …`, `-KVNOTREADY …`, `-ERR …`); the error's message is
    /// the line after the `-`.
    case error(CommandError)

    /// The answer as the reply a RESP connection writes (the same bytes in RESP2 and RESP3).
    public var reply: Reply {
        switch self {
        case .ok: .ok
        case .clone, .stream, .fetch: .simple(String(line.dropFirst()))
        case .resync, .error: .error(CommandError(String(line.dropFirst())))
        }
    }

    /// The answer's line without its CRLF: `+STREAM 0123…cdef 42`.
    public var line: String {
        switch self {
        case .ok: "+OK"
        case let .clone(history, lsn, entries): "+CLONE \(history) \(lsn.rawValue) \(entries)"
        case let .stream(history, lsn): "+STREAM \(history) \(lsn.rawValue)"
        case let .fetch(history, lsn): "+FETCH \(history) \(lsn.rawValue)"
        case let .resync(reason): "-KVRESYNC \(Self.payload(of: reason))"
        case let .error(error): "-\(error.message)"
        }
    }

    /// Appends the answer's line and CRLF (a CR or LF inside an error message becomes a space).
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeReply(reply, version: .resp2)
    }

    /// Reads one answer line, without its line end.
    ///
    /// Throws when the line starts like a known answer but its fields do not parse, and for a
    /// line that is no answer of this protocol (`+FOO`, `:1`, `$3`).
    public init(line: String) throws(ReplicationProtocolError) {
        if line == "+OK" {
            self = .ok
            return
        }
        let words = line.split(separator: " ", omittingEmptySubsequences: true)
        switch words.first {
        case "+CLONE":
            guard words.count == 4, let history = HistoryID(words[1]), let lsn = UInt64(words[2]),
                  let entries = UInt64(words[3])
            else { throw ReplicationProtocolError("malformed clone answer '\(line)'") }
            self = .clone(history: history, lsn: LSN(lsn), entries: entries)
        case "+STREAM":
            guard words.count == 3, let history = HistoryID(words[1]), let lsn = UInt64(words[2]) else {
                throw ReplicationProtocolError("malformed stream answer '\(line)'")
            }
            self = .stream(history: history, primaryLSN: LSN(lsn))
        case "+FETCH":
            guard words.count == 3, let history = HistoryID(words[1]), let lsn = UInt64(words[2]) else {
                throw ReplicationProtocolError("malformed fetch answer '\(line)'")
            }
            self = .fetch(history: history, lastLSN: LSN(lsn))
        case "-KVRESYNC":
            guard let reason = Self.resyncReason(words) else {
                throw ReplicationProtocolError("malformed resync answer '\(line)'")
            }
            self = .resync(reason)
        default:
            guard line.hasPrefix("-") else { throw ReplicationProtocolError("peer answered '\(line.prefix(200))'") }
            self = .error(CommandError(String(line.dropFirst())))
        }
    }

    /// `history <history>`, `compacted <oldest-lsn>` or `fork <lsn>`.
    static func payload(of reason: ResyncReason) -> String {
        switch reason {
        case let .history(history): "history \(history)"
        case let .compacted(oldest): "compacted \(oldest.rawValue)"
        case let .fork(lsn): "fork \(lsn.rawValue)"
        }
    }

    /// The reason in `-KVRESYNC <reason> <value>`, split into words.
    static func resyncReason(_ words: [Substring]) -> ResyncReason? {
        guard words.count == 3 else { return nil }
        switch words[1] {
        case "history": return HistoryID(words[2]).map { .history($0) }
        case "compacted": return UInt64(words[2]).map { .compacted(oldest: LSN($0)) }
        case "fork": return UInt64(words[2]).map { .fork(at: LSN($0)) }
        // A primary from before lineage: the replica is past the primary's last LSN, which
        // both logs share at most.
        case "ahead": return UInt64(words[2]).map { .fork(at: LSN($0)) }
        default: return nil
        }
    }
}
