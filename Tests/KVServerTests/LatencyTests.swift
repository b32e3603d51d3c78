import Foundation
import Testing

/// LATENCY and `latency-monitor-threshold` on a running kv-server: the same replies and
/// errors as a real redis-server where no timing is involved, and spikes recorded as Redis
/// records them once a command is slower than the threshold.
@Suite struct LatencyTests {
    @Test func repliesAndErrorsAsRedis() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let redis = try RedisServerProcess()
        let kv = try ServerProcess().start()
        let pair = try DifferentialPair(kv: kv, redis: redis)
        for command in [
            ["LATENCY", "HELP"], ["LATENCY", "LATEST"], ["LATENCY", "HISTORY", "command"], ["LATENCY", "GRAPH", "command"],
            ["LATENCY", "RESET"], ["LATENCY", "RESET", "command", "fast-command"], ["LATENCY", "DOCTOR"],
            ["LATENCY"], ["LATENCY", "LATEST", "x"], ["LATENCY", "HISTORY"], ["LATENCY", "GRAPH"], ["LATENCY", "DOCTOR", "x"],
            ["LATENCY", "HELP", "x"], ["LATENCY", "NOPE"], ["LATENCY", "HISTOGRAM", "nosuch"],
            ["CONFIG", "GET", "latency-monitor-threshold"],
            ["CONFIG", "SET", "latency-monitor-threshold", "abc"], ["CONFIG", "SET", "latency-monitor-threshold", "-1"],
            ["CONFIG", "SET", "latency-monitor-threshold", "5", "latency-monitor-threshold", "6"],
            ["CONFIG", "SET", "latency-monitor-threshold", "7", "latency-monitor-threshold"],
            ["CONFIG", "SET", "latency-monitor-threshold", "200"], ["CONFIG", "GET", "latency-monitor-threshold"],
            ["LATENCY", "DOCTOR"],
            ["CONFIG", "SET", "latency-monitor-threshold", "0"],
        ] {
            try pair.compare(command)
        }
        pair.expectAllMatched()
    }

    /// LATENCY HISTOGRAM: the same commands, calls and map shape as Redis; the buckets are
    /// timings, so only their keys are checked (among Redis's powers of two).
    @Test func histogramHasRedisShape() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let redis = try RedisServerProcess()
        let kv = try ServerProcess().start()
        let redisKeys = Set([1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056, 2113])
        for port in [kv.port, redis.port] {
            let session = try RESPSession(port: port, protocolVersion: 3)
            for index in 0..<20 { _ = try session.call(["SET", "k\(index)", "v"]) }
            _ = try session.call(["CLIENT", "ID"])
            guard case let .aggregate("%", items) = try session.call(["LATENCY", "HISTOGRAM", "set", "client", "nosuch"]) else {
                Issue.record("not a map")
                continue
            }
            #expect(items.count == 4, "set and client|id: \(items)")
            #expect(items.first == .bulk("$", Array("set".utf8)))
            guard case let .aggregate("%", fields) = items[1] else { continue }
            #expect(fields[0] == .bulk("$", Array("calls".utf8)) && fields[1] == .simple(":20"))
            #expect(fields[2] == .bulk("$", Array("histogram_usec".utf8)))
            guard case let .aggregate("%", buckets) = fields[3] else { continue }
            let keys = stride(from: 0, to: buckets.count, by: 2).map { "\(buckets[$0])" }
            #expect(keys.allSatisfy { redisKeys.contains(Int($0.dropFirst()) ?? -1) }, "\(keys)")
            #expect("\(buckets.last!)" == ":20", "cumulative: the last bucket counts every call")
            #expect(items[2] == .bulk("$", Array("client|id".utf8)))
        }
    }

    /// A command slower than the threshold is a "command" spike: LATEST, HISTORY, GRAPH and
    /// DOCTOR report it; RESET forgets it. (KEYS over many keys takes milliseconds.)
    @Test func aSlowCommandIsRecorded() throws {
        let kv = try ServerProcess(arguments: ["--latency-monitor-threshold", "1"]).start()
        let session = try RESPSession(port: kv.port)
        let script = (0..<100_000).map { "SET key:\($0) value\n" }.joined()
        _ = try kv.cli(["--pipe"], input: Data(script.utf8))
        _ = try session.call(["KEYS", "*"])
        _ = try session.call(["KEYS", "*"])
        guard case let .aggregate("*", events) = try session.call(["LATENCY", "LATEST"]) else {
            Issue.record("LATEST is not an array")
            return
        }
        let command = events.first { event in
            if case let .aggregate(_, fields) = event { return fields.first == .bulk("$", Array("command".utf8)) }
            return false
        }
        #expect(command != nil, "\(events)")
        if case let .aggregate(_, fields) = command {
            #expect(fields.count == 4)
            let now = Int(Date().timeIntervalSince1970)
            #expect(abs((Int("\(fields[1])".dropFirst()) ?? 0) - now) < 30, "the spike's time is Unix seconds")
            #expect((Int("\(fields[3])".dropFirst()) ?? 0) >= 1)
        }
        guard case let .aggregate("*", history) = try session.call(["LATENCY", "HISTORY", "command"]) else { return }
        #expect(!history.isEmpty)
        let graph = "\(try session.call(["LATENCY", "GRAPH", "command"]))"
        #expect(graph.contains("command - high ") && graph.contains(String(repeating: "-", count: 80)))
        let doctor = "\(try session.call(["LATENCY", "DOCTOR"]))"
        #expect(doctor.contains(". command: ") && doctor.contains(" latency spikes (average "), "\(doctor)")
        #expect("\(try session.call(["LATENCY", "RESET"]))" == ":\(events.count)")
        #expect("\(try session.call(["LATENCY", "LATEST"]))" == "*[]")
    }
}
