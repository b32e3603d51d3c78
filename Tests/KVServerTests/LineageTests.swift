import Foundation
import Testing

/// A primary whose machine crashed restarts with a shorter log than its replicas hold
/// (docs/replication.md, "Lineage"): real processes, a real power-loss cut of the log.
@Suite(.serialized) struct LineageTests {
    /// The crash of issue 13: three pods under `everysec`, writes confirmed on both replicas by
    /// `WAIT 2`, the primary killed and the tail of its newest log segment cut (what a power
    /// loss leaves of writes not yet fsynced), then new writes under the LSNs the replicas
    /// already hold. Before lineage the replicas streamed on from their own LSN and kept the
    /// lost writes beside the new ones, for ever; now they are told where their log forked
    /// and end with exactly the primary's data.
    @Test func aPrimaryThatLostItsLogTailNeverForksItsReplicas() throws {
        let cluster = try TestCluster(primaryArguments: ["--fsync", "everysec"],
                                      replicaArguments: ["--fsync", "everysec", "--clone-timeout", "2s"])
        try cluster.startPrimary()
        try DurabilityTests.pipeKeys(cluster.primary, count: 500)
        try cluster.addReplica()
        try cluster.addReplica()
        try DurabilityTests.pipeKeys(cluster.primary, count: 200, prefix: "confirmed")
        #expect(try cluster.primary.redis("WAIT", "2", "5000") == "2")
        try cluster.waitUntilConverged()
        let replicated = try TestCluster.lsn(of: cluster.replicas[0])

        cluster.primary.kill9()
        let cut = try Self.cutNewestSegment(of: cluster.primary, bytes: 4000)
        // The replicas are away while the primary comes back and takes new writes (their
        // reconnect backoff, a network partition): when they ask to stream, the primary has
        // records of its own under their last LSN.
        for replica in cluster.replicas { #expect(replica.terminate() == 0) }
        try cluster.primary.start()
        let restarted = try TestCluster.lsn(of: cluster.primary)
        #expect(restarted < replicated, "the cut lost records: \(cut) bytes, primary at \(restarted), replicas at \(replicated)")
        #expect(cluster.primary.logText.contains("primary: new epoch"), "\(cluster.primary.logText.suffix(2000))")

        // New writes take the LSNs the replicas hold with the lost writes, and more.
        try DurabilityTests.pipeKeys(cluster.primary, count: 300, prefix: "after")
        #expect(try TestCluster.lsn(of: cluster.primary) > replicated)
        for replica in cluster.replicas { try replica.start() }
        try cluster.waitUntilConverged(timeout: 60)
        try cluster.expectIdenticalData()
        for replica in cluster.replicas {
            #expect(replica.logText.contains("resync required (fork"), "\(replica.hostname): \(replica.logText.suffix(3000))")
            #expect(try replica.redis("GET", "after:299") == "value-299")
            #expect(try replica.redis("DBSIZE") == cluster.primary.redis("DBSIZE"))
        }
        #expect(try Int(TestCluster.info(cluster.primary, "sync_partial_err") ?? "") ?? 0 >= 1)
        // Every pod answers the same for a lost write: gone everywhere, not on some pods only.
        let lost = try cluster.primary.redis("EXISTS", "confirmed:199")
        for replica in cluster.replicas { #expect(try replica.redis("EXISTS", "confirmed:199") == lost) }
    }

    /// A restarted primary opens a new epoch, its marker replicates, and a replica that
    /// restarts on that epoch resumes with no clone.
    @Test func epochsReplicateAndAResumingReplicaMatches() throws {
        let cluster = try TestCluster()
        try cluster.startPrimary()
        try DurabilityTests.pipeKeys(cluster.primary, count: 100)
        let replica = try cluster.addReplica()
        #expect(cluster.primary.terminate() == 0)
        try cluster.primary.start()
        try DurabilityTests.pipeKeys(cluster.primary, count: 100, prefix: "second")
        try cluster.waitUntilConverged()
        #expect(replica.terminate() == 0)
        try replica.start()
        try DurabilityTests.pipeKeys(cluster.primary, count: 10, prefix: "third")
        try cluster.waitUntilConverged()
        try cluster.expectIdenticalData()
        #expect(try TestCluster.info(cluster.primary, "sync_full") == "0", "the one clone was served before the restart")
        #expect(try TestCluster.info(cluster.primary, "sync_partial_err") == "0")
        #expect(!replica.logText.contains("resync required"), "\(replica.logText.suffix(2000))")
    }

    /// Cuts `bytes` off the end of the primary's newest log segment, as a power loss drops
    /// what was written but not fsynced; returns how many bytes were cut.
    static func cutNewestSegment(of server: ServerProcess, bytes: Int) throws -> Int {
        let log = server.dataDirectory.appendingPathComponent("log")
        let newest = try #require(try FileManager.default.contentsOfDirectory(atPath: log.path)
            .filter { $0.hasSuffix(".log") }.sorted().last)
        let path = log.appendingPathComponent(newest).path
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        let cut = min(bytes, size - 36)
        #expect(truncate(path, off_t(size - cut)) == 0)
        return cut
    }
}
