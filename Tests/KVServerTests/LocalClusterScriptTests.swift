import Foundation
import Testing

/// `docker/local-cluster.sh` end to end, as a user drives it: the real kv-server and kv-cli,
/// redis-cli for the data, the script in the foreground for `up` and from "another terminal"
/// for everything else. Its cluster lives in a temporary directory, on ports below the
/// ephemeral range, so it meets neither `.local-cluster/` nor the other tests' servers.
@Suite struct LocalClusterScriptTests {
    @Test func upAddStatusKillRestartStopUpAgainAndHangUp() throws {
        let cluster = try ScriptedCluster()
        defer { cluster.tearDown() }

        // Started with KV_BIN: every later command must use that binary without being told.
        var up = try cluster.up(environment: ["KV_BIN": ServerProcess.executable.path, "REPLICAS": "1"])
        try cluster.waitForOutput(of: up, containing: "Ctrl-C stops it")  // the banner's last line
        #expect(try cluster.redis(0, "SET", "greeting", "hello") == "OK")

        let added = try cluster.run("add")
        #expect(added.status == 0 && added.output.contains("kv-2 (replica): redis-cli -p \(cluster.port + 2)"), "\(added.output)")
        #expect(try cluster.redis(2, "GET", "greeting") == "hello")

        let status = try cluster.run("status")
        let rows = status.output.split(separator: "\n").map(String.init)
        #expect(status.status == 0, "\(status.output)")
        #expect(rows.contains { $0.hasPrefix("kv-0 ") && $0.contains("primary") }, "\(status.output)")
        #expect(rows.contains { $0.hasPrefix("kv-1 ") && $0.contains("replica") }, "\(status.output)")
        #expect(rows.contains { $0.hasPrefix("kv-2 ") && $0.contains("replica") }, "\(status.output)")

        // kill -9 one replica, write while it is down, bring it back on its data.
        let killedPID = try cluster.recordedPID(1)
        let killed = try cluster.run("kill", "1")
        #expect(killed.status == 0 && killed.output.contains("killed kv-1"), "\(killed.output)")
        #expect(!ScriptedCluster.isRunning(killedPID))
        #expect(try cluster.run("status").output.contains("127.0.0.1:\(cluster.port + 1) unreachable"))
        #expect(try cluster.redis(0, "SET", "while-down", "kept") == "OK")
        let restarted = try cluster.run("restart", "1")
        #expect(restarted.status == 0, "\(restarted.output)")
        #expect(try cluster.redis(1, "GET", "greeting") == "hello")
        try cluster.waitUntil(pod: 1, has: "while-down", "kept")
        // On its data: the clone of its first start was its only one.
        let log = try cluster.log(of: 1)
        #expect(log.components(separatedBy: "clone installed").count == 2, "\(log)")
        #expect(try cluster.run("restart", "7").status != 0)  // no such pod

        // `stop` from another terminal: the pods stop, and so does the foreground `up`.
        let pids = try (0...2).map { try cluster.recordedPID($0) }
        let stopped = try cluster.run("stop")
        #expect(stopped.status == 0, "\(stopped.output)")
        #expect(pids.allSatisfy { !ScriptedCluster.isRunning($0) })
        try cluster.waitForExit(of: up)
        #expect(up.terminationStatus == 0)

        // Up again, with no settings: the three pods, on their data, with the same binary.
        up = try cluster.up(environment: [:])
        try cluster.waitForOutput(of: up, containing: "Ctrl-C stops it")  // the banner's last line
        #expect(try cluster.output(of: up).contains("kv-2 (replica)"))
        #expect(try cluster.redis(2, "GET", "while-down") == "kept")
        #expect(try cluster.redis(1, "GET", "greeting") == "hello")

        // Closing the terminal (SIGHUP to the foreground script) stops every pod.
        let running = try (0...2).map { try cluster.recordedPID($0) }
        kill(up.processIdentifier, SIGHUP)
        try cluster.waitForExit(of: up)
        let hungUp = try cluster.output(of: up)
        #expect(up.terminationStatus == 0 && hungUp.contains("stopped"), "\(hungUp)")
        #expect(running.allSatisfy { !ScriptedCluster.isRunning($0) })
        #expect((try? cluster.redis(0, "PING")) != "PONG")
    }
}

/// One cluster of the script: its directory, ports, and the processes the test started.
final class ScriptedCluster: @unchecked Sendable {
    // @unchecked Sendable: used from one test's task only.
    let root: URL
    let port: Int
    let httpPort: Int
    /// Where each `up` process's output goes, by PID.
    private var outputs: [pid_t: URL] = [:]

    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docker/local-cluster.sh").path

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("kv-local-cluster-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        // Pod N takes PORT+N and HTTP_PORT+N: find four free ones of each below 32768, where
        // the kernel hands out no ephemeral ports (the other tests' servers use those).
        var found: (Int, Int)?
        for _ in 0..<200 {
            let base = Int.random(in: 20_000..<28_000)
            let http = base + 4000
            if (0..<4).allSatisfy({ Self.isFree(base + $0) && Self.isFree(http + $0) }) {
                found = (base, http)
                break
            }
        }
        guard let found else { throw HarnessError("no free ports for the local cluster") }
        (port, httpPort) = found
    }

