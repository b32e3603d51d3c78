import Foundation
import Testing

/// Replicas as real processes on loopback: clone, stream, resume, re-clone, WAIT, READONLY,
/// read-your-writes. Every test compares data, not just liveness.
@Suite(.serialized) struct ReplicationTests {
    @Test func replicasCloneWhileThePrimaryTakesWritesAndScaleOutConverges() throws {
        let cluster = try TestCluster()
        try cluster.startPrimary()
        try DurabilityTests.pipeKeys(cluster.primary, count: 5000)
        let writer = BackgroundWriter(port: cluster.primary.port)
        try cluster.addReplica()  // kv-1 clones from kv-0
        try cluster.addReplica()  // kv-2 clones from kv-1
        writer.stop()
        #expect(writer.acknowledged.keys.count > 100, "writes went on during the clones")
        try cluster.waitUntilConverged()
        try cluster.expectIdenticalData()
        #expect(cluster.replicas[1].logText.contains("clone started from 127.0.0.1:\(cluster.replicas[0].port)"),
                "kv-2 cloned from kv-1")
        #expect(try TestCluster.info(cluster.replicas[0], "sync_full") == "1", "kv-1 served kv-2's clone")

        // Scale-out: kv-3 joins later and converges.
        try DurabilityTests.pipeKeys(cluster.primary, count: 1000, prefix: "late")
        try cluster.addReplica()
        try cluster.waitUntilConverged()
        try cluster.expectIdenticalData()
        for replica in cluster.replicas {
            #expect(try replica.curl("GET", "/readyz").status == 200, "\(replica.hostname) is ready")
        }
    }

    @Test func replicaKilledMidStreamResumesWithoutANewClone() throws {
        let cluster = try TestCluster()
        try cluster.startPrimary()
        try DurabilityTests.pipeKeys(cluster.primary, count: 2000)
        let replica = try cluster.addReplica()
        let writer = BackgroundWriter(port: cluster.primary.port)
        Thread.sleep(forTimeInterval: 0.5)
        replica.kill9()
        Thread.sleep(forTimeInterval: 0.5)
        try replica.start()
        Thread.sleep(forTimeInterval: 0.3)
        writer.stop()
        try cluster.waitUntilConverged()
        try cluster.expectIdenticalData()
        #expect(try TestCluster.info(cluster.primary, "sync_full") == "1", "one clone only: the first")
        #expect(try TestCluster.info(cluster.primary, "sync_partial_ok") == "2", "two streams: before and after the kill")
        // (The harness starts a fresh log file per start.)
        #expect(!replica.logText.contains("clone requested"), "no second clone")
        #expect(replica.logText.contains("stream connected"))

        // Streams that end leave nothing open behind them on the primary.
        let primaryPID = try #require(cluster.primary.process?.processIdentifier)
        func openFiles() throws -> Int { try FileManager.default.contentsOfDirectory(atPath: "/proc/\(primaryPID)/fd").count }
        let before = try openFiles()
        for _ in 0..<3 {
            replica.kill9()
            try replica.start()
            try cluster.waitUntilConverged()
        }
        Thread.sleep(forTimeInterval: 0.2)
        #expect(try openFiles() <= before + 1, "file descriptors leak per stream")
    }

    @Test func primaryKilledUnderWriteLoadLosesNoAcknowledgedWrite() throws {
        let cluster = try TestCluster(primaryArguments: ["--fsync", "always"])
        try cluster.startPrimary()
        try DurabilityTests.pipeKeys(cluster.primary, count: 1000)
        try cluster.addReplica()
        try cluster.addReplica(cloneFrom: cluster.primary)
        let writer = BackgroundWriter(port: cluster.primary.port, writers: 4)
        // Under load for a second, and at least until there are enough acknowledgements to
        // mean anything (a sanitizer build may need several seconds for them).
        Thread.sleep(forTimeInterval: 1.0)
        let loaded = Date().addingTimeInterval(30)
        while writer.acknowledged.keys.count <= 100 && Date() < loaded { Thread.sleep(forTimeInterval: 0.05) }
        cluster.primary.kill9()
        writer.stop()
        let acknowledged = writer.acknowledged.keys
        #expect(acknowledged.count > 100, "the writers got too few acknowledgements to mean anything")

        // The outage: replicas keep serving what they have, and say the link is down.
        Thread.sleep(forTimeInterval: 0.3)
        for replica in cluster.replicas {
            #expect(try replica.redis("GET", "key:1") == "value-1")
            #expect(try TestCluster.info(replica, "master_link_status") == "down")
            let response = try replica.curl("GET", "/v1/kv/key:1")
            #expect(response.status == 200)
            #expect(response.headers["kv-staleness"].map { $0 != "0.000" } == true, "staleness reported: \(response.headers)")
        }

        try cluster.primary.start()
        try cluster.waitUntilConverged()
        for server in cluster.all {
            var missing: [String] = []
            for start in stride(from: 0, to: acknowledged.count, by: 500) {
                let chunk = Array(acknowledged[start..<min(start + 500, acknowledged.count)])
                let values = try server.cli(["MGET"] + chunk).output.split(separator: "\n", omittingEmptySubsequences: false)
                for (key, value) in zip(chunk, values) where value.isEmpty { missing.append(key) }
            }
            #expect(missing.isEmpty, "\(server.hostname): \(missing.count) of \(acknowledged.count) acknowledged writes missing")
        }
        try cluster.expectIdenticalData()
    }

    @Test func replicaBehindTheRetainedLogReclones() throws {
        let cluster = try TestCluster(primaryArguments: [
            "--replica-retention", "0s", "--snapshot-after-bytes", "100000", "--log-segment-bytes", "65536",
        ])
        try cluster.startPrimary()
        try DurabilityTests.pipeKeys(cluster.primary, count: 1000)
        let replica = try cluster.addReplica()
        #expect(replica.terminate() == 0)
        // Enough log for a few snapshots: the segments the replica would need are deleted.
        for round in 0..<4 { try DurabilityTests.pipeKeys(cluster.primary, count: 3000, prefix: "r\(round)") }
        Thread.sleep(forTimeInterval: 1.0)
        try replica.start()
        try cluster.waitUntilConverged()
        try cluster.expectIdenticalData()
        #expect(replica.logText.contains("resync required (compacted"), "\(replica.logText.suffix(2000))")
        #expect(try TestCluster.info(cluster.primary, "sync_partial_err") == "1")
        #expect(try TestCluster.info(cluster.primary, "sync_full") == "2", "the first clone and the re-clone")
        // The re-clone replaced the data on disk too: it survives a restart with no new clone.
        replica.kill9()
        try replica.start()
        try cluster.waitUntilConverged()
        try cluster.expectIdenticalData()
        #expect(try TestCluster.info(cluster.primary, "sync_full") == "2")
    }

    @Test func replicaOfAnotherHistoryReclones() throws {
        let first = try TestCluster()
        try first.startPrimary()
        try DurabilityTests.pipeKeys(first.primary, count: 500, prefix: "first")
        let replica = try first.addReplica()
        #expect(replica.terminate() == 0)

        // Another primary (a new history); the replica is pointed at it.
        let second = try ServerProcess().start()
        try DurabilityTests.pipeKeys(second, count: 700, prefix: "second")
        try replica.start(extra: ["--primary", "127.0.0.1:\(second.port)", "--clone-from", "127.0.0.1:\(second.port)"])
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, try replica.redis("DBSIZE") != "700" { Thread.sleep(forTimeInterval: 0.05) }
        #expect(try replica.redis("DBSIZE") == "700")
        #expect(try replica.redis("GET", "second:1") == "value-1")
        #expect(try replica.redis("GET", "first:1") == "", "no record of the old history remains")
        #expect(replica.logText.contains("resync required (history"))
        #expect(try TestCluster.info(replica, "kv_history") == TestCluster.info(second, "kv_history"))
    }

    @Test func waitCountsReplicasThatAcknowledged() throws {
        let cluster = try TestCluster()
        try cluster.startPrimary()
        try cluster.addReplica()
        try cluster.addReplica()
        let connection = try RawConnection(port: cluster.primary.port)
        connection.send("SET a 1\r\nWAIT 2 5000\r\n")
        #expect(connection.read(until: ":2\r\n") == "+OK\r\n:2\r\n")
        let started = Date()
        connection.send("SET b 2\r\nWAIT 3 300\r\n")
        #expect(connection.read(until: ":2\r\n") == "+OK\r\n:2\r\n", "two of three, after the timeout")
        #expect(Date().timeIntervalSince(started) >= 0.29)
        cluster.replicas[1].kill9()
        Thread.sleep(forTimeInterval: 0.2)
        connection.send("SET c 3\r\nWAIT 2 300\r\n")
        #expect(connection.read(until: ":1\r\n") == "+OK\r\n:1\r\n")
        connection.send("WAIT 0 0\r\n")
        #expect(connection.read(until: "\r\n") == ":1\r\n")
        #expect(try cluster.replicas[0].redis("WAIT", "1", "10").hasPrefix("ERR WAIT cannot be used with replica instances"))
    }

    /// Redis accepts any timeout that fits in a long (10^13 ms is 300 years): WAIT blocks, and
    /// the server neither traps nor stops serving; a timeout past a long is refused as Redis does.
    @Test func waitTakesAHugeTimeout() throws {
        let kv = try ServerProcess().start()
        let waiting = try RawConnection(port: kv.port)
        waiting.send("SET a 1\r\nWAIT 1 10000000000000\r\n")
        #expect(waiting.read(until: "+OK\r\n") == "+OK\r\n")
        Thread.sleep(forTimeInterval: 0.3)
        #expect(try kv.redis("PING") == "PONG")
        #expect(try kv.redis("WAIT", "1", "99999999999999999999") == "ERR timeout is not an integer or out of range")
        #expect(try kv.redis("KV.WAITLSN", "1", "10000000000000000") == "1", "applied already: answers at once")
    }

    @Test func replicasRefuseWritesNamingThePrimary() throws {
        let cluster = try TestCluster()
        try cluster.startPrimary()
        let replica = try cluster.addReplica()
        let expected = "READONLY You can't write against a read only replica. The primary is 127.0.0.1:\(cluster.primary.port)."
        #expect(try replica.redis("SET", "x", "1") == expected)
        #expect(try replica.redis("DEL", "x") == expected)
        // Inside MULTI the write is refused at once, and EXEC aborts.
        let connection = try RawConnection(port: replica.port)
        connection.send("MULTI\r\nSET x 1\r\nEXEC\r\n")
        #expect(connection.read(until: "EXECABORT") == "+OK\r\n-\(expected)\r\n-EXECABORT Transaction discarded because of previous errors.\r\n")
        let http = try replica.curl("PUT", "/v1/kv/x", body: Data("1".utf8))
        #expect(http.status == 421)
        #expect(http.body.contains("127.0.0.1:\(cluster.primary.port)"))
        #expect(http.headers["kv-primary"] == "127.0.0.1:\(cluster.primary.port)")
        #expect(try replica.redis("ROLE").hasPrefix("slave\n127.0.0.1\n\(cluster.primary.port)\nconnected"))
        // The primary lists the replica under the port it serves clients on.
        #expect(try cluster.primary.redis("INFO", "replication").contains("slave0:ip=127.0.0.1,port=\(replica.port),state=online"))
        #expect(try cluster.primary.redis("ROLE").hasPrefix("master"))
    }

    @Test func readYourWritesOnAReplica() throws {
        let cluster = try TestCluster()
        try cluster.startPrimary()
        let replica = try cluster.addReplica()
        // HTTP: the write's KV-LSN, then a read on the replica that waits for it.
        let write = try cluster.primary.curl("PUT", "/v1/kv/ryw", body: Data("fresh".utf8))
        let lsn = try #require(write.headers["kv-lsn"])
        let read = try replica.curl("GET", "/v1/kv/ryw", headers: ["KV-Min-LSN: \(lsn)"])
        #expect(read.status == 200)
        #expect(read.body == "fresh")
        let future = try replica.curl("GET", "/v1/kv/ryw", headers: ["KV-Min-LSN: 999999", "KV-Max-Wait: 0.2"])
        #expect(future.status == 503)
        #expect(try replica.curl("GET", "/v1/kv/ryw", headers: ["KV-Max-Staleness: 5"]).status == 200)

        // RESP: KV.LSN after the write, KV.WAITLSN on the replica.
        let connection = try RawConnection(port: cluster.primary.port)
        connection.send("SET ryw2 v\r\nKV.LSN\r\n")
        let lines = connection.readLines(2)
        #expect(lines.first == "+OK")
        let written = try #require(lines.last.flatMap { UInt64($0.dropFirst()) }, "KV.LSN answers an integer: \(lines)")
        #expect(written == UInt64(lsn)! + 1)
        let applied = try #require(UInt64(try replica.redis("KV.WAITLSN", String(written), "2000")))
        #expect(applied >= written)
        #expect(try replica.redis("GET", "ryw2") == "v")
        #expect(try replica.redis("KV.WAITLSN", "999999", "50").hasPrefix("TIMEOUT"))
    }

    @Test func expiryIsDecidedByThePrimaryAndReplicated() throws {
        let cluster = try TestCluster()
        try cluster.startPrimary()
        let replica = try cluster.addReplica()
        // Long enough for the replica to be checked before it expires, also in a sanitizer
        // build (several times slower); then wait until it has surely passed.
        #expect(try cluster.primary.redis("SET", "short", "1", "PX", "3000") == "OK")
        let expiresAt = Date().addingTimeInterval(3)  // the SET ran before now
        #expect(try cluster.primary.redis("SET", "long", "1") == "OK")
        try cluster.waitUntilConverged()
        #expect(try replica.redis("GET", "short") == "1")
        Thread.sleep(until: expiresAt.addingTimeInterval(0.2))
        // Hidden on the replica once its time passed, whether or not the delete arrived yet.
        #expect(try replica.redis("GET", "short") == "")
        try cluster.waitUntilConverged()
        #expect(try replica.redis("DBSIZE") == "1", "the primary's delete was replicated")
    }

    @Test func garbageFromAFakePeerIsRejectedWithoutHarm() throws {
        let cluster = try TestCluster()
        try cluster.startPrimary()
        try DurabilityTests.pipeKeys(cluster.primary, count: 300)
        let history = try #require(try TestCluster.info(cluster.primary, "kv_history"))

        // On the primary: a malformed KV.STREAM, then a stream whose "acks" are garbage.
        let bad = try RawConnection(port: cluster.primary.port)
        bad.send("KV.STREAM nothex 0 fake\r\n")
        #expect(bad.read(until: "\r\n").hasPrefix("-ERR KV.STREAM needs"))
        let fake = try RawConnection(port: cluster.primary.port)
        fake.send("KV.STREAM \(history) 0 fake\r\n")
        #expect(fake.read(until: "\r\n").hasPrefix("+STREAM \(history) 300"))
        fake.send(Array((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919) }))
        Thread.sleep(forTimeInterval: 0.2)
        #expect(try cluster.primary.redis("DBSIZE") == "300")
        #expect(try cluster.primary.redis("SET", "still", "works") == "OK")

        // On a replica: a fake primary that answers +STREAM and then sends garbage frames.
        let replica = try cluster.addReplica()
        try cluster.waitUntilConverged()
        #expect(replica.terminate() == 0)
        let listener = try FakePeer { connection in
            _ = connection.read(until: "\r\n")
            connection.send("+STREAM \(history) 99999\r\n")
            connection.send(Array((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }))
        }
        try replica.start(extra: ["--primary", "127.0.0.1:\(listener.port)"])
        Thread.sleep(forTimeInterval: 1.0)
        #expect(try replica.redis("DBSIZE") == "301", "nothing applied from garbage, nothing lost")
        #expect(try replica.redis("GET", "key:1") == "value-1")
        #expect(replica.logText.contains("replication stream error"), "\(replica.logText.suffix(1500))")
        listener.stop()
    }

    @Test func emptyPrimaryRestoresFromTheMostAdvancedReplica() throws {
        let cluster = try TestCluster()
        try cluster.startPrimary()
        try DurabilityTests.pipeKeys(cluster.primary, count: 2000)
        let first = try cluster.addReplica()
        let second = try cluster.addReplica()
        #expect(first.terminate() == 0)  // kv-1 falls behind
        try DurabilityTests.pipeKeys(cluster.primary, count: 500, prefix: "more")
        try cluster.waitUntilConverged()
        let history = try TestCluster.info(cluster.primary, "kv_history")
        let expected = try TestCluster.contents(of: cluster.primary)

        // The primary loses its volume and comes back empty.
        cluster.primary.kill9()
        try FileManager.default.removeItem(at: cluster.primary.dataDirectory)
        // kv-1 is down (refuses), kv-2 answers: the primary restores from kv-2.
        try cluster.primary.start(extra: ["--peers", "127.0.0.1:\(first.port),127.0.0.1:\(second.port)"])
        #expect(try TestCluster.info(cluster.primary, "kv_history") == history, "the history continues")
        #expect(try TestCluster.contents(of: cluster.primary) == expected, "restored from kv-2, the most advanced")
        #expect(cluster.primary.logText.contains("restoring from it instead of starting a new"))
        try first.start()
        try cluster.waitUntilConverged()
        try cluster.expectIdenticalData()
        #expect(!second.logText.contains("resync required"), "the replicas kept their data")
    }

    @Test func newPrimaryWithNoPeersStartsANewHistoryAtOnce() throws {
        let started = Date()
        let kv = try ServerProcess().start()
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(kv.logText.contains("no peer holds data: starting a new history"))
    }

    @Test func replicaReadinessFollowsTheLinkAndMaxStaleness() throws {
        let cluster = try TestCluster(replicaArguments: ["--max-staleness", "1s"])
        try cluster.startPrimary()
        let replica = try cluster.addReplica()
        try cluster.waitUntilConverged()
        var deadline = Date().addingTimeInterval(10)
        while Date() < deadline, try replica.curl("GET", "/readyz").status != 200 { Thread.sleep(forTimeInterval: 0.05) }
        #expect(try replica.curl("GET", "/readyz").status == 200)
        cluster.primary.kill9()
        deadline = Date().addingTimeInterval(10)
        while Date() < deadline, try replica.curl("GET", "/readyz").status == 200 { Thread.sleep(forTimeInterval: 0.05) }
        let unready = try replica.curl("GET", "/readyz")
        #expect(unready.status == 503)
        #expect(unready.body.contains("no news from the primary"), "\(unready.body)")
        #expect(try replica.curl("GET", "/healthz").status == 200, "still alive, still serving")
        #expect(try replica.redis("PING") == "PONG")
        try cluster.primary.start()
        deadline = Date().addingTimeInterval(15)
        while Date() < deadline, try replica.curl("GET", "/readyz").status != 200 { Thread.sleep(forTimeInterval: 0.05) }
        #expect(try replica.curl("GET", "/readyz").status == 200, "ready again once the stream runs")
    }

    @Test func replicasAuthenticateWithTheSharedPassword() throws {
        let password = ["--password", "s3cret"]
        let cluster = try TestCluster(primaryArguments: password, replicaArguments: password)
        try cluster.startPrimary()
        let auth = ["-a", "s3cret", "--no-auth-warning"]
        #expect(try cluster.primary.cli(["SET", "secret", "1"], extra: auth).output == "OK")
        let replica = try cluster.addReplica()
        #expect(try replica.cli(["GET", "secret"], extra: auth).output == "1", "cloned through AUTH")
        #expect(try cluster.primary.cli(["SET", "later", "2"], extra: auth).output == "OK")
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, try replica.cli(["GET", "later"], extra: auth).output != "2" { Thread.sleep(forTimeInterval: 0.05) }
        #expect(try replica.cli(["GET", "later"], extra: auth).output == "2", "streamed through AUTH")
        #expect(try replica.redis("GET", "later").hasPrefix("NOAUTH"))

        // A replica with the wrong password gets nothing and says why.
        let intruder = try ServerProcess(arguments: ["--password", "wrong", "--primary", "127.0.0.1:\(cluster.primary.port)",
                                                     "--clone-from", "127.0.0.1:\(cluster.primary.port)"], hostname: "kv-9")
        #expect(throws: HarnessError.self) { try intruder.start(timeout: 3) }
        #expect(intruder.logText.contains("AUTH refused"), "\(intruder.logText.suffix(800))")
        #expect(cluster.primary.logText.contains("authentication failed"), "the primary logs the refusal")
        // One with no password at all is refused too, and logged as a replication request.
        let anonymous = try ServerProcess(arguments: ["--primary", "127.0.0.1:\(cluster.primary.port)",
                                                      "--clone-from", "127.0.0.1:\(cluster.primary.port)"], hostname: "kv-8")
        #expect(throws: HarnessError.self) { try anonymous.start(timeout: 3) }
        #expect(cluster.primary.logText.contains("refused a replication request without authentication"))
        #expect(cluster.primary.logText.contains("KV.CLONE"))
    }

    @Test func aSilentPrimaryIsDetectedWithoutTCPNoticing() throws {
        let cluster = try TestCluster()
        try cluster.startPrimary()
        #expect(try cluster.primary.redis("SET", "k", "v") == "OK")
        let replica = try cluster.addReplica()
        try cluster.waitUntilConverged()
        let pid = try #require(cluster.primary.process?.processIdentifier)
        kill(pid, SIGSTOP)  // a partition: the connection stays open, nothing arrives
        defer { kill(pid, SIGCONT) }
        Thread.sleep(forTimeInterval: 4.0)
        #expect(try TestCluster.info(replica, "master_link_status") == "down")
        let read = try replica.curl("GET", "/v1/kv/k")
        #expect(read.status == 200)
        #expect((read.headers["kv-staleness"].flatMap(Double.init) ?? 0) >= 3, "\(read.headers)")
        #expect(try replica.curl("GET", "/v1/kv/k", headers: ["KV-Max-Staleness: 1"]).status == 503)
        kill(pid, SIGCONT)
        #expect(try cluster.primary.redis("SET", "k2", "v2") == "OK")
        try cluster.waitUntilConverged()
        #expect(try replica.redis("GET", "k2") == "v2")
    }

    @Test func aReplicaThatIsNotReadyRefusesToServeClones() throws {
        let cluster = try TestCluster()
        try cluster.startPrimary()
        let replica = try cluster.addReplica()
        try cluster.waitUntilConverged()
        cluster.primary.kill9()
        // Restarted while the primary is down, the replica has not heard the primary's LSN:
        // not ready, so it must not hand its possibly stale data to a new replica.
        replica.kill9()
        try replica.start()
        #expect(try replica.redis("KV.CLONE").hasPrefix("KVNOTREADY"))
        try cluster.primary.start()
        try cluster.waitUntilConverged()
    }

    /// Without root (as in a container: no CAP_NET_ADMIN), every socket option kv sets must
    /// be allowed — `socketOption(.tcp_nodelay)` once set SO_DEBUG, which only root may, and
    /// every connection failed outside the test machine.
    @Test(.enabled(if: getuid() == 0, "needs root to switch to an unprivileged user"))
    func serversRunAsAnUnprivilegedUser() throws {
        let cluster = try TestCluster(userID: 65534)
        try cluster.startPrimary()
        #expect(try cluster.primary.redis("SET", "k", "v") == "OK")
        let replica = try cluster.addReplica()
        try cluster.waitUntilConverged()
        #expect(try replica.redis("GET", "k") == "v")
        #expect(try replica.curl("GET", "/readyz").status == 200)
    }
}
