import KVCore
import Testing

/// `Lineage`: which epoch each LSN is in, and log matching between two logs of one history.
@Suite struct LineageTests {
    /// Epoch 0 at 1…99, epoch 2 at 100…149 (epoch 1 began and was lost with no record kept),
    /// epoch 5 from 150 on.
    static let primary: Lineage = {
        var lineage = Lineage()
        lineage.begin(Epoch(2), at: LSN(100))
        lineage.begin(Epoch(5), at: LSN(150))
        return lineage
    }()

    @Test func givesEachLSNItsEpoch() {
        let lineage = Self.primary
        #expect(lineage.epoch(at: .zero) == .zero)
        #expect(lineage.epoch(at: LSN(1)) == .zero)
        #expect(lineage.epoch(at: LSN(99)) == .zero)
        #expect(lineage.epoch(at: LSN(100)) == Epoch(2))
        #expect(lineage.epoch(at: LSN(149)) == Epoch(2))
        #expect(lineage.epoch(at: LSN(150)) == Epoch(5))
        #expect(lineage.epoch(at: LSN(10_000)) == Epoch(5))
        #expect(lineage.current == Epoch(5))
        #expect(lineage.description == "0@1 2@100 5@150")
    }

    @Test func ignoresStaleOrRepeatedMarkers() {
        var lineage = Self.primary
        lineage.begin(Epoch(5), at: LSN(150))  // replayed twice
        lineage.begin(Epoch(4), at: LSN(300))  // older epoch
        lineage.begin(Epoch(9), at: LSN(120))  // before the last start
        #expect(lineage == Self.primary)
    }

    @Test func truncatesBackToAnLSN() {
        #expect(Self.primary.truncated(after: LSN(149)).description == "0@1 2@100")
        #expect(Self.primary.truncated(after: LSN(150)) == Self.primary)
        #expect(Self.primary.truncated(after: .zero).description == "0@1")
    }

    @Test func storedStartsMustBeInOrder() {
        let start = { (epoch: UInt64, lsn: UInt64) in Lineage.Start(epoch: Epoch(epoch), firstLSN: LSN(lsn)) }
        #expect(Lineage(starts: [start(0, 1), start(2, 100), start(5, 150)]) == Self.primary)
        #expect(Lineage(starts: []) == nil)
        #expect(Lineage(starts: [start(1, 1)]) == nil)
        #expect(Lineage(starts: [start(0, 1), start(2, 100), start(2, 150)]) == nil)
        #expect(Lineage(starts: [start(0, 1), start(3, 100), start(2, 150)]) == nil)
        #expect(Lineage(starts: [start(0, 1), start(2, 100), start(5, 100)]) == nil)
    }

    struct Claim: Sendable, CustomTestStringConvertible {
        var epoch: UInt64
        var lsn: UInt64
        /// nil: held; else the fork point.
        var fork: UInt64?
        var testDescription: String { "(\(epoch), \(lsn)) → \(fork.map { "fork \($0)" } ?? "held")" }
    }

    /// The primary above, ending at LSN 180, against replicas' last records.
    @Test(arguments: [
        Claim(epoch: 0, lsn: 0, fork: nil),  // an empty log matches any
        Claim(epoch: 0, lsn: 50, fork: nil),
        Claim(epoch: 0, lsn: 99, fork: nil),
        Claim(epoch: 2, lsn: 149, fork: nil),
        Claim(epoch: 5, lsn: 180, fork: nil),
        // Kept epoch 0 past where the primary's copy ends (the primary lost 100… and began
        // epoch 1, then 2, at 100): shares 1…99.
        Claim(epoch: 0, lsn: 120, fork: 99),
        // Kept epoch 2 records the primary lost before it began epoch 5 at 150.
        Claim(epoch: 2, lsn: 170, fork: 149),
        // Ahead of the primary in its own epoch: shares up to the primary's end.
        Claim(epoch: 5, lsn: 200, fork: 180),
        // Epoch 1, which the primary never kept a record of: at most epoch 0's part, 1…99.
        Claim(epoch: 1, lsn: 105, fork: 99),
        // An epoch between 2 and 5 that the primary does not know: below its start, which lies
        // after 100 — at most epoch 2's part, and below the claimed LSN.
        Claim(epoch: 3, lsn: 120, fork: 119),
        Claim(epoch: 3, lsn: 160, fork: 149),
        // A wrong epoch for an LSN the primary holds.
        Claim(epoch: 0, lsn: 160, fork: 99),
        Claim(epoch: 7, lsn: 181, fork: 180),
    ])
    func matchesLogsAndFindsForkPoints(_ claim: Claim) {
        let end = LSN(180)
        let held = Self.primary.holds(epoch: Epoch(claim.epoch), lsn: LSN(claim.lsn), end: end)
        #expect(held == (claim.fork == nil))
        if let fork = claim.fork {
            #expect(Self.primary.forkPoint(epoch: Epoch(claim.epoch), lsn: LSN(claim.lsn), end: end) == LSN(fork))
        }
    }

    /// Whatever a replica holds, cutting back to the answer and asking again ends at a record
    /// the primary holds — never below the true fork point (records both logs share are kept).
    /// Through an epoch the primary never had, each round falls by at least one LSN.
    @Test func cuttingBackConverges() {
        // The replica: epoch 0 to 99, epoch 2 100…139, epoch 3 (lost by the primary) 140…200.
        var replica = Lineage()
        replica.begin(Epoch(2), at: LSN(100))
        replica.begin(Epoch(3), at: LSN(140))
        var end = LSN(200)
        var rounds = 0
        while !Self.primary.holds(epoch: replica.epoch(at: end), lsn: end, end: LSN(180)) {
            end = Self.primary.forkPoint(epoch: replica.epoch(at: end), lsn: end, end: LSN(180))
            replica = replica.truncated(after: end)
            rounds += 1
            #expect(end >= LSN(139))
            if rounds > 100 || end < LSN(139) { return }
        }
        #expect(end == LSN(139))  // both hold epoch 2 up to 139
        #expect(rounds == 1 + (149 - 139))  // to epoch 2's end, then one LSN a round
    }
}
