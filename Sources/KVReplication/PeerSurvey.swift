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
        /// It holds history `history` up to `lsn` (> 0).
        case data(history: HistoryID, lsn: LSN)
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

        public init(peer: PeerAddress, history: HistoryID, lsn: LSN) {
            (self.peer, self.history, self.lsn) = (peer, history, lsn)
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

    /// The answers of one round, one per peer. A peer holding data decides at once (the one
    /// with the highest LSN; the first listed on a tie). A peer that exists but did not answer
    /// makes it ask again, `rounds` times at most — it may hold data. Otherwise peers that
    /// answered with nothing mean a set whose data is gone or never was, and peers that do not
    /// resolve a new set: a new history.
    public mutating func onRound(_ answers: [(peer: PeerAddress, answer: Answer)]) -> Decision {
        round += 1
        var best: Candidate?
        for (peer, answer) in answers {
            if case let .data(history, lsn) = answer, lsn > (best?.lsn ?? .zero) {
                best = Candidate(peer: peer, history: history, lsn: lsn)
            }
        }
        if let best { return .restore(from: best) }
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
