import Foundation

/// A small tmpfs in a private mount namespace, held open by a `sleep`: a server started
/// through `launcher` writes to it and sees it fill up; the test's own namespace (and the
/// host) never sees the mount. Needs root, `unshare` and `nsenter` (util-linux).
final class SmallDisk {
    let path: URL
    private let holder: Process

    static var isAvailable: Bool {
        getuid() == 0 && ["/usr/bin/unshare", "/usr/bin/nsenter"].allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A disk of `bytes`, with `ballast` of them taken by a file `freeBallast()` deletes.
    init(bytes: Int, ballast: Int) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("kv-disk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: path, withIntermediateDirectories: true)
        holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        holder.arguments = ["--mount", "--propagation", "private", "sh", "-c", """
            mount -t tmpfs -o size=\(bytes) tmpfs "$0" && head -c \(ballast) /dev/zero > "$0/ballast" \
            && touch "$0/ready" && exec sleep 3600
            """, path.path]
        try holder.run()
        let deadline = Date().addingTimeInterval(10)
        while (try? run(["test", "-f", path.appendingPathComponent("ready").path]).status) != 0 {
            guard holder.isRunning, Date() < deadline else { throw HarnessError("could not mount a tmpfs at \(path.path)") }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// The prefix that runs a command inside the disk's mount namespace.
    var launcher: [String] { ["/usr/bin/nsenter", "-t", String(holder.processIdentifier), "-m", "--"] }

    /// Runs a command inside the disk's mount namespace.
    @discardableResult
    func run(_ arguments: [String]) throws -> ToolResult {
        try Tool.run("nsenter", ["-t", String(holder.processIdentifier), "-m", "--"] + arguments)
    }

    /// Space returns: the ballast file is deleted.
    func freeBallast() throws {
        try run(["rm", "-f", path.appendingPathComponent("ballast").path])
    }

    deinit {
        kill(holder.processIdentifier, SIGKILL)
        holder.waitUntilExit()
        try? FileManager.default.removeItem(at: path)
    }
}
