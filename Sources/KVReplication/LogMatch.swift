import KVCore

/// Whether a pod may send another pod the records after the other's last one: the same
/// check for a replica's `KV.STREAM` on the primary and a starting primary's `KV.FETCH` on a
/// peer (docs/replication.md, "Lineage").
public enum LogMatch {
    /// Why a log with `history`, `lineage`, its last LSN `end` and its oldest retained record
    /// `oldestRetained` cannot send the records after (`epoch`, `after`) of `requested`; nil
    /// when it can.
    ///
    /// - `history`: the other log is of another history;
    /// - `fork`: this log does not hold the other's last record (log matching): the two part
    ///   at the LSN it carries;
    /// - `compacted`: this log no longer holds the records right after it.
    public static func refusal(history: HistoryID, lineage: Lineage, end: LSN, oldestRetained: LSN,
                               requested: HistoryID, after: LSN, epoch: Epoch) -> ResyncReason? {
        if requested != history { return .history(history) }
        if !lineage.holds(epoch: epoch, lsn: after, end: end) {
            return .fork(at: lineage.forkPoint(epoch: epoch, lsn: after, end: end))
        }
        // A log already at `end` needs nothing, however short this log is.
        if after < end, after.next < oldestRetained { return .compacted(oldest: oldestRetained) }
        return nil
    }
}
