import Foundation
import Testing

/// No acknowledged write is lost: kill -9 the server and restart it on the same directory.
@Suite struct DurabilityTests {
    /// RESP for `SET key value [EX seconds]`.
    static func setCommand(_ key: String, _ value: String, ex: Int? = nil) -> String {
        var parts = ["SET", key, value]
        if let ex { parts += ["EX", String(ex)] }
        return "*\(parts.count)\r\n" + parts.map { "$\($0.utf8.count)\r\n\($0)\r\n" }.joined()
    }

    /// Writes `count` keys through `redis-cli --pipe`, which returns once every reply came.
    static func pipeKeys(_ kv: ServerProcess, count: Int, prefix: String = "key") throws {
        var input = ""
        for index in 0..<count {
            input += setCommand("\(prefix):\(index)", "value-\(index)", ex: index % 3 == 0 ? 100_000 : nil)
        }
        let result = try kv.cli(["--pipe"], input: Data(input.utf8))
        #expect(result.output.contains("errors: 0, replies: \(count)"), "\(result.output)")
    }

    static func checkKeys(_ kv: ServerProcess, count: Int, prefix: String = "key") throws {
        #expect(try kv.redis("DBSIZE") == String(count))
        for index in stride(from: 0, to: count, by: max(1, count / 200)) {
            #expect(try kv.redis("GET", "\(prefix):\(index)") == "value-\(index)")
            let ttl = Int(try kv.redis("TTL", "\(prefix):\(index)")) ?? -99
            if index % 3 == 0 {
                #expect(ttl > 99_000, "key \(index) lost its TTL")
            } else {
                #expect(ttl == -1)
            }
        }
    }

    @Test(arguments: ["always", "everysec", "no"])
    func acknowledgedWritesSurviveKill9(fsync: String) throws {
        let kv = try ServerProcess(arguments: ["--fsync", fsync]).start()
        try Self.pipeKeys(kv, count: 5000)
        kv.kill9()
        try kv.start()
        try Self.checkKeys(kv, count: 5000)
    }

    /// A writer records each acknowledged write while the server is killed under it.
    @Test func killedMidStreamLosesNothingAcknowledged() throws {
        let kv = try ServerProcess(arguments: ["--fsync", "always"]).start()
        let acknowledged = Acknowledged()
        let writers = (0..<4).map { writer in
            Thread {
                guard let connection = try? RawConnection(port: kv.port) else { return }
                for index in 0..<1_000_000 {
                    let key = "w\(writer):\(index)"
                    connection.send(Self.setCommand(key, "v\(index)"))
                    guard connection.read(until: "\r\n") == "+OK\r\n" else { return }
                    acknowledged.append(key)
                }
            }
        }
        writers.forEach { $0.start() }
        Thread.sleep(forTimeInterval: 1.0)
        kv.kill9()
        Thread.sleep(forTimeInterval: 0.2)
        let keys = acknowledged.keys
        #expect(keys.count > 100, "the writers got too few acknowledgements to mean anything")
        try kv.start()
        var missing: [String] = []
        for chunk in stride(from: 0, to: keys.count, by: 500).map({ Array(keys[$0..<min($0 + 500, keys.count)]) }) {
            let values = try kv.cli(["MGET"] + chunk).output.split(separator: "\n", omittingEmptySubsequences: false)
            for (key, value) in zip(chunk, values) where value.isEmpty { missing.append(key) }
        }
        #expect(missing.isEmpty, "\(missing.count) of \(keys.count) acknowledged writes lost, e.g. \(missing.prefix(5))")
    }

    @Test func garbageAppendedToTheNewestSegmentIsCutOff() throws {
        let kv = try ServerProcess().start()
        try Self.pipeKeys(kv, count: 3000)
        kv.kill9()
        let segment = try Self.newestSegment(in: kv.dataDirectory)
        let handle = try FileHandle(forWritingTo: segment)
        handle.seekToEndOfFile()
        var generator = SystemRandomNumberGenerator()
        handle.write(Data((0..<777).map { _ in UInt8.random(in: 0...255, using: &generator) }))
        try handle.close()
        try kv.start()
        try Self.checkKeys(kv, count: 3000)
        #expect(kv.logText.contains("warning"), "the torn tail should be reported")
        #expect(try kv.redis("SET", "after", "restart") == "OK")
        kv.kill9()
        try kv.start()
        #expect(try kv.redis("GET", "after") == "restart")
    }

    @Test func corruptionInsideTheLogStopsStartupNamingTheFile() throws {
        let kv = try ServerProcess().start()
        try Self.pipeKeys(kv, count: 2000)
        kv.kill9()
        let segment = try Self.newestSegment(in: kv.dataDirectory)
        var bytes = try Data(contentsOf: segment)
        let offset = bytes.count / 3
        bytes[offset] ^= 0xFF
        try bytes.write(to: segment)
        #expect(throws: HarnessError.self) { try kv.start() }
        #expect(kv.logText.contains(segment.lastPathComponent), "the error names the file: \(kv.logText.suffix(500))")
    }

    @Test func sigtermFlushesAndExitsZero() throws {
        let kv = try ServerProcess(arguments: ["--fsync", "no"]).start()
        try Self.pipeKeys(kv, count: 1000)
        #expect(kv.terminate() == 0)
        try kv.start()
        try Self.checkKeys(kv, count: 1000)
    }

    @Test func snapshotsCompactTheLogAndRecoveryUsesThem() throws {
        let kv = try ServerProcess(arguments: ["--snapshot-after-bytes", "100000", "--log-segment-bytes", "65536"]).start()
        try Self.pipeKeys(kv, count: 4000, prefix: "a")
        try Self.pipeKeys(kv, count: 4000, prefix: "a")
        Thread.sleep(forTimeInterval: 1.0)
        let snapshots = try FileManager.default.contentsOfDirectory(atPath: kv.dataDirectory.appendingPathComponent("snapshots").path)
        #expect(snapshots.contains { $0.hasSuffix(".kvs") }, "a snapshot was taken: \(snapshots)")
        kv.kill9()
        try kv.start()
        try Self.checkKeys(kv, count: 4000, prefix: "a")
    }

    static func newestSegment(in directory: URL) throws -> URL {
        let logDirectory = directory.appendingPathComponent("log")
        let names = try FileManager.default.contentsOfDirectory(atPath: logDirectory.path).filter { !$0.hasSuffix(".tmp") }.sorted()
        guard let last = names.last else { throw HarnessError("no log segment in \(logDirectory.path)") }
        return logDirectory.appendingPathComponent(last)
    }
}

/// Keys whose writes were acknowledged, appended from several threads.
final class Acknowledged: @unchecked Sendable {
    // @unchecked Sendable: `lock` guards `storage`.
    private let lock = NSLock()
    private var storage: [String] = []

    func append(_ key: String) { lock.lock(); storage.append(key); lock.unlock() }

    var keys: [String] { lock.lock(); defer { lock.unlock() }; return storage }
}
