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
        let cluster = try Self.confirmedCluster(replicaArguments: ["--clone-timeout", "2s"])
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
            // Cut back to the fork point and streamed on: no clone.
            #expect(replica.logText.contains("forked log cut back"), "\(replica.hostname): \(replica.logText.suffix(3000))")
            #expect(!replica.logText.contains("clone requested"))
            #expect(try TestCluster.info(replica, "kv_forks") == "1")
            #expect(try Int(TestCluster.info(replica, "kv_fork_records_discarded") ?? "") ?? 0 > 0)
            #expect(try replica.redis("GET", "after:299") == "value-299")
            #expect(try replica.redis("DBSIZE") == cluster.primary.redis("DBSIZE"))
        }
        #expect(try Int(TestCluster.info(cluster.primary, "sync_partial_err") ?? "") ?? 0 >= 1)
        // Every pod answers the same for a lost write: gone everywhere, not on some pods only.
        let lost = try cluster.primary.redis("EXISTS", "confirmed:199")
        for replica in cluster.replicas { #expect(try replica.redis("EXISTS", "confirmed:199") == lost) }
    }

    /// The same crash with the replicas up: the restarted primary asks them where their data
    /// ends, fetches the records of its epoch that they hold past its own end, and only then
    /// opens its new epoch — no write that a replica received is lost, and no replica
    /// re-clones.
    @Test func aPrimaryThatLostItsLogTailCatchesUpFromItsReplicas() throws {
        let cluster = try Self.confirmedCluster()
        let replicated = try TestCluster.lsn(of: cluster.replicas[1])

        cluster.primary.kill9()
        _ = try Self.cutNewestSegment(of: cluster.primary, bytes: 4000)
        let peers = cluster.replicas.map { "127.0.0.1:\($0.port)" }.joined(separator: ",")
        try cluster.primary.start(extra: ["--peers", peers])
        #expect(cluster.primary.logText.contains("primary: caught up from"), "\(cluster.primary.logText.suffix(3000))")
        // Every record a replica held is the primary's again, and the new epoch follows them.
        #expect(try TestCluster.lsn(of: cluster.primary) == replicated + 1)
        #expect(try cluster.primary.redis("DBSIZE") == "700")
        for index in 0..<200 where index % 10 == 0 || index == 199 {
            #expect(try cluster.primary.redis("GET", "confirmed:\(index)") == "value-\(index)")
        }

        try DurabilityTests.pipeKeys(cluster.primary, count: 300, prefix: "after")
        try cluster.waitUntilConverged()
        try cluster.expectIdenticalData()
        #expect(try cluster.primary.redis("DBSIZE") == "1000")
        for replica in cluster.replicas {
            #expect(!replica.logText.contains("resync required"), "\(replica.hostname): \(replica.logText.suffix(2000))")
        }
        #expect(try TestCluster.info(cluster.primary, "sync_partial_err") == "0")
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

    /// KV.FETCH on any pod: the records after one it holds, or where the asker's log forked.
    @Test func fetchAnswersWithRecordsOrTheForkPoint() throws {
        let kv = try ServerProcess().start()
        try DurabilityTests.pipeKeys(kv, count: 10)
        let history = try #require(try TestCluster.info(kv, "kv_history"))
        #expect(try TestCluster.info(kv, "kv_epoch") == "0")
        // Epoch 0 up to 10 is held; epoch 4 at LSN 5 is not: the logs share 1…4 at most.
        #expect(try kv.redis("KV.FETCH", history, "5", "4") == "KVRESYNC fork 4")
        #expect(try kv.redis("KV.FETCH", history, "11", "0") == "KVRESYNC fork 10")
        #expect(try kv.redis("KV.FETCH", String(repeating: "0", count: 32), "5", "0")
            == "KVRESYNC history \(history)")
        #expect(try kv.redis("KV.FETCH", history, "x", "0")
            == "ERR KV.FETCH needs a history id (32 hex digits), an LSN and an epoch")
        #expect(try kv.redis("PING") == "PONG")
        // A held record: the connection turns into record frames, then closes.
        let connection = try RawConnection(port: kv.port)
        connection.send("*4\r\n$8\r\nKV.FETCH\r\n$32\r\n\(history)\r\n$1\r\n8\r\n$1\r\n0\r\n")
        let received = connection.read(atLeast: 1 << 20)  // until the pod closes
        let answer = "+FETCH \(history) 10\r\n"
        #expect(received.starts(with: Array(answer.utf8)), "\(String(decoding: received.prefix(80), as: UTF8.self))")
        #expect(received.count > answer.utf8.count + 2 * 29, "two record frames follow")
        #expect(connection.isClosedByPeer())
    }

    /// A rolling update replaces the replicas before the primary: a replica of this version
    /// whose primary refuses `KV.STREAM` with an epoch (as one from before lineage does) streams
    /// without it, and acks with the applied LSN alone, which that primary accepts.
    @Test func aReplicaStreamsFromAPrimaryThatPredatesLineage() throws {
        let cluster = try TestCluster()
        try cluster.startPrimary()
        try DurabilityTests.pipeKeys(cluster.primary, count: 50)
        let history = try #require(try TestCluster.info(cluster.primary, "kv_history"))
        let replica = try cluster.addReplica()
        try cluster.waitUntilConverged()
        #expect(replica.terminate() == 0)

        let seen = Recorder()
        let old = try FakePeer { connection in
            let request = String(decoding: connection.read(atLeast: 1, atMost: 4096), as: UTF8.self)
            seen.append(String(request.prefix(2)))
            if request.hasPrefix("*6") {
                connection.send("-ERR KV.STREAM needs a history id (32 hex digits), an LSN, a pod name and optionally a port\r\n")
                return
            }
            connection.send("+STREAM \(history) 50\r\n")
            var heartbeat: [UInt8] = [2]
            withUnsafeBytes(of: UInt64(50).littleEndian) { heartbeat += $0 }
            withUnsafeBytes(of: Int64(1_700_000_000_000).littleEndian) { heartbeat += $0 }
            heartbeat.append(1)  // ack now
            connection.send(heartbeat)
            seen.append(String(decoding: connection.read(atLeast: 1, atMost: 4096), as: UTF8.self))
        }
        defer { old.stop() }
        try replica.start(extra: ["--primary", "127.0.0.1:\(old.port)"])
        let deadline = Date().addingTimeInterval(10)
        while seen.items.count < 3 && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let items = seen.items
        #expect(items.count >= 3, "\(items)")
        guard items.count >= 3 else { return }
        #expect(items[0] == "*6" && items[1] == "*5", "with the epoch first, then without: \(items)")
        #expect(items[2] == "*2\r\n$6\r\nKV.ACK\r\n$2\r\n50\r\n", "an ack without the durable position: \(items[2].debugDescription)")
        #expect(replica.logText.contains("does not take KV.STREAM with an epoch"))
    }

    /// What a fake peer saw, across its threads.
    final class Recorder: @unchecked Sendable {
        private let lock = NSLock()
        private var storage: [String] = []
        func append(_ item: String) { lock.withLock { storage.append(item) } }
        var items: [String] { lock.withLock { storage } }
    }

    /// Three pods under `everysec`: 500 writes, then 200 more confirmed on both replicas by
    /// `WAIT 2`, every pod converged.
    static func confirmedCluster(replicaArguments: [String] = []) throws -> TestCluster {
        let cluster = try TestCluster(primaryArguments: ["--fsync", "everysec"],
                                      replicaArguments: ["--fsync", "everysec"] + replicaArguments)
        try cluster.startPrimary()
        try DurabilityTests.pipeKeys(cluster.primary, count: 500)
        try cluster.addReplica()
        try cluster.addReplica()
        try DurabilityTests.pipeKeys(cluster.primary, count: 200, prefix: "confirmed")
        #expect(try cluster.primary.redis("WAIT", "2", "5000") == "2")
        try cluster.waitUntilConverged()
        return cluster
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
