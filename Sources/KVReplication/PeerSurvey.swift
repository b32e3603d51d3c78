import KVCore

/// A primary's question to its peers before it starts (SPEC "Never an empty primary over full
/// replicas"): does one of them hold data of a history? Asked in rounds, since in a new set the
/// other pods do not exist yet and in a restarting one they may still be starting.
///
/// Sans-IO, as `ReplicaLink`: the shell asks every peer (`INFO replication`), hands the
/// answers of a round to `onRound`, and does what the decision says — restore from a peer,
/// start a new history, or ask again after a delay (a timer directive). Tested with no
/// sockets and no clock (`PeerSurveyTests`).
public struct PeerSurvey: Sendable {
    /// What one peer said in one round.
    public enum Answer: Hashable, Sendable {
        /// It holds history `history` up to `lsn` (> 0), its last record of `epoch`.
        case data(history: HistoryID, lsn: LSN, epoch: Epoch = .zero)
        /// It answered and holds nothing.
        case noData
        /// Its name resolved but it did not answer (refused, timed out): it exists, and may
        /// answer in a later round.
        case unreachable
        /// Its name does not resolve: no such pod (yet).
        case doesNotResolve
    }

    /// A peer that holds data.
    public struct Candidate: Hashable, Sendable {
        public var peer: PeerAddress
        public var history: HistoryID
        public var lsn: LSN
        /// The epoch of its last record.
        public var epoch: Epoch

        public init(peer: PeerAddress, history: HistoryID, lsn: LSN, epoch: Epoch = .zero) {
            (self.peer, self.history, self.lsn, self.epoch) = (peer, history, lsn, epoch)
        }
    }

    /// What to do after a round.
    public enum Decision: Hashable, Sendable {
        /// Clone this peer (the most advanced that holds data) and continue its history.
        case restore(from: Candidate)
        /// Start a new, empty history, for this reason (logged).
        case startNewHistory(reason: String)
        /// Ask every peer again after `delay`.
        case askAgain(after: Duration)
    }

    public let rounds: Int
    public let roundDelay: Duration
    /// Rounds answered so far.
    public private(set) var round = 0

    public init(rounds: Int = 3, roundDelay: Duration = .milliseconds(500)) {
        self.rounds = rounds
        self.roundDelay = roundDelay
    }

    /// The answers of one round, one per peer. A peer holding data decides at once (the most
    /// advanced: the latest epoch, then the highest LSN — a peer with more records of an older
    /// epoch is on a branch the primary forked from; the first listed on a tie). A peer that exists but did not answer
    /// makes it ask again, `rounds` times at most — it may hold data. Otherwise peers that
    /// answered with nothing mean a set whose data is gone or never was, and peers that do not
    /// resolve a new set: a new history.
    public mutating func onRound(_ answers: [(peer: PeerAddress, answer: Answer)]) -> Decision {
        round += 1
        var best: (candidate: Candidate, epoch: Epoch)?
        for (peer, answer) in answers {
            guard case let .data(history, lsn, epoch) = answer else { continue }
            if let current = best, (epoch, lsn.rawValue) <= (current.epoch, current.candidate.lsn.rawValue) { continue }
            best = (Candidate(peer: peer, history: history, lsn: lsn, epoch: epoch), epoch)
        }
        if let best { return .restore(from: best.candidate) }
        if answers.isEmpty { return .startNewHistory(reason: "no peers to ask") }
        // A peer that exists but did not answer may be the one holding data: while one is
        // silent, ask again (a new history now would make it wipe itself).
        if answers.contains(where: { $0.answer == .unreachable }) {
            if round >= rounds {
                return .startNewHistory(reason: "peers exist but did not answer in \(rounds) rounds")
            }
            return .askAgain(after: roundDelay)
        }
        if answers.contains(where: { $0.answer == .noData }) {
            return .startNewHistory(reason: "the peers that answered hold no data")
        }
        return .startNewHistory(reason: "no peer exists yet (a new set)")
    }
}
