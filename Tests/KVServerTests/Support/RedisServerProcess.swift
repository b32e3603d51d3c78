import Foundation

/// A real redis-server on a free port, to compare kv's answers with.
final class RedisServerProcess: @unchecked Sendable {
    // @unchecked Sendable: the process is started once and killed in deinit.
    let port: Int
    private let process: Process
    private let directory: URL

    static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/redis-server")
    }

    init() throws {
        port = try ServerProcess.freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
        process.arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if (try? Tool.run("redis-cli", ["-p", String(port), "PING"]).output) == "PONG" { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw HarnessError("redis-server did not start")
    }

    func cli(_ arguments: [String]) throws -> String {
        try Tool.run("redis-cli", ["-p", String(port)] + arguments).output
    }

    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }
}
