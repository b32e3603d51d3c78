import KVCore
import KVReplication
import Testing

/// The empty primary's rounds of questions to its peers, decided without sockets or a clock.
@Suite struct PeerSurveyTests {
    let history = HistoryID("0123456789abcdef0123456789abcdef")!
    let other = HistoryID("fedcba9876543210fedcba9876543210")!

    @Test func thePeerWithTheMostRecordsIsRestoredFromAtOnce() {
        var survey = PeerSurvey()
        let decision = survey.onRound([
            ("kv-1.kv:6379", .data(history: history, lsn: LSN(90))),
            ("kv-2.kv:6379", .unreachable),
            ("kv-3.kv:6379", .data(history: history, lsn: LSN(120))),
            ("kv-4.kv:6379", .data(history: history, lsn: LSN(120))),
        ])
        #expect(decision == .restore(from: .init(peer: "kv-3.kv:6379", history: history, lsn: LSN(120))), "the first of a tie")
    }

    /// A peer with more records of an older epoch is on a branch the primary forked from:
    /// the latest epoch wins, then the most records.
    @Test func theLatestEpochIsMoreAdvancedThanMoreRecords() {
        var survey = PeerSurvey()
        let decision = survey.onRound([
            ("kv-1.kv:6379", .data(history: history, lsn: LSN(200), epoch: Epoch(1))),
            ("kv-2.kv:6379", .data(history: history, lsn: LSN(160), epoch: Epoch(2))),
            ("kv-3.kv:6379", .data(history: history, lsn: LSN(150), epoch: Epoch(2))),
        ])
        #expect(decision == .restore(from: .init(peer: "kv-2.kv:6379", history: history, lsn: LSN(160), epoch: Epoch(2))))
    }

    @Test(arguments: [
        [PeerSurvey.Answer.noData, .noData],
        [.doesNotResolve, .doesNotResolve],
        [.noData, .doesNotResolve],
    ])
    func withoutDataAnywhereANewHistoryStartsWithoutWaiting(answers: [PeerSurvey.Answer]) {
        var survey = PeerSurvey()
        let peers: [PeerAddress] = ["kv-1.kv:6379", "kv-2.kv:6379"]
        guard case .startNewHistory = survey.onRound(Array(zip(peers, answers)).map { (peer: $0.0, answer: $0.1) }) else {
            Issue.record("\(answers) should start a new history in the first round")
            return
        }
        #expect(survey.round == 1)
    }

    @Test func peersThatExistButDoNotAnswerAreAskedAgainThenGivenUpOn() {
        var survey = PeerSurvey(rounds: 3, roundDelay: .milliseconds(500))
        let silent: [(peer: PeerAddress, answer: PeerSurvey.Answer)] = [("kv-1.kv:6379", .unreachable), ("kv-2.kv:6379", .doesNotResolve)]
        #expect(survey.onRound(silent) == .askAgain(after: .milliseconds(500)))
        #expect(survey.onRound(silent) == .askAgain(after: .milliseconds(500)))
        guard case let .startNewHistory(reason) = survey.onRound(silent) else {
            Issue.record("the third round decides")
            return
        }
        #expect(reason.contains("3 rounds"))
    }

    /// A wiped kv-1 answers "no data" while kv-2, which holds the data, is briefly unreachable:
    /// ask again rather than start a history that would make kv-2 wipe itself.
    @Test func aSilentPeerIsWaitedForEvenWhenAnotherHoldsNothing() {
        var survey = PeerSurvey()
        #expect(survey.onRound([("kv-1.kv:6379", .noData), ("kv-2.kv:6379", .unreachable)]) == .askAgain(after: .milliseconds(500)))
        #expect(survey.onRound([("kv-1.kv:6379", .noData), ("kv-2.kv:6379", .data(history: history, lsn: LSN(40)))])
            == .restore(from: .init(peer: "kv-2.kv:6379", history: history, lsn: LSN(40))))
    }

    @Test func aPeerThatComesUpInALaterRoundIsRestoredFrom() {
        var survey = PeerSurvey()
        #expect(survey.onRound([("kv-1.kv:6379", .unreachable)]) == .askAgain(after: .milliseconds(500)))
        #expect(survey.onRound([("kv-1.kv:6379", .data(history: other, lsn: LSN(7)))])
            == .restore(from: .init(peer: "kv-1.kv:6379", history: other, lsn: LSN(7))))
    }

    @Test func noPeersMeansANewHistory() {
        var survey = PeerSurvey()
        #expect(survey.onRound([]) == .startNewHistory(reason: "no peers to ask"))
    }
}
