import KVCore

/// `KV.STREAM <history> <after-lsn> <pod-name> [<port> [<epoch>]]`: a replica with data asks
/// the primary for every record after its last one, (`epoch`, `after`), of `history`.
public struct StreamRequest: Hashable, Sendable {
    /// The history the replica's data belongs to.
    public var history: HistoryID
    /// The last LSN the replica holds.
    public var after: LSN
    /// The epoch of the replica's record at `after` (`Lineage`): the primary streams only when
    /// its own log holds that exact record. Nil: not sent — by a replica from before lineage,
    /// whose records are all of epoch 0, or to a primary from before it; read as 0.
    public var epoch: Epoch?
    /// The replica's pod name (kv-1), as the primary lists it.
    public var podName: String
    /// The port the replica serves clients on (as Redis's `REPLCONF listening-port`); the
    /// primary lists the replica under it. Optional on the wire (then so is the epoch).
    public var listeningPort: Int?

    /// A request with these fields.
    public init(history: HistoryID, after: LSN, epoch: Epoch?, podName: String, listeningPort: Int?) {
        self.history = history
        self.after = after
        self.epoch = epoch
        self.podName = podName
        self.listeningPort = listeningPort
    }

    /// Reads `KV.STREAM`'s arguments (the command name is argument 0); throws the error the
    /// primary answers with.
    public init(arguments: Arguments) throws(CommandError) {
        guard (4...6).contains(arguments.count), let history = HistoryID(arguments.string(1)),
              let after = UInt64(arguments.string(2))
        else { throw Self.malformed }
        var port: Int?
        if arguments.count >= 5 {
            guard let listening = Int(arguments.string(4)), (1...65535).contains(listening) else {
                throw Self.portOutOfRange
            }
            port = listening
        }
        var epoch: Epoch?
        if arguments.count == 6 {
            guard let value = UInt64(arguments.string(5)) else { throw Self.malformed }
            epoch = Epoch(value)
        }
        self.init(history: history, after: LSN(after), epoch: epoch, podName: arguments.string(3), listeningPort: port)
    }

    /// The arguments after the command name, as a replica sends them: the epoch only after
    /// a port. A primary that accepts the epoch also takes acks with a durable position.
    var arguments: [String] {
        var arguments = [history.description, String(after.rawValue), podName]
        if let listeningPort {
            arguments.append(String(listeningPort))
            if let epoch { arguments.append(String(epoch.rawValue)) }
        }
        return arguments
    }

    /// Too many arguments, or a history, LSN or epoch that does not parse.
    public static let malformed = CommandError(
        "ERR KV.STREAM needs a history id (32 hex digits), an LSN, a pod name and optionally a port and an epoch")
    /// A fifth argument that is not a port number.
    public static let portOutOfRange = CommandError("ERR KV.STREAM: the listening port must be 1-65535")
}
