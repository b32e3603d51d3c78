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

        // --pods names the Redis-protocol ports; each pod says where its HTTP port is.
        let pods = "127.0.0.1:\(cluster.primary.port),127.0.0.1:\(replica.port)"
        let status = try Tool.run(Self.cli, ["status", "--pods", pods])
        let rows = status.output.split(separator: "\n").filter { $0.hasPrefix("kv-") }
        #expect(status.status == 0 && rows.count == 2, "\(status.output)")
        #expect(rows.first?.contains("primary") == true && rows.last?.contains("replica") == true)
        #expect(!status.output.contains("HTTP port"), "\(status.output)")

        let watch = try Tool.run(Self.cli, ["watch"] + onReplica + ["greeting", "--count", "3", "--interval", "0.05"])
        #expect(watch.output.split(separator: "\n") == ["kv-1  hello", "kv-1  hello", "kv-1  hello"], "\(watch.output)")

        #expect(try Tool.run(Self.cli, ["del"] + primary + ["greeting"]).output == "1")
    }

    @Test func statusAndCheckTakeTheRedisProtocolAddressesOfAPrimaryAndAReplica() throws {
        let cluster = try TestCluster()
        try cluster.startPrimary()
        try DurabilityTests.pipeKeys(cluster.primary, count: 100)
        let replica = try cluster.addReplica()
        try cluster.waitUntilConverged()
        let pods = "127.0.0.1:\(cluster.primary.port),127.0.0.1:\(replica.port)"

        let status = try Tool.run(Self.cli, ["status", "--pods", pods])
        let rows = status.output.split(separator: "\n").filter { $0.hasPrefix("kv-") }.map { $0.split(separator: " ").map(String.init) }
        #expect(status.status == 0, "\(status.output)")
        #expect(rows.map { Array($0.prefix(5)) } == [["kv-0", "primary", "yes", "100", "-"], ["kv-1", "replica", "yes", "100", "0"]],
                "\(status.output)")
        let check = try Tool.run(Self.cli, ["check", "--pods", pods])
        #expect(check.status == 0 && check.output.contains("all 2 pods hold the same data at LSN 100"), "\(check.output)")

        // A pod given by name takes --port; --http-port still overrides what the pod says.
        let byName = try Tool.run(Self.cli, ["status", "--pods", "127.0.0.1", "--port", String(replica.port),
                                             "--http-port", String(replica.httpPort)])
        #expect(byName.status == 0 && byName.output.contains("kv-1      replica"), "\(byName.output)")

        // Before, `status --pods` took HTTP ports: they still work, with a warning.
        let legacy = try Tool.run(Self.cli, ["status", "--pods", "127.0.0.1:\(cluster.primary.httpPort)"])
        #expect(legacy.status == 0 && legacy.output.contains("kv-0      primary"), "\(legacy.output)")
        #expect(legacy.output.contains("--pods takes the pods' Redis-protocol ports"), "\(legacy.output)")

        // A pod that does not answer is a row saying so; the others are shown.
        let gone = try ServerProcess.freePort()
        let partial = try Tool.run(Self.cli, ["status", "--pods", pods + ",127.0.0.1:\(gone)"])
        #expect(partial.status == 0 && partial.output.contains("unreachable: cannot connect to 127.0.0.1:\(gone)"), "\(partial.output)")
    }

    @Test func aWrongPasswordIsAClearError() throws {
        let server = try ServerProcess(arguments: ["--password", "right"]).start()
        let result = try Tool.run(Self.cli, ["get", "--host", "127.0.0.1", "--port", String(server.port), "--password", "wrong", "k"])
        #expect(result.status != 0)
        #expect(result.output.contains("refused AUTH: WRONGPASS"), "\(result.output)")
        let check = try Tool.run(Self.cli, ["check", "--pods", "127.0.0.1:\(server.port)", "--password", "right"])
        #expect(check.status == 0, "\(check.output)")
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
