import Foundation
import Testing
@testable import KVServer

/// The pod name decides the role; a name without an ordinal is a usage error (exit 2).
@Suite struct StartupTests {
    @Test(arguments: [
        ("kv-0", "kv", 0), ("kv-12", "kv", 12), ("orders-db-3", "orders-db", 3),
        ("kv-1.kv.default.svc.cluster.local", "kv", 1),
    ])
    func podNamesParse(name: String, set: String, ordinal: Int) throws {
        let identity = try #require(PodIdentity(podName: name))
        #expect(identity.setName == set)
        #expect(identity.ordinal == ordinal)
        #expect(identity.role == (ordinal == 0 ? .primary : .replica))
    }

    @Test(arguments: ["kv", "kv-", "-0", "kv-x", "kv-01", "kv--1", "", "kv-1a"])
    func namesWithoutOrdinalAreRejected(name: String) {
        #expect(PodIdentity(podName: name) == nil)
    }

    @Test func environmentSuppliesAbsentFlags() {
        let arguments = EnvironmentDefaults.apply(
            to: ["--port", "7000"],
            environment: ["KV_PORT": "9999", "KV_DATA_DIR": "/data", "KV_FSYNC": "no", "OTHER": "x"]
        )
        #expect(arguments == ["--port", "7000", "--data-dir", "/data", "--fsync", "no"])
    }

    @Test(arguments: [("0", 0), ("1048576", 1 << 20), ("100kb", 100 << 10), ("512MB", 512 << 20), ("2g", 2 << 30), ("7b", 7)])
    func sizesReadAsRedisWritesThem(_ text: String, _ bytes: Int) {
        #expect(ByteSizeText.parse(text) == bytes)
    }

    @Test(arguments: ["", "mb", "-1mb", "1.5gb", "10 mb", "99999999999999gb"])
    func badSizesAreRefused(_ text: String) {
        #expect(ByteSizeText.parse(text) == nil)
    }

    @Test func durationsReadWithTheirUnits() {
        #expect(DurationText.parse("500ms") == .milliseconds(500))
        #expect(DurationText.parse("30s") == .seconds(30))
        #expect(DurationText.parse("5m") == .seconds(300))
        #expect(DurationText.parse("2.5") == .milliseconds(2500))
        #expect(DurationText.parse("soon") == nil)
        #expect(DurationText.parse("-1s") == nil)
    }

    @Test func everyFlagWithAValueHasAnEnvironmentVariable() throws {
        let help = try Tool.run(ServerProcess.executable.path, ["--help"]).output
        let flags = Set(help.split(whereSeparator: \.isWhitespace).compactMap { word -> String? in
            let flag = word.trimmingCharacters(in: CharacterSet(charactersIn: ".,;:()"))
            guard flag.hasPrefix("--"), !["--help", "--version"].contains(flag) else { return nil }
            return String(flag.dropFirst(2))
        })
        #expect(flags.count > 20)
        #expect(flags.subtracting(EnvironmentDefaults.flags).isEmpty, "flags without a KV_ variable: \(flags.subtracting(EnvironmentDefaults.flags))")
        for flag in flags { #expect(help.contains(EnvironmentDefaults.variable(for: flag)), "--\(flag)'s help names its variable") }
    }

    @Test func hostnameWithoutOrdinalExits2NamingTheFlag() throws {
        let result = try Tool.run(ServerProcess.executable.path, ["--hostname", "myhost", "--data-dir", "/tmp/kv-never"])
        #expect(result.status == 2)
        #expect(result.output.contains("--hostname"))
    }

    @Test func badDurationFlagExits2NamingTheFlag() throws {
        let result = try Tool.run(ServerProcess.executable.path, ["--hostname", "kv-1", "--clone-timeout", "soon", "--data-dir", "/tmp/kv-never"])
        #expect(result.status == 2)
        #expect(result.output.contains("--clone-timeout"))
    }

    @Test func environmentVariablesAreRead() throws {
        let result = try Tool.run("env", ["KV_HOSTNAME=nohost", ServerProcess.executable.path])
        #expect(result.status == 2)
        #expect(result.output.contains("nohost"))
    }

    @Test func secondServerOnTheSameDataDirectoryIsRefused() throws {
        let first = try ServerProcess().start()
        let second = try ServerProcess(dataDirectory: first.dataDirectory)
        #expect(throws: HarnessError.self) { try second.start() }
        #expect(second.logText.contains("in use"))
    }

    /// A port in use is named with its flag, in words: no Swift function names, no errno dump.
    @Test(arguments: ["--port", "--http-port"])
    func aPortInUseIsNamedWithItsFlag(flag: String) throws {
        let first = try ServerProcess().start()
        let port = flag == "--port" ? first.port : first.httpPort
        let other = try ServerProcess.freePort()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kv-port-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let ports = flag == "--port" ? ["--port", String(port), "--http-port", String(other)] : ["--port", String(other), "--http-port", String(port)]
        let result = try Tool.run(ServerProcess.executable.path, ["--hostname", "kv-0", "--bind", "127.0.0.1", "--data-dir", directory.path] + ports)
        #expect(result.status != 0)
        #expect(result.output.contains("cannot listen on 127.0.0.1:\(port) (\(flag)): Address already in use"), "\(result.output)")
        #expect(!result.output.contains("bind(descriptor"), "\(result.output)")
    }
}
