import Foundation
import Testing

/// MONITOR beside a real redis-server: the same lines for the same commands (timestamps and
/// client addresses aside) — admin commands left out, AUTH redacted, MULTI/EXEC in order,
/// arguments quoted as Redis quotes them.
@Suite struct MonitorTests {
    /// What a MONITOR connection to `port` receives while `script` runs on another connection.
    static func monitored(port: Int, script: String) throws -> [String] {
        let monitor = try RawConnection(port: port)
        monitor.send("MONITOR\r\n")
        #expect(monitor.read(until: "\r\n") == "+OK\r\n")
        _ = try Tool.run("redis-cli", ["-p", String(port)], input: Data(script.utf8))
        Thread.sleep(forTimeInterval: 0.3)
        monitor.send("PING\r\n")  // a marker: its own line ends what the script caused
        let text = monitor.read(until: "\"PING\"\r\n")
        let stamp = try Regex(#"^\+\d+\.\d{6} \[0 [^\]]+\] "#)
        return text.components(separatedBy: "\r\n").filter { !$0.isEmpty }.map { $0.replacing(stamp, with: "") }
    }

    @Test func showsTheSameLinesAsRedis() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let redis = try RedisServerProcess()
        let kv = try ServerProcess().start()
        let script = """
            SET a "x y"
            MULTI
            SET b 1
            INCR b
            EXEC
            CONFIG GET port
            AUTH foo
            GET a
            NOSUCH x
            SET "q\\"\\n" "\\x01\\xff\\t"
            INCR a

            """
        let expected = try Self.monitored(port: redis.port, script: script)
        let got = try Self.monitored(port: kv.port, script: script)
        #expect(got == expected)
        #expect(got.contains("\"AUTH\" \"(redacted)\""))
        #expect(!got.contains { $0.hasPrefix("\"CONFIG\"") }, "admin commands are not shown")
    }

    @Test func aClosedMonitorIsForgotten() throws {
        let kv = try ServerProcess().start()
        let monitor = try RawConnection(port: kv.port)
        monitor.send("MONITOR\r\n")
        #expect(monitor.read(until: "\r\n") == "+OK\r\n")
        _ = try kv.redis("SET", "k", "v")
        #expect(monitor.read(until: "\"v\"\r\n").hasSuffix("\"SET\" \"k\" \"v\"\r\n"))
        _ = consume monitor
        for index in 0..<100 { _ = try kv.redis("SET", "k\(index)", "v") }
        #expect(try kv.redis("DBSIZE") == "101")
    }
}
