import Foundation
import Testing

/// `kv-cli` against real servers: writes, reads, errors, the set's status, the read loop.
@Suite struct KVCLITests {
    static var cli: String {
        ServerProcess.executable.deletingLastPathComponent().appendingPathComponent("kv-cli").path
    }

    @Test func setGetDelStatusAndWatch() throws {
        let cluster = try TestCluster()
        try cluster.startPrimary()
        let replica = try cluster.addReplica()
        let primary = ["--host", "127.0.0.1", "--port", String(cluster.primary.port)]
        let onReplica = ["--host", "127.0.0.1", "--port", String(replica.port)]

        #expect(try Tool.run(Self.cli, ["set"] + primary + ["greeting", "hello"]).output == "OK")
        try cluster.waitUntilConverged()
        #expect(try Tool.run(Self.cli, ["get"] + onReplica + ["greeting"]).output == "hello")
        let refused = try Tool.run(Self.cli, ["set"] + onReplica + ["greeting", "bye"])
        #expect(refused.status == 1 && refused.output.hasPrefix("READONLY"), "\(refused.output)")
        let missing = try Tool.run(Self.cli, ["get"] + onReplica + ["nothing"])
        #expect(missing.status == 1 && missing.output == "(nil)")

        let pods = "127.0.0.1:\(cluster.primary.httpPort),127.0.0.1:\(replica.httpPort)"
        let status = try Tool.run(Self.cli, ["status", "--pods", pods])
        let rows = status.output.split(separator: "\n").filter { $0.hasPrefix("kv-") }
        #expect(status.status == 0 && rows.count == 2, "\(status.output)")
        #expect(rows.first?.contains("primary") == true && rows.last?.contains("replica") == true)

        let watch = try Tool.run(Self.cli, ["watch"] + onReplica + ["greeting", "--count", "3", "--interval", "0.05"])
        #expect(watch.output.split(separator: "\n") == ["kv-1  hello", "kv-1  hello", "kv-1  hello"], "\(watch.output)")

        #expect(try Tool.run(Self.cli, ["del"] + primary + ["greeting"]).output == "1")
    }

    @Test func unreachableServerIsAClearError() throws {
        let port = try ServerProcess.freePort()
        let result = try Tool.run(Self.cli, ["get", "--host", "127.0.0.1", "--port", String(port), "k"])
        #expect(result.status != 0)
        #expect(result.output.contains("cannot connect to 127.0.0.1:\(port)"), "\(result.output)")
    }

    @Test func checkComparesDigestsAtTheSameLSN() throws {
        let cluster = try TestCluster()
        try cluster.startPrimary()
        try DurabilityTests.pipeKeys(cluster.primary, count: 2000)
        let first = try cluster.addReplica()
        let second = try cluster.addReplica()
        try cluster.waitUntilConverged()
        let hosts = cluster.all.map { "127.0.0.1:\($0.port)" }.joined(separator: ",")
        let agree = try Tool.run(Self.cli, ["check", "--pods", hosts])
        #expect(agree.status == 0 && agree.output.contains("all 3 pods hold the same data at LSN 2000"), "\(agree.output)")
        #expect(try cluster.primary.redis("DEBUG", "DIGEST") == first.redis("DEBUG", "DIGEST"))
        #expect(try cluster.primary.redis("DEBUG", "DIGEST") == second.redis("DEBUG", "DIGEST"))

        // Another set with the same number of writes but other data: the check names it.
        let other = try ServerProcess().start()
        try DurabilityTests.pipeKeys(other, count: 2000, prefix: "other")
        let differ = try Tool.run(Self.cli, ["check", "--pods", "127.0.0.1:\(cluster.primary.port),127.0.0.1:\(other.port)"])
        #expect(differ.status == 1 && differ.output.contains("differ from 127.0.0.1:\(cluster.primary.port): 127.0.0.1:\(other.port)"), "\(differ.output)")
    }
}
