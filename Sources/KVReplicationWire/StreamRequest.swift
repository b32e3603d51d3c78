import KVCore

/// `KV.STREAM <history> <after-lsn> <pod-name> [<port>]`: a replica with data asks the primary
/// for every record after `after` of `history`.
public struct StreamRequest: Hashable, Sendable {
    /// The history the replica's data belongs to.
    public var history: HistoryID
    /// The last LSN the replica holds.
    public var after: LSN
    /// The replica's pod name (kv-1), as the primary lists it.
    public var podName: String
    /// The port the replica serves clients on (as Redis's `REPLCONF listening-port`); the
    /// primary lists the replica under it. Optional on the wire.
    public var listeningPort: Int?

    /// A request with these fields.
    public init(history: HistoryID, after: LSN, podName: String, listeningPort: Int?) {
        self.history = history
        self.after = after
        self.podName = podName
        self.listeningPort = listeningPort
    }

    /// Reads `KV.STREAM`'s arguments (the command name is argument 0); throws the error the
    /// primary answers with.
    public init(arguments: Arguments) throws(CommandError) {
        guard (4...5).contains(arguments.count), let history = HistoryID(arguments.string(1)),
              let after = UInt64(arguments.string(2))
        else { throw Self.malformed }
        var port: Int?
        if arguments.count == 5 {
            guard let listening = Int(arguments.string(4)), (1...65535).contains(listening) else {
                throw Self.portOutOfRange
            }
            port = listening
        }
        self.init(history: history, after: LSN(after), podName: arguments.string(3), listeningPort: port)
    }

    /// Too many arguments, or a history or LSN that does not parse.
    public static let malformed = CommandError(
        "ERR KV.STREAM needs a history id (32 hex digits), an LSN, a pod name and optionally a port")
    /// A fifth argument that is not a port number.
    public static let portOutOfRange = CommandError("ERR KV.STREAM: the listening port must be 1-65535")
}