    /// The script's environment: the test's, without any KV_* the user may have set, plus
    /// the cluster's directory and ports.
    func environment(_ extra: [String: String]) -> [String: String] {
        var environment = ServerProcess.childEnvironment.filter { !$0.key.hasPrefix("KV_") || $0.key.hasPrefix("KV_TEST") }
        for key in ["REPLICAS", "FSYNC", "PORT", "HTTP_PORT"] { environment[key] = nil }
        environment["ROOT"] = root.path
        environment["PORT"] = String(port)
        environment["HTTP_PORT"] = String(httpPort)
        return environment.merging(extra) { $1 }
    }

    /// `local-cluster.sh up` in the background, as a user's foreground terminal: its output
    /// goes to up-N.out.
    func up(environment extra: [String: String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["bash", Self.script, "up"]
        process.environment = environment(extra)
        let file = root.appendingPathComponent("up-\(outputs.count + 1).out")
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        let handle = try FileHandle(forWritingTo: file)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        // A child starts with its parent thread's signal mask, and the test's thread blocks
        // most signals (a Dispatch worker's): start `up` as a terminal's shell would, with none
        // blocked, or the SIGHUP below would wait forever.
        var none = sigset_t()
        var saved = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        try process.run()
        try handle.close()
        outputs[process.processIdentifier] = file
        return process
    }

    func output(of process: Process) throws -> String {
        guard let file = outputs[process.processIdentifier] else { throw HarnessError("not an up process") }
        return try String(contentsOf: file, encoding: .utf8)
    }

    func waitForOutput(of process: Process, containing text: String, timeout: TimeInterval = 120) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try output(of: process).contains(text) { return }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw HarnessError("no '\(text)' from local-cluster.sh up: \(try output(of: process))\n\(podLogs())")
    }

    func waitForExit(of process: Process, timeout: TimeInterval = 60) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if process.isRunning { throw HarnessError("local-cluster.sh up did not exit: \(try output(of: process))") }
    }

    /// Runs `local-cluster.sh ARGS…` to the end, as from another terminal (no KV_BIN).
    func run(_ arguments: String..., timeout: TimeInterval = 120) throws -> ToolResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["bash", Self.script] + arguments
        process.environment = environment([:])
        // A file, not a pipe: a pod the command starts must not hold the test's pipe open.
        let file = root.appendingPathComponent("command.out")
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        let handle = try FileHandle(forWritingTo: file)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try handle.close()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            process.terminate()
            let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            throw HarnessError("local-cluster.sh \(arguments.joined(separator: " ")) did not finish: \(text)\n\(podLogs())")
        }
        var text = try String(contentsOf: file, encoding: .utf8)
        while text.hasSuffix("\n") { text.removeLast() }
        return ToolResult(status: process.terminationStatus, output: text, data: Data(text.utf8))
    }

    func redis(_ ordinal: Int, _ arguments: String...) throws -> String {
        try Tool.run("redis-cli", ["-p", String(port + ordinal)] + arguments).output
    }

    func waitUntil(pod ordinal: Int, has key: String, _ value: String, timeout: TimeInterval = 30) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? redis(ordinal, "GET", key)) == value { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw HarnessError("kv-\(ordinal) never had \(key)=\(value)\n\(podLogs())")
    }

    /// The PID the script recorded for pod N.
    func recordedPID(_ ordinal: Int) throws -> pid_t {
        let text = try String(contentsOf: root.appendingPathComponent("kv-\(ordinal).pid"), encoding: .utf8)
        guard let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw HarnessError("kv-\(ordinal).pid holds '\(text)'")
        }
        return pid
    }

    func log(of ordinal: Int) throws -> String {
        try String(contentsOf: root.appendingPathComponent("kv-\(ordinal).log"), encoding: .utf8)
    }

    private func podLogs() -> String {
        (0..<4).compactMap { try? "kv-\($0).log:\n" + log(of: $0).suffix(2000) }.joined(separator: "\n")
    }

    /// Alive and not a zombie (a pod whose parent script has gone is reaped by whoever
    /// adopted it, maybe later).
    static func isRunning(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        return !stat[close...].hasPrefix(") Z")
    }

    static func isFree(_ port: Int) -> Bool {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// After a failure too: the script stops what runs; a pod it could not stop is killed by
    /// its recorded PID. Then the directory goes.
    func tearDown() {
        _ = try? run("stop", timeout: 60)
        for ordinal in 0..<4 {
            if let pid = try? recordedPID(ordinal), Self.isRunning(pid),
               let arguments = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8),
               arguments.contains(root.path) {
                kill(pid, SIGKILL)
            }
        }
        try? FileManager.default.removeItem(at: root)
    }
}
