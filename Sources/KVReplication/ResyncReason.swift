import KVCore

/// Why a primary refused to stream to a replica (`-KVRESYNC …`): each one means the replica's
/// data cannot be continued from the primary's log, so the replica must wipe it and re-clone.
public enum ResyncReason: Hashable, Sendable, CustomStringConvertible {
    /// The replica's data is of another history; carries the primary's history.
    case history(HistoryID)
    /// The primary's log no longer holds the records after the replica's LSN; carries the
    /// oldest LSN the log still holds.
    case compacted(oldest: LSN)
    /// The replica's log and the primary's part after this LSN (`Lineage.forkPoint`): the
    /// replica holds records the primary does not — the primary lost an unsynced tail, and
    /// may have written other records under those LSNs since. Carries the last LSN the two
    /// logs share.
    case fork(at: LSN)

    /// The `-KVRESYNC` payload, as on the wire.
    public var description: String {
        switch self {
        case .history(let history): "history \(history)"
        case .compacted(let oldest): "compacted \(oldest)"
        case .fork(let lsn): "fork \(lsn)"
        }
    }
}
