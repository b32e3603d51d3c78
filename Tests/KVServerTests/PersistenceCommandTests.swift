import Foundation
import Testing

/// SAVE, BGSAVE and LASTSAVE: a snapshot now, with Redis's replies and errors.
@Suite struct PersistenceCommandTests {
    static func snapshots(of server: ServerProcess) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: server.dataDirectory.appendingPathComponent("snapshots").path)
            .filter { $0.hasSuffix(".kvs") }
    }

    @Test func saveWritesASnapshotAndLastsaveSaysWhen() throws {
        let kv = try ServerProcess().start()
        let started = Int(Date().timeIntervalSince1970)
        try DurabilityTests.pipeKeys(kv, count: 100)
        #expect(try Self.snapshots(of: kv).isEmpty)
        #expect(try kv.redis("SAVE") == "OK")
        #expect(try Self.snapshots(of: kv) == ["snapshot-00000000000000000100.kvs"])
        #expect(try Int(kv.redis("LASTSAVE")) ?? 0 >= started)
        #expect(try TestCluster.info(kv, "rdb_changes_since_last_save") == "0")
        #expect(try TestCluster.info(kv, "rdb_last_bgsave_status") == "ok")

        try DurabilityTests.pipeKeys(kv, count: 50, prefix: "more")
        #expect(try kv.redis("BGSAVE") == "Background saving started")
        let deadline = Date().addingTimeInterval(10)
        while try Self.snapshots(of: kv) != ["snapshot-00000000000000000150.kvs"] && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(try Self.snapshots(of: kv) == ["snapshot-00000000000000000150.kvs"], "the older one compacted away")
        // The data comes back from the snapshot.
        #expect(kv.terminate() == 0)
        try kv.start()
        #expect(try TestCluster.info(kv, "kv_recovery_snapshot_lsn") == "150")
        #expect(try kv.redis("DBSIZE") == "150")
    }

    @Test func errorsAsRedis() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let redis = try RedisServerProcess()
        let kv = try ServerProcess().start()
        for command in [["SAVE", "x"], ["BGSAVE", "x"], ["BGSAVE", "a", "b"], ["LASTSAVE", "x"]] {
            #expect(try kv.cli(command).output == redis.cli(command), "\(command)")
        }
        let script = "MULTI\nSAVE\nEXEC\n"
        let kvReplies = try Tool.run("redis-cli", ["-p", String(kv.port)], input: Data(script.utf8)).output
        let redisReplies = try Tool.run("redis-cli", ["-p", String(redis.port)], input: Data(script.utf8)).output
        #expect(kvReplies == redisReplies)
    }
}

/// SHUTDOWN: the graceful shutdown SIGTERM starts, from a client.
@Suite struct ShutdownCommandTests {
    @Test func shutdownStopsGracefullyAndSaveTakesASnapshotFirst() throws {
        let kv = try ServerProcess(arguments: ["--fsync", "everysec"]).start()
        try DurabilityTests.pipeKeys(kv, count: 200)
        #expect(try kv.cli(["SHUTDOWN", "SAVE", "NOSAVE"]).output == "ERR syntax error")
        #expect(try kv.cli(["SHUTDOWN", "ABORT"]).output == "ERR No shutdown in progress.")
        _ = try? kv.cli(["SHUTDOWN", "SAVE"])
        let status = try #require(kv.waitForExit(timeout: 20), "the server exits")
        #expect(status == 0)
        #expect(try PersistenceCommandTests.snapshots(of: kv) == ["snapshot-00000000000000000200.kvs"])
        #expect(kv.logText.contains("SHUTDOWN requested by a client"))
        try kv.start()
        #expect(try kv.redis("DBSIZE") == "200")
        _ = try? kv.cli(["SHUTDOWN"])
        #expect(try #require(kv.waitForExit(timeout: 20)) == 0)
    }
}
