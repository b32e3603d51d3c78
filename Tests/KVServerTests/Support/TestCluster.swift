import Foundation
import Testing

/// A primary and replicas as real processes on loopback: kv-0, kv-1 … with `--primary` and
/// `--clone-from` pointing at each other's ports, as the local cluster script runs them.
final class TestCluster: @unchecked Sendable {
    // @unchecked Sendable: a test drives its cluster from one task.
    let primary: ServerProcess
    private(set) var replicas: [ServerProcess] = []
    let replicaArguments: [String]

    /// Every pod runs as `userID` when given (see `ServerProcess`).
    let userID: Int?

    init(primaryArguments: [String] = [], replicaArguments: [String] = [], userID: Int? = nil) throws {
        primary = try ServerProcess(arguments: primaryArguments, userID: userID)
        self.replicaArguments = replicaArguments
        self.userID = userID
    }

    var all: [ServerProcess] { [primary] + replicas }

    @discardableResult
    func startPrimary() throws -> ServerProcess { try primary.start() }

    /// Adds kv-N cloning from kv-(N-1) (or `cloneFrom`), and starts it; returns once it serves
    /// (a replica with an empty data directory serves once its clone is installed).
    @discardableResult
    func addReplica(cloneFrom: ServerProcess? = nil, extra: [String] = []) throws -> ServerProcess {
        let ordinal = replicas.count + 1
        let source = cloneFrom ?? all.last!
        let replica = try ServerProcess(
            arguments: ["--primary", "127.0.0.1:\(primary.port)", "--clone-from", "127.0.0.1:\(source.port)"] + replicaArguments + extra,
            hostname: "kv-\(ordinal)",
            userID: userID
        )
        replicas.append(replica)
        try replica.start()
        return replica
    }

    /// The applied LSN a pod reports (`master_repl_offset`).
    static func lsn(of server: ServerProcess) throws -> UInt64 {
        let info = try server.redis("INFO", "replication")
        for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix("master_repl_offset:") {
            return UInt64(line.dropFirst("master_repl_offset:".count).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        throw HarnessError("no master_repl_offset in INFO replication: \(info)")
    }

    /// Waits until every running replica has applied the primary's LSN.
    func waitUntilConverged(timeout: TimeInterval = 30) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let target = try Self.lsn(of: primary)
            if try replicas.filter({ $0.process != nil }).allSatisfy({ try Self.lsn(of: $0) == target }) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let positions = try all.map { "\($0.hostname): \(try Self.lsn(of: $0))" }
        throw HarnessError("replicas did not converge within \(timeout) s: \(positions)")
    }

    /// Every key with its value and absolute expiry, as `KEYS`, `MGET` and `PEXPIRETIME` see them.
    static func contents(of server: ServerProcess) throws -> [String: String] {
        let keys = try server.cli(["--scan", "--count", "1000"]).output.split(separator: "\n").map(String.init)
        var result: [String: String] = [:]
        for start in stride(from: 0, to: keys.count, by: 500) {
            let chunk = Array(keys[start..<min(start + 500, keys.count)])
            let values = try server.cli(["MGET"] + chunk).output.split(separator: "\n", omittingEmptySubsequences: false)
            var script = ""
            for key in chunk { script += "PEXPIRETIME \(key)\n" }
            let expiries = try server.cli([], input: Data(script.utf8)).output.split(separator: "\n", omittingEmptySubsequences: false)
            for (index, key) in chunk.enumerated() {
                let value = index < values.count ? String(values[index]) : "<missing>"
                let expiry = index < expiries.count ? String(expiries[index]) : "<missing>"
                result[key] = value + " @" + expiry
            }
        }
        return result
    }

    /// Checks that every running pod holds exactly the primary's keys, values and expiries.
    func expectIdenticalData(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = try Self.contents(of: primary)
        for replica in replicas where replica.process != nil {
            let actual = try Self.contents(of: replica)
            let missing = expected.keys.filter { actual[$0] == nil }
            let extra = actual.keys.filter { expected[$0] == nil }
            let different = expected.keys.filter { actual[$0] != nil && actual[$0] != expected[$0] }
            #expect(missing.isEmpty && extra.isEmpty && different.isEmpty,
                    "\(replica.hostname): \(missing.count) missing (e.g. \(missing.prefix(3))), \(extra.count) extra, \(different.count) different (e.g. \(different.prefix(3).map { "\($0): \(expected[$0]!) vs \(actual[$0]!)" }))",
                    sourceLocation: sourceLocation)
        }
    }

    /// A field of `INFO` (any section).
    static func info(_ server: ServerProcess, _ field: String) throws -> String? {
        let info = try server.redis("INFO", "everything")
        for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix(field + ":") {
            return String(line.dropFirst(field.count + 1)).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }
}

/// Writes `SET w<writer>:<n> v<n>` in a loop on its own connections, recording every write
/// the server acknowledged, until stopped (or the server goes away).
final class BackgroundWriter: @unchecked Sendable {
    // @unchecked Sendable: `stopped` and `acknowledged` are thread-safe; threads are started once.
    let acknowledged = Acknowledged()
    private let stopped = NSLock()
    private var isStopped = false
    private var threads: [Thread] = []
    private let done = DispatchGroup()

    init(port: Int, writers: Int = 2, prefix: String = "w") {
        for writer in 0..<writers {
            done.enter()
            let thread = Thread { [self] in
                defer { done.leave() }
                guard let connection = try? RawConnection(port: port) else { return }
                var index = 0
                while !shouldStop {
                    let key = "\(prefix)\(writer):\(index)"
                    connection.send(DurabilityTests.setCommand(key, "v\(index)", ex: index % 5 == 0 ? 100_000 : nil))
                    guard connection.read(until: "\r\n") == "+OK\r\n" else { return }
                    acknowledged.append(key)
                    index += 1
                }
            }
            threads.append(thread)
        }
        threads.forEach { $0.start() }
    }

    private var shouldStop: Bool {
        stopped.lock()
        defer { stopped.unlock() }
        return isStopped
    }

    /// Stops the writers and waits for them.
    func stop() {
        stopped.lock()
        isStopped = true
        stopped.unlock()
        done.wait()
    }
}
