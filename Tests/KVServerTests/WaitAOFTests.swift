import Foundation
import Testing

/// WAITAOF with Redis 7.2's meaning, on real processes: the local fsync and the replicas'
/// fsyncs of the connection's last write (docs/replication.md, "Acks, lag and WAIT").
@Suite(.serialized) struct WaitAOFTests {
    /// Under every policy: a write is reported fsynced here and on the replica within the
    /// timeout (the primary fsyncs on demand; the replica's `everysec` flusher within ~1 s).
    @Test(arguments: ["always", "everysec", "no"])
    func countsTheLocalAndTheReplicasFsyncs(fsync: String) throws {
        let cluster = try TestCluster(primaryArguments: ["--fsync", fsync], replicaArguments: ["--fsync", "everysec"])
        try cluster.startPrimary()
        let replica = try cluster.addReplica()
        // One connection: WAITAOF is about that connection's last write.
        let script = "SET waitaof-key v\nWAITAOF 1 1 5000\n"
        let output = try cluster.primary.cli([], input: Data(script.utf8)).output
        #expect(output.split(separator: "\n") == ["OK", "1", "1"], "\(output)")
        #expect(try replica.redis("GET", "waitaof-key") == "v")
        let info = try cluster.primary.redis("INFO", "replication")
        #expect(info.contains("durable_offset="), "\(info)")
        #expect(try TestCluster.info(cluster.primary, "kv_durable_lsn").flatMap { Int($0) } ?? 0 >= 1)
        let metrics = try cluster.primary.curl("GET", "/metrics").body
        #expect(metrics.contains("kv_replica_durable_lsn{replica=\"kv-1\"}"))
    }

    /// More replicas than exist: it waits out the timeout and answers what it has; inside
    /// MULTI it does not block.
    @Test func answersAtTheTimeoutAndDoesNotBlockInMulti() throws {
        let kv = try ServerProcess(arguments: ["--fsync", "everysec"]).start()
        let started = Date()
        let script = "SET a 1\nWAITAOF 1 2 300\nMULTI\nWAITAOF 1 5 0\nEXEC\nWAITAOF 0 0 0\n"
        let output = try kv.cli([], input: Data(script.utf8)).output
        #expect(output.split(separator: "\n") == ["OK", "1", "0", "OK", "QUEUED", "1", "0", "1", "0"], "\(output)")
        #expect(Date().timeIntervalSince(started) >= 0.3)
    }

    /// Arguments are checked in Redis's order with its texts (compared with valkey-server 9.0,
    /// which has WAITAOF; the Debian redis-server 7.0 does not).
    @Test(arguments: [
        (["WAITAOF", "2", "0", "0"], "ERR value is out of range, value must between 0 and 1"),
        (["WAITAOF", "x", "0", "0"], "ERR value is not an integer or out of range"),
        (["WAITAOF", "-1", "0", "0"], "ERR value is out of range, value must between 0 and 1"),
        (["WAITAOF", "0", "-1", "0"], "ERR value is out of range, must be positive"),
        (["WAITAOF", "0", "x", "0"], "ERR value is out of range, must be positive"),
        (["WAITAOF", "0", "0", "-1"], "ERR timeout is negative"),
        (["WAITAOF", "0", "0", "x"], "ERR timeout is not an integer or out of range"),
        (["WAITAOF", "0", "0"], "ERR wrong number of arguments for 'waitaof' command"),
    ])
    func refusesBadArgumentsAsRedis(arguments: [String], error: String) throws {
        let kv = try ServerProcess().start()
        #expect(try kv.cli(arguments).output.trimmingCharacters(in: .whitespacesAndNewlines) == error)
    }

    @Test func isAnErrorOnAReplica() throws {
        let cluster = try TestCluster()
        try cluster.startPrimary()
        let replica = try cluster.addReplica()
        #expect(try replica.cli(["WAITAOF", "0", "0", "0"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
            == "ERR WAITAOF cannot be used with replica instances. Please also note that writes to replicas are just local and are not propagated.")
    }
}
