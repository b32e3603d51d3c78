import KVCore
import KVReplication
import Testing

/// Every fork shape as a deterministic script (issue 13): pods' logs modelled as the epoch of
/// each record, driven through the same decisions the server takes — `CatchUpSurvey` and
/// `LogMatch` on a restarting primary, `LogMatch` on the primary for a replica's stream, the
/// replica cutting back to `Lineage.forkPoint` — with machine crashes that drop unsynced
/// tails, a crash during a catch-up and one while a replica cuts its log. Each script ends by
/// checking that every pod holds the primary's log exactly (no pod diverges), and, where the
/// replicas were reachable, that no record a replica held was lost.
@Suite struct ForkScenarioTests {
    static let history = HistoryID(high: 4, low: 2)

    /// A pod's log: the epoch of each record (LSN = index + 1). A record's contents are
    /// identified by (epoch, LSN): two pods with the same pair hold the same write.
    struct Pod {
        var name: String
        var records: [Epoch] = []
        /// How many records are fsynced (a machine crash keeps only these).
        var durable = 0

        var end: LSN { LSN(UInt64(records.count)) }
        var lastEpoch: Epoch { records.last ?? .zero }

        /// The lineage the pod would rebuild from its log: each epoch's first record.
        var lineage: Lineage {
            var lineage = Lineage()
            for (index, epoch) in records.enumerated() where index == 0 || records[index - 1] != epoch {
                lineage.begin(epoch, at: LSN(UInt64(index + 1)))
            }
            return lineage
        }

        func records(after lsn: LSN, through last: LSN) -> ArraySlice<Epoch> {
            records[Int(lsn.rawValue)..<Int(last.rawValue)]
        }

        /// The primary takes `count` writes in its current epoch.
        mutating func write(_ count: Int) {
            records += Array(repeating: lastEpoch, count: count)
        }

        /// Power lost: what was not fsynced is gone.
        mutating func machineCrash() {
            records.removeLast(records.count - durable)
        }

        mutating func fsync() { durable = records.count }

        /// Why this pod would refuse to send the records after another's last one.
        func refusal(for other: Pod) -> ResyncReason? {
            LogMatch.refusal(history: ForkScenarioTests.history, lineage: lineage, end: end, oldestRetained: LSN(1),
                             requested: ForkScenarioTests.history, after: other.end,
                             epoch: other.lineage.epoch(at: other.end))
        }
    }

    /// The primary starts on its data: asks its peers, fetches from the one the survey names
    /// (all of it, or `fetchLimit` records before a crash stops it), then opens its epoch with a
    /// marker it fsyncs. Returns the peer it fetched from.
    @discardableResult
    static func restart(_ primary: inout Pod, peers: [Pod], reachable: Bool = true, fetchLimit: Int? = nil) -> String? {
        var survey = CatchUpSurvey(history: history, lineage: primary.lineage, end: primary.end)
        let answers: [(peer: PeerAddress, answer: CatchUpSurvey.Answer)] = peers.map { peer in
            (PeerAddress(peer.name), reachable
                ? .position(history: history, epoch: peer.lastEpoch, lsn: peer.end) : .doesNotResolve)
        }
        var fetchedFrom: String?
        if case let .fetch(from, through) = survey.onRound(answers),
           let source = peers.first(where: { PeerAddress($0.name) == from }) {
            #expect(source.refusal(for: primary) == nil, "the peer holds the primary's last record")
            var fetched = Array(source.records(after: primary.end, through: through))
            if let fetchLimit { fetched = Array(fetched.prefix(fetchLimit)) }
            primary.records += fetched
            primary.fsync()
            fetchedFrom = source.name
            if fetchLimit != nil { return fetchedFrom }  // crashed before opening its epoch
        }
        let epoch = max(primary.lineage.current, survey.highestEpochSeen).next
        primary.records.append(epoch)  // the marker, fsynced before any write
        primary.fsync()
        return fetchedFrom
    }

    /// A replica streams from the primary: on a fork it cuts back (or, with `crashWhileCutting`,
    /// stops half-way through the cut once) and asks again, until the primary streams to it.
    /// Returns the number of forks it was told of.
    @discardableResult
    static func stream(_ replica: inout Pod, from primary: Pod, crashWhileCutting: Bool = false) -> Int {
        var forks = 0
        var crash = crashWhileCutting
        while let refusal = primary.refusal(for: replica) {
            guard case let .fork(lsn) = refusal else {
                Issue.record("\(replica.name): unexpected refusal \(refusal)")
                return forks
            }
            forks += 1
            #expect(lsn < replica.end, "a fork point below the replica's end")
            #expect(forks < 64, "cutting back converges")
            if forks >= 64 { return forks }
            if crash {
                // Newest segments first: a crash leaves a log ending between the fork and the end.
                crash = false
                replica.records.removeLast((replica.records.count - Int(lsn.rawValue)) / 2)
            } else {
                replica.records.removeLast(replica.records.count - Int(lsn.rawValue))
            }
            replica.fsync()
        }
        replica.records += primary.records(after: replica.end, through: primary.end)
        return forks
    }

