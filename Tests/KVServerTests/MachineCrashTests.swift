import Foundation
import Testing

/// `DEBUG POWERLOSS` (with `--enable-debug-command yes`): the real server dies as in a
/// machine crash — its log cut back to what its last fsync covered — and recovers from that.
@Suite struct MachineCrashTests {
    /// The `durable_lsn=` of the server's `DEBUG POWERLOSS` log line.
    static func durableLSN(inLog text: String) throws -> UInt64 {
        let line = try #require(text.split(separator: "\n").last { $0.contains("DEBUG POWERLOSS") }, "no DEBUG POWERLOSS line: \(text.suffix(2000))")
        let field = try #require(line.split(separator: " ").first { $0.hasPrefix("durable_lsn=") }, "\(line)")
        return try #require(UInt64(field.dropFirst("durable_lsn=".count)), "\(line)")
    }

    /// 5000 acknowledged SETs, then the power goes: under `always` every one survives; under
    /// `everysec` those up to the last fsync (at most a second's worth lost); under `no`
    /// everything after the last fsync (none was asked for). Recovery finds exactly the records
    /// the log line says were durable, and the keys are those writes' — a prefix.
    @Test(arguments: ["always", "everysec", "no"])
    func powerLossKeepsWhatTheLastFsyncCovered(fsync: String) throws {
        let kv = try ServerProcess(arguments: ["--fsync", fsync, "--enable-debug-command", "yes"]).start()
        try DurabilityTests.pipeKeys(kv, count: 5000)
        let acknowledged = try TestCluster.lsn(of: kv)
        #expect(acknowledged == 5000)
        let durableBefore = try #require(UInt64(try TestCluster.info(kv, "kv_durable_lsn") ?? ""))
        _ = try? kv.cli(["DEBUG", "POWERLOSS"])  // no reply: the connection dies with the process
        let end = try kv.waitUntilExited()
        #expect(end.signal == SIGKILL, "DEBUG POWERLOSS ends the process as kill -9 does, not by exiting (\(end))")
        let durable = try Self.durableLSN(inLog: kv.logText)
        #expect(durable >= durableBefore && durable <= acknowledged)
        switch fsync {
        case "always": #expect(durable == acknowledged, "an acknowledged write is fsynced under always")
        case "no": #expect(durable < acknowledged, "nothing asked for an fsync: the written records must be gone")
        default: break
        }

        try kv.start()
        #expect(kv.logText.contains("primary: new epoch"))
        #expect(try kv.redis("DBSIZE") == String(durable), "recovery holds exactly the durable records")
        if durable > 0 { #expect(try kv.redis("GET", "key:\(durable - 1)") == "value-\(durable - 1)") }
        if durable < acknowledged { #expect(try kv.redis("EXISTS", "key:\(durable)") == "0") }
        // The log goes on after the cut, and survives a second crash of the same kind.
        try DurabilityTests.pipeKeys(kv, count: 100, prefix: "after")
        #expect(try kv.redis("WAIT", "0", "0") == "0")
        _ = try? kv.cli(["DEBUG", "POWERLOSS"])
        _ = try kv.waitUntilExited()
        try kv.start()
        if fsync == "always" { #expect(try kv.redis("GET", "after:99") == "value-99") }
    }

    /// Known gap (found by the chaos run, seed 2196; docs/reliability.md, "Machine crashes"):
    /// the primary's machine crashes while its replica holds every record, but the replica's
    /// snapshots have deleted the log segments those records were in — and `KV.FETCH` serves
    /// log files only. The restarted primary's fetch is refused (`compacted`), it opens its
    /// epoch without the records, and writes `WAIT 1` confirmed are gone. The primary runs
    /// `--fsync no` (nothing of the writes below is fsynced) and the replica snapshots every
    /// 32 KiB, so the gap shows every time. Recorded as a known issue until it is fixed: this
    /// test then fails ("known issue was not recorded"), and the wrapper goes.
    @Test func aCatchUpFromAReplicaThatCompactedItsLogKeepsEveryConfirmedWrite() throws {
        let cluster = try TestCluster(
            primaryArguments: ["--fsync", "no", "--enable-debug-command", "yes"],
            replicaArguments: ["--fsync", "everysec", "--snapshot-after-bytes", "32kb", "--log-segment-bytes", "8kb"])
        try cluster.startPrimary()
        let replica = try cluster.addReplica()
        try DurabilityTests.pipeKeys(cluster.primary, count: 2000, prefix: "confirmed")
        #expect(try cluster.primary.redis("WAIT", "1", "5000") == "1")
        try cluster.waitUntilConverged()
        _ = try? cluster.primary.cli(["DEBUG", "POWERLOSS"])
        _ = try cluster.primary.waitUntilExited()
        #expect(try Self.durableLSN(inLog: cluster.primary.logText) < 2000)
        try cluster.primary.start(extra: ["--peers", "127.0.0.1:\(replica.port)"])
        let log = cluster.primary.logText
        // KV.FETCH serves log files only: the replica compacted the records into a snapshot,
        // so the primary clones it instead, and holds every confirmed write again.
        #expect(log.contains("restored from 127.0.0.1:\(replica.port)'s snapshot"), "\(log.suffix(1500))")
        #expect(try cluster.primary.redis("DBSIZE") == "2000", "every confirmed write is the primary's again")
        try DurabilityTests.pipeKeys(cluster.primary, count: 10, prefix: "after")
        try cluster.waitUntilConverged()
        try cluster.expectIdenticalData()
        #expect(replica.logText.components(separatedBy: "clone requested").count == 2, "the first clone only: no re-clone")
    }

    /// Without the flag the command is refused, in Redis's words naming kv's flag, and the
    /// server goes on; DEBUG DIGEST needs no flag.
    @Test func powerLossIsRefusedWithoutTheFlag() throws {
        let kv = try ServerProcess().start()
        try DurabilityTests.pipeKeys(kv, count: 10)
        let reply = try kv.redis("DEBUG", "POWERLOSS")
        #expect(reply.hasPrefix("ERR DEBUG command not allowed"), "\(reply)")
        #expect(reply.contains("--enable-debug-command yes"), "\(reply)")
        #expect(try kv.redis("PING") == "PONG")
        #expect(try kv.redis("DEBUG", "DIGEST").count == 40)
        #expect(try kv.redis("DEBUG", "SLEEP", "0").contains("DEBUG DIGEST and DEBUG POWERLOSS only"))
        #expect(try kv.redis("DBSIZE") == "10")
        #expect(!kv.logText.contains("DEBUG POWERLOSS"))
    }
}
