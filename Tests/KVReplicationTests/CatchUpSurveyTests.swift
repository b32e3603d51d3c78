import KVCore
import KVReplication
import Testing

/// A restarting primary's questions to its peers before it takes a write, decided without
/// sockets or a clock.
@Suite struct CatchUpSurveyTests {
    let history = HistoryID("0123456789abcdef0123456789abcdef")!
    let other = HistoryID("fedcba9876543210fedcba9876543210")!
    /// The primary: epoch 0 to 99, epoch 3 from 100; its log ends at 150.
    var survey: CatchUpSurvey {
        var lineage = Lineage()
        lineage.begin(Epoch(3), at: LSN(100))
        return CatchUpSurvey(history: history, lineage: lineage, end: LSN(150), rounds: 3, roundDelay: .milliseconds(500))
    }

    @Test func fetchesFromThePeerHoldingTheMostOfItsEpochAtOnce() {
        var survey = survey
        let decision = survey.onRound([
            ("kv-1.kv:6379", .position(history: history, epoch: Epoch(3), lsn: LSN(170))),
            ("kv-2.kv:6379", .unreachable),
            ("kv-3.kv:6379", .position(history: history, epoch: Epoch(3), lsn: LSN(190))),
            ("kv-4.kv:6379", .position(history: history, epoch: Epoch(3), lsn: LSN(190))),
        ])
        #expect(decision == .fetch(from: "kv-3.kv:6379", through: LSN(190)), "the first of a tie")
        #expect(survey.highestEpochSeen == Epoch(3))
    }

    /// Peers at or behind the primary, on an older epoch's branch, of another history: nothing
    /// to fetch, and no reason to wait.
    @Test(arguments: [
        CatchUpSurvey.Answer.position(history: HistoryID("0123456789abcdef0123456789abcdef")!, epoch: Epoch(3), lsn: LSN(150)),
        .position(history: HistoryID("0123456789abcdef0123456789abcdef")!, epoch: Epoch(3), lsn: LSN(120)),
        .position(history: HistoryID("0123456789abcdef0123456789abcdef")!, epoch: Epoch(0), lsn: LSN(400)),
        .position(history: HistoryID("fedcba9876543210fedcba9876543210")!, epoch: Epoch(3), lsn: LSN(400)),
        .noData,
        .doesNotResolve,
    ])
    func startsAloneWhenNoPeerExtendsItsLog(answer: CatchUpSurvey.Answer) {
        var survey = survey
        guard case .startAlone = survey.onRound([("kv-1.kv:6379", answer)]) else {
            Issue.record("\(answer) should let the primary start alone")
            return
        }
        #expect(survey.round == 1)
    }

    /// A peer holding a later epoch (a branch this primary never saw: it lost a restore's
    /// marker with its volume) is not fetched from, but the new epoch must go above it.
    @Test func remembersTheHighestEpochAnyPeerHolds() {
        var survey = survey
        let decision = survey.onRound([("kv-1.kv:6379", .position(history: history, epoch: Epoch(7), lsn: LSN(400)))])
        #expect(decision == .startAlone(reason: "no peer holds records of epoch 3 past LSN 150"))
        #expect(survey.highestEpochSeen == Epoch(7))
    }

    @Test func silentPeersAreAskedAgainThenGivenUpOn() {
        var survey = survey
        let silent: [(peer: PeerAddress, answer: CatchUpSurvey.Answer)] = [("kv-1.kv:6379", .unreachable), ("kv-2.kv:6379", .noData)]
        #expect(survey.onRound(silent) == .askAgain(after: .milliseconds(500)))
        #expect(survey.onRound(silent) == .askAgain(after: .milliseconds(500)))
        #expect(survey.onRound(silent) == .startAlone(reason: "peers exist but did not answer in 3 rounds"))
        // A silent peer that answers in a later round with the records is fetched from.
        var again = self.survey
        _ = again.onRound(silent)
        #expect(again.onRound([("kv-1.kv:6379", .position(history: history, epoch: Epoch(3), lsn: LSN(151)))])
            == .fetch(from: "kv-1.kv:6379", through: LSN(151)))
    }

    @Test func withoutPeersItStartsAlone() {
        var survey = survey
        #expect(survey.onRound([]) == .startAlone(reason: "no peers to ask"))
    }
}
