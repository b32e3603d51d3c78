import Foundation
import Testing

/// A real `kv-server` process on free ports with its own data directory, for tests that
/// talk to it the way users do: redis-cli, redis-benchmark, curl.
final class ServerProcess: @unchecked Sendable {
    // @unchecked Sendable: `process` is replaced only by start/kill/restart, which a test
    // calls from one task.
    let port: Int
    let httpPort: Int
    let dataDirectory: URL
    let extraArguments: [String]
    let logFile: URL
    /// The pod name (`--hostname`): kv-0 is the primary, others replicas.
    let hostname: String
    private(set) var process: Process?

    /// The built `kv-server` next to the test bundle.
    static var executable: URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [bundle, bundle.deletingLastPathComponent(), bundle.deletingLastPathComponent().deletingLastPathComponent()]
        for directory in candidates {
            let url = directory.appendingPathComponent("kv-server")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        // `swift test` puts products in .build/debug; the test runner may live elsewhere.
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/kv-server")
    }

    /// The environment of the binaries the tests start: this process's, except that
    /// `KV_TEST_CHILD_ASAN_OPTIONS` (set by Tests/sanitizers.sh) becomes their `ASAN_OPTIONS`,
    /// so that kv-server and kv-cli check for leaks at exit while the test runner does not
    /// (see Tests/Sanitizers/README.md).
    static let childEnvironment: [String: String] = {
        var environment = ProcessInfo.processInfo.environment
        if let options = environment["KV_TEST_CHILD_ASAN_OPTIONS"] { environment["ASAN_OPTIONS"] = options }
        return environment
    }()

    /// The sanitizer the suite runs under (`KV_TEST_SANITIZER`, set by Tests/sanitizers.sh), or
    /// nil.
    static let sanitizer = ProcessInfo.processInfo.environment["KV_TEST_SANITIZER"]

    /// A command the server runs under (`setpriv` for another user, `nsenter` for another
    /// mount namespace): its path and arguments, the server's path and arguments follow.
    let launcher: [String]

    /// The CA certificate the clients (redis-cli, curl) verify the server with: set for a
    /// server started with TLS; they then speak TLS.
    let tlsCA: URL?

    /// `userID`: runs the server as this user (through `setpriv`) instead of the test's own.
    init(arguments: [String] = [], dataDirectory: URL? = nil, hostname: String = "kv-0", userID: Int? = nil,
         launcher: [String] = [], tlsCA: URL? = nil) throws {
        self.hostname = hostname
        self.tlsCA = tlsCA
        if let userID {
            self.launcher = launcher + ["/usr/bin/setpriv", "--reuid", String(userID), "--regid", String(userID), "--clear-groups"]
        } else {
            self.launcher = launcher
        }
        port = try Self.freePort()
        httpPort = try Self.freePort()
        self.dataDirectory = dataDirectory ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("kv-test-\(UUID().uuidString)")
        logFile = self.dataDirectory.deletingLastPathComponent()
            .appendingPathComponent(self.dataDirectory.lastPathComponent + ".log")
        extraArguments = arguments
    }

    /// Starts the server and waits until it answers PING.
    @discardableResult
    func start(extra: [String] = [], timeout: TimeInterval = 30) throws -> ServerProcess {
        let process = Process()
        process.executableURL = launcher.first.map { URL(fileURLWithPath: $0) } ?? Self.executable
        process.environment = Self.childEnvironment
        process.arguments = launcher.dropFirst() + (launcher.isEmpty ? [] : [Self.executable.path]) + [
            "--hostname", hostname, "--port", String(port), "--http-port", String(httpPort),
            "--bind", "127.0.0.1", "--data-dir", dataDirectory.path, "--threads", "2",
        ] + extraArguments + extra
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        try waitUntilServing(timeout: timeout)
        return self
    }

    /// Polls until the server answers PING (or fails the test after 30 s).
    func waitUntilServing(timeout: TimeInterval = 30) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let process, !process.isRunning {
                throw HarnessError("kv-server exited with \(process.terminationStatus): \(logText)")
            }
            if (try? cli(["PING"]).output) == "PONG" || (try? cli(["PING"]).output)?.hasPrefix("NOAUTH") == true { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw HarnessError("kv-server did not start serving within \(timeout) s: \(logText)")
    }

    /// SIGKILL, no chance to flush anything.
    func kill9() {
        guard let process else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    /// Waits for a server that ends by itself (DEBUG POWERLOSS); returns the signal that ended
    /// it (nil if it exited) and its status.
    func waitUntilExited(timeout: TimeInterval = 10) throws -> (signal: Int32?, status: Int32) {
        guard let process else { throw HarnessError("kv-server is not running") }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            guard Date() < deadline else { throw HarnessError("kv-server still runs after \(timeout) s: \(logText.suffix(2000))") }
            Thread.sleep(forTimeInterval: 0.02)
        }
        self.process = nil
        let signalled = process.terminationReason == .uncaughtSignal
        return (signalled ? process.terminationStatus : nil, process.terminationStatus)
    }

