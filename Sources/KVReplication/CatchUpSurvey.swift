import KVCore

/// A primary's question to its peers before it takes a write on the data it recovered
/// (docs/replication.md, "Catching up"): does one of them hold records of its lineage past
/// its own end — records it streamed and then lost, its machine having crashed before they
/// reached its disk? Asked in rounds, as `PeerSurvey`, because a peer may still be starting.
///
/// Sans-IO: the shell asks every peer for its position (`INFO replication`: history, the
/// epoch of its last record, its LSN), hands a round's answers to `onRound`, and does what the
/// decision says — fetch from a peer, start alone, or ask again after a delay.
public struct CatchUpSurvey: Sendable {
    /// What one peer said in one round.
    public enum Answer: Hashable, Sendable {
        /// Its last record is (`epoch`, `lsn`) of `history`.
        case position(history: HistoryID, epoch: Epoch, lsn: LSN)
        /// It answered and holds nothing.
        case noData
        /// Its name resolved but it did not answer: it may in a later round.
        case unreachable
        /// Its name does not resolve: no such pod.
        case doesNotResolve
    }

    /// What to do after a round.
    public enum Decision: Hashable, Sendable {
        /// Fetch the records after this primary's end from `peer`, which holds them up to `lsn`.
        case fetch(from: PeerAddress, through: LSN)
        /// Open the new epoch on what this primary holds, for this reason (logged).
        case startAlone(reason: String)
        /// Ask every peer again after `delay`.
        case askAgain(after: Duration)
    }

    public let history: HistoryID
    public let lineage: Lineage
    /// This primary's last LSN.
    public let end: LSN
    public let rounds: Int
    public let roundDelay: Duration
    /// Rounds answered so far.
    public private(set) var round = 0
    /// The highest epoch any peer reported: the new epoch must be above it too.
    public private(set) var highestEpochSeen = Epoch.zero

    public init(history: HistoryID, lineage: Lineage, end: LSN, rounds: Int = 3, roundDelay: Duration = .milliseconds(500)) {
        self.history = history
        self.lineage = lineage
        self.end = end
        self.rounds = rounds
        self.roundDelay = roundDelay
    }

    /// The answers of one round, one per peer.
    ///
    /// A peer whose last record is of this primary's current epoch and past its end holds the
    /// records this primary lost, and they extend its log: both hold that epoch from the same
    /// start, written by this primary in order. The one holding the most is fetched from at
    /// once. A peer whose last record is of another epoch holds nothing to fetch: an older
    /// epoch past this primary's end is a branch this primary already forked from (it opened
    /// a later epoch there), and it is that peer that must cut back. While a peer that exists
    /// has not answered, ask again (`rounds` at most): it may be the one holding the records.
    public mutating func onRound(_ answers: [(peer: PeerAddress, answer: Answer)]) -> Decision {
        round += 1
        var best: (peer: PeerAddress, lsn: LSN)?
        for (peer, answer) in answers {
            guard case let .position(history, epoch, lsn) = answer, history == self.history else { continue }
            highestEpochSeen = max(highestEpochSeen, epoch)
            if epoch == lineage.current, lsn > end, lsn > (best?.lsn ?? .zero) { best = (peer, lsn) }
        }
        if let best { return .fetch(from: best.peer, through: best.lsn) }
        if answers.contains(where: { $0.answer == .unreachable }) {
            if round >= rounds {
                return .startAlone(reason: "peers exist but did not answer in \(rounds) rounds")
            }
            return .askAgain(after: roundDelay)
        }
        if answers.isEmpty { return .startAlone(reason: "no peers to ask") }
        return .startAlone(reason: "no peer holds records of epoch \(lineage.current) past LSN \(end)")
    }
}
