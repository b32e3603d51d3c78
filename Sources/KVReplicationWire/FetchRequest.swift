import KVCore

/// `KV.FETCH <history> <after-lsn> <epoch>`: a primary starting on the data it recovered asks a
/// peer for the records of its lineage after its own last one, (`epoch`, `after`) — what it
/// streamed before its machine crashed and lost from its disk (docs/replication.md,
/// "Catching up"). Any pod with data answers it.
public struct FetchRequest: Hashable, Sendable {
    /// The history the asking primary's data belongs to.
    public var history: HistoryID
    /// The asking primary's last LSN.
    public var after: LSN
    /// The epoch of its record at `after`: the peer sends records only if it holds that one.
    public var epoch: Epoch

    public init(history: HistoryID, after: LSN, epoch: Epoch) {
        self.history = history
        self.after = after
        self.epoch = epoch
    }

    /// Reads `KV.FETCH`'s arguments (the command name is argument 0); throws the error the
    /// peer answers with.
    public init(arguments: Arguments) throws(CommandError) {
        guard arguments.count == 4, let history = HistoryID(arguments.string(1)),
              let after = UInt64(arguments.string(2)), let epoch = UInt64(arguments.string(3))
        else { throw Self.malformed }
        self.init(history: history, after: LSN(after), epoch: Epoch(epoch))
    }

    /// The arguments after the command name.
    var arguments: [String] { [history.description, String(after.rawValue), String(epoch.rawValue)] }

    /// A history, LSN or epoch that does not parse, or another number of arguments.
    public static let malformed = CommandError("ERR KV.FETCH needs a history id (32 hex digits), an LSN and an epoch")
}