    /// SIGTERM and wait; returns the exit status.
    @discardableResult
    func terminate() -> Int32 {
        guard let process else { return -1 }
        process.terminate()
        process.waitUntilExit()
        self.process = nil
        return process.terminationStatus
    }

    /// Waits for the server to exit by itself (SHUTDOWN); its status, or nil after `timeout`.
    func waitForExit(timeout: TimeInterval) -> Int32? {
        guard let process else { return nil }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        guard !process.isRunning else { return nil }
        process.waitUntilExit()
        self.process = nil
        return process.terminationStatus
    }

    /// The server's log so far.
    var logText: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    deinit {
        if let process, process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: dataDirectory)
        try? FileManager.default.removeItem(at: logFile)
    }

    // MARK: - Real clients

    /// Runs `redis-cli -p PORT ARGS…` and returns its output without the final newline.
    func cli(_ arguments: [String], input: Data? = nil, extra: [String] = []) throws -> ToolResult {
        let tls = tlsCA.map { ["--tls", "--cacert", $0.path] } ?? []
        return try Tool.run("redis-cli", ["-p", String(port)] + tls + extra + arguments, input: input)
    }

    /// One command's output through redis-cli.
    func redis(_ arguments: String...) throws -> String {
        try cli(arguments).output
    }

    /// Runs curl against the HTTP port; returns status code, headers and body.
    func curl(_ method: String, _ path: String, body: Data? = nil, headers: [String] = []) throws -> HTTPResult {
        let scheme = tlsCA == nil ? "http" : "https"
        var arguments = ["-s", "-i", "-X", method, "\(scheme)://127.0.0.1:\(httpPort)\(path)"]
        if let tlsCA { arguments += ["--cacert", tlsCA.path] }
        for header in headers { arguments += ["-H", header] }
        if body != nil { arguments += ["--data-binary", "@-"] }
        let result = try Tool.run("curl", arguments, input: body)
        return HTTPResult(raw: result.output)
    }

    /// A port nobody listens on, for a server to bind a moment later. Taken below the
    /// kernel's ephemeral range (32768–60999 by default): a port from bind(0) is one of those,
    /// and an outgoing connection of any test could take it in the moment before the server
    /// binds it (seen in CI as "Address already in use"). Handed out in turn from a random
    /// start, so that tests running at once never get the same one; checked free by binding.
    static func freePort() throws -> Int {
        for _ in 0..<(portRange.count) {
            let candidate = portLock.withLock { () -> Int in
                defer { nextPort = nextPort + 1 < portRange.upperBound ? nextPort + 1 : portRange.lowerBound }
                return nextPort
            }
            if canBind(candidate) { return candidate }
        }
        throw HarnessError("no free port in \(portRange)")
    }

    private static let portRange = 20_000..<32_000
    private static let portLock = NSLock()
    nonisolated(unsafe) private static var nextPort = Int.random(in: portRange)

    private static func canBind(_ port: Int) -> Bool {
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
}

/// An external program's result.
struct ToolResult {
    var status: Int32
    var output: String
    var data: Data
}

/// Runs the tools users have (redis-cli, redis-benchmark, curl).
enum Tool {
    static func run(_ name: String, _ arguments: [String], input: Data? = nil, timeout: TimeInterval = 120) throws -> ToolResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [name] + arguments
        process.environment = ServerProcess.childEnvironment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let inputPipe = Pipe()
        process.standardInput = inputPipe
        try process.run()
        if let input { inputPipe.fileHandleForWriting.write(input) }
        try inputPipe.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        var text = String(decoding: data, as: UTF8.self)
        while text.hasSuffix("\n") { text.removeLast() }
        return ToolResult(status: process.terminationStatus, output: text, data: data)
    }
}

/// A parsed `curl -i` response.
struct HTTPResult {
    var status: Int = 0
    var headers: [String: String] = [:]
    var body: String = ""

    init(raw: String) {
        let normalized = raw.replacingOccurrences(of: "\r\n", with: "\n")
        let parts = normalized.components(separatedBy: "\n\n")
        let headLines = parts.first?.split(separator: "\n") ?? []
        if let statusLine = headLines.first {
            status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        for line in headLines.dropFirst() {
            if let colon = line.firstIndex(of: ":") {
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        body = parts.dropFirst().joined(separator: "\n\n")
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
