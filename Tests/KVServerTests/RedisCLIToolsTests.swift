import Foundation
import Testing

/// redis-cli's operator modes against kv, beside a real redis-server holding the same small
/// dataset of every type: --memkeys, --bigkeys, --hotkeys (an error without an LFU policy, as
/// on Redis), --scan --pattern, MONITOR, --latency, --latency-history and --stat. The modes
/// that loop forever run for a few seconds and their output is read.
@Suite struct RedisCLIToolsTests {
    static let dataset = """
        SET s hello
        RPUSH l a b c
        SADD st a b
        HSET h f v g w
        ZADD z 1 a 2 b
        SET other \(String(repeating: "x", count: 200))
        """

    /// Runs redis-cli with `arguments` for `seconds` (line-buffered, so what it printed is
    /// kept when it is stopped), running `during` on another thread 0.7 s in; returns its
    /// output. Stopped with SIGKILL: the test runner's children inherit a signal mask that
    /// blocks SIGTERM and SIGALRM (so neither `terminate()` nor `timeout` stops them).
    static func run(port: Int, _ arguments: [String], for seconds: Double,
                    during: (@Sendable () -> Void)? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["stdbuf", "-oL", "redis-cli", "-p", String(port)] + arguments
        process.environment = ServerProcess.childEnvironment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        if let during { DispatchQueue.global().asyncAfter(deadline: .now() + 0.7, execute: during) }
        Thread.sleep(forTimeInterval: seconds)
        kill(process.processIdentifier, SIGKILL)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// The lines of a --memkeys or --bigkeys summary: "N <type>s with …" and "Biggest …".
    static func summary(_ output: String) -> [String] {
        output.split(separator: "\n").map(String.init).filter { $0.hasPrefix("Biggest") || $0.range(of: #"^\d+ \w+ with "#, options: .regularExpression) != nil }
    }

    @Test func keyToolsWorkAsOnRedis() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let redis = try RedisServerProcess()
        let kv = try ServerProcess().start()
        for port in [kv.port, redis.port] {
            _ = try Tool.run("redis-cli", ["-p", String(port)], input: Data(Self.dataset.utf8))
        }
        // --bigkeys: the same biggest keys and counts (sizes in elements, not bytes).
        let kvBig = try kv.cli(["--bigkeys"])
        let redisBig = try Tool.run("redis-cli", ["-p", String(redis.port), "--bigkeys"])
        #expect(kvBig.status == 0)
        #expect(Self.summary(kvBig.output) == Self.summary(redisBig.output), "\(kvBig.output)")
        // --memkeys: MEMORY USAGE is kv's own estimate, so the byte counts differ; the keys
        // found and the counts per type match.
        let kvMem = try kv.cli(["--memkeys"])
        let redisMem = try Tool.run("redis-cli", ["-p", String(redis.port), "--memkeys"])
        #expect(kvMem.status == 0)
        let shape = { (lines: [String]) in lines.map { $0.replacing(/\d+ bytes/, with: "_ bytes").replacing(/\d+\.\d+/, with: "_") } }
        #expect(shape(Self.summary(kvMem.output)) == shape(Self.summary(redisMem.output)), "\(kvMem.output)")
        #expect(Self.summary(kvMem.output).count == 11, "\(kvMem.output)")
        // --hotkeys needs OBJECT FREQ, which needs an LFU policy: both refuse with Redis's error.
        let kvHot = try kv.cli(["--hotkeys"])
        let redisHot = try Tool.run("redis-cli", ["-p", String(redis.port), "--hotkeys"])
        #expect(kvHot.status == redisHot.status && kvHot.status != 0)
        #expect(kvHot.output.contains("ERR An LFU maxmemory policy is not selected"), "\(kvHot.output)")
        // --scan --pattern.
        let kvScan = Set(try kv.cli(["--scan", "--pattern", "*t*"]).output.split(separator: "\n"))
        let redisScan = Set(try Tool.run("redis-cli", ["-p", String(redis.port), "--scan", "--pattern", "*t*"]).output.split(separator: "\n"))
        #expect(kvScan == redisScan && kvScan == ["st", "other"])
    }

    @Test func monitorThroughRedisCLI() throws {
        let kv = try ServerProcess().start()
        let port = kv.port
        let output = try Self.run(port: port, ["MONITOR"], for: 2) {
            _ = try? Tool.run("redis-cli", ["-p", String(port), "SET", "watched", "1"])
        }
        let lines = output.split(separator: "\n")
        #expect(lines.first == "OK", "\(output)")
        #expect(lines.contains { $0.range(of: #"^\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "SET" "watched" "1"$"#, options: .regularExpression) != nil
            || $0.range(of: #"^\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "set" "watched" "1"$"#, options: .regularExpression) != nil }, "\(output)")
    }

    @Test func latencyModes() throws {
        let kv = try ServerProcess().start()
        // --latency, not on a terminal: one line "min max avg samples" when stopped or done.
        let latency = try Self.run(port: kv.port, ["--latency", "--raw"], for: 2.5)
        #expect(latency.range(of: #"(?m)^\d+ \d+ \d+\.\d{2} \d+$"#, options: .regularExpression) != nil, "\(latency)")
        // --latency-history -i 1: a line per interval.
        let history = try Self.run(port: kv.port, ["--latency-history", "-i", "1"], for: 3)
        let lines = history.split(separator: "\n").filter { $0.range(of: #"^\d+ \d+ \d+\.\d{2} \d+$"#, options: .regularExpression) != nil }
        #expect(lines.count >= 2, "\(history)")
    }

    @Test func statMode() throws {
        let kv = try ServerProcess().start()
        _ = try Tool.run("redis-cli", ["-p", String(kv.port)], input: Data(Self.dataset.utf8))
        let output = try Self.run(port: kv.port, ["--stat", "-i", "0.5"], for: 2)
        let lines = output.split(separator: "\n")
        #expect(lines.first?.hasPrefix("------- data ------") == true, "\(output)")
        // keys, mem, clients, blocked, requests (+delta), connections: one row per interval.
        let rows = lines.filter { $0.range(of: #"^6\s+\d+(\.\d+)?[BKMG]?\s+\d+\s+\d+\s+\d+ \(\+\d+\)\s+\d+"#, options: .regularExpression) != nil }
        #expect(rows.count >= 2, "\(output)")
    }
}