    static func expectAllEqual(_ primary: Pod, _ replicas: [Pod], sourceLocation: SourceLocation = #_sourceLocation) {
        for replica in replicas {
            #expect(replica.records == primary.records, "\(replica.name) diverges", sourceLocation: sourceLocation)
        }
    }

    /// Everything `held` held is a prefix the primary shares (nothing it had was lost).
    static func expectHeld(_ held: Pod, isOn primary: Pod, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(Array(primary.records.prefix(held.records.count)) == held.records,
                "\(held.name)'s records were lost", sourceLocation: sourceLocation)
    }

    /// Three pods in sync, then the primary takes writes both replicas received but that
    /// never reached its disk.
    static func cluster(tail: Int = 20) -> (Pod, Pod, Pod) {
        var primary = Pod(name: "kv-0")
        primary.write(100)
        primary.fsync()
        primary.write(tail)
        var first = Pod(name: "kv-1")
        var second = Pod(name: "kv-2")
        stream(&first, from: primary)
        stream(&second, from: primary)
        return (primary, first, second)
    }

    @Test func primaryBehindAllReplicasCatchesUpAndLosesNothing() {
        var (primary, first, second) = Self.cluster()
        let before = (first, second)
        primary.machineCrash()
        #expect(primary.end == LSN(100))
        #expect(Self.restart(&primary, peers: [first, second]) == "kv-1")
        primary.write(30)
        #expect(Self.stream(&first, from: primary) == 0)
        #expect(Self.stream(&second, from: primary) == 0)
        Self.expectAllEqual(primary, [first, second])
        Self.expectHeld(before.0, isOn: primary)
        Self.expectHeld(before.1, isOn: primary)
    }

    @Test func primaryBehindOneReplicaFetchesFromTheMostAdvanced() {
        var (primary, first, second) = Self.cluster()
        second.records.removeLast(12)  // kv-2 had received only part of the tail
        primary.machineCrash()
        #expect(Self.restart(&primary, peers: [second, first]) == "kv-1", "the one holding the most")
        primary.write(5)
        Self.stream(&first, from: primary)
        Self.stream(&second, from: primary)
        Self.expectAllEqual(primary, [first, second])
    }

    @Test func unreachableReplicasOnADeadBranchCutBack() {
        var (primary, first, second) = Self.cluster()
        second.records.removeLast(7)  // replicas at different points of the dead branch
        primary.machineCrash()
        Self.restart(&primary, peers: [first, second], reachable: false)
        primary.write(50)  // new writes under the LSNs the replicas hold
        #expect(Self.stream(&first, from: primary) == 1)
        #expect(Self.stream(&second, from: primary) == 1)
        Self.expectAllEqual(primary, [first, second])
    }

    @Test func aCrashDuringTheCatchUpCatchesUpAgain() {
        var (primary, first, second) = Self.cluster()
        primary.machineCrash()
        Self.restart(&primary, peers: [first, second], fetchLimit: 8)  // stopped after 8 records
        #expect(primary.end == LSN(108))
        #expect(Self.restart(&primary, peers: [first, second]) == "kv-1", "the rest, from where it stopped")
        primary.write(3)
        Self.stream(&first, from: primary)
        Self.stream(&second, from: primary)
        Self.expectAllEqual(primary, [first, second])
        Self.expectHeld(second, isOn: primary)
    }

    @Test func aCrashWhileAReplicaCutsItsLogIsCutAgain() {
        var (primary, first, second) = Self.cluster(tail: 40)
        primary.machineCrash()
        Self.restart(&primary, peers: [], reachable: false)
        primary.write(60)
        #expect(Self.stream(&first, from: primary, crashWhileCutting: true) == 2)
        Self.stream(&second, from: primary)
        Self.expectAllEqual(primary, [first, second])
    }

    /// Two restarts in a row, the second before anything was written in the first one's
    /// epoch, with the replicas away the first time: the epochs stay distinct and the
    /// replicas converge.
    @Test func twoRestartsInARow() {
        var (primary, first, second) = Self.cluster()
        primary.machineCrash()
        Self.restart(&primary, peers: [first, second], reachable: false)
        primary.machineCrash()  // the marker was fsynced: it survives
        Self.restart(&primary, peers: [first, second])  // replicas on another epoch: nothing to fetch
        #expect(primary.lineage.current == Epoch(2))
        primary.write(25)
        Self.stream(&first, from: primary)
        Self.stream(&second, from: primary)
        Self.expectAllEqual(primary, [first, second])
    }

    /// A replica that holds an epoch the primary never saw (the primary's volume was restored
    /// from a peer behind it): the primary's new epoch goes above it, and the replica, told of
    /// a fork with an upper bound, converges by cutting back further.
    @Test func anEpochThePrimaryNeverHadIsCutBackThrough() {
        var (primary, first, _) = Self.cluster()
        var ahead = first
        ahead.name = "kv-2"
        ahead.records += Array(repeating: Epoch(5), count: 10)  // an epoch from a lost incarnation
        primary.machineCrash()
        Self.restart(&primary, peers: [ahead])
        #expect(primary.lineage.current == Epoch(6), "above the highest epoch a peer reported")
        primary.write(40)
        Self.stream(&ahead, from: primary)
        Self.stream(&first, from: primary)
        Self.expectAllEqual(primary, [first, ahead])
    }
}
