import Foundation
import Testing

/// INFO's sections as tools read them (redis-py's test harness reads `cluster_enabled`):
/// the same headers, in the same order, as redis-server for the same requests.
@Suite struct InfoSectionsTests {
    static func headers(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("# ") }.map(String.init)
    }

    @Test func sectionsMatchRedis() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let redis = try RedisServerProcess()
        let kv = try ServerProcess().start()
        _ = try redis.cli(["SET", "k", "v"])
        _ = try kv.redis("SET", "k", "v")
        for request in [["INFO"], ["INFO", "default"], ["INFO", "all"], ["INFO", "everything"], ["INFO", "keyspace", "SERVER"],
                        ["INFO", "cluster"], ["INFO", "cpu", "errorstats"], ["INFO", "nonsense"], ["INFO", "default", "commandstats"],
                        ["INFO", "latencystats"], ["INFO", "LATENCYSTATS", "commandstats"]] {
            let expected = Self.headers(try redis.cli(request))
            let got = Self.headers(try kv.cli(request).output)
            #expect(got == expected, "\(request)")
        }
        #expect(try kv.redis("INFO", "cluster").contains("cluster_enabled:0"))
        _ = try kv.redis("NOSUCHCOMMAND")
        _ = try kv.redis("GET")
        let errors = try kv.redis("INFO", "errorstats")
        #expect(errors.contains("errorstat_ERR:count=2"), "\(errors)")
        #expect(try kv.redis("INFO", "cpu").contains("used_cpu_user:"))
    }

    /// Latencystats: the same field per command as Redis (`latency_percentiles_usec_<name>`,
    /// subcommands as `container|sub`), with p50, p99 and p99.9 in microseconds.
    @Test func latencyPercentilesAsRedisNamesThem() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let redis = try RedisServerProcess()
        let kv = try ServerProcess().start()
        for command in [["SET", "k", "v"], ["GET", "k"], ["CLIENT", "LIST"]] {
            _ = try redis.cli(command)
            _ = try kv.cli(command)
        }
        func fields(_ text: String) -> [String: String] {
            var result: [String: String] = [:]
            for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix("latency_percentiles_usec_") {
                let parts = line.split(separator: ":", maxSplits: 1)
                result[String(parts[0])] = String(parts[1])
            }
            return result
        }
        let expected = fields(try redis.cli(["INFO", "latencystats"]))
        let got = fields(try kv.cli(["INFO", "latencystats"]).output)
        for name in ["latency_percentiles_usec_set", "latency_percentiles_usec_get", "latency_percentiles_usec_client|list"] {
            #expect(expected[name] != nil, "redis has \(name)")
            let value = try #require(got[name], "kv has \(name): \(got)")
            let pattern = /p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}/
            #expect(value.wholeMatch(of: pattern) != nil, "\(name): \(value)")
        }
    }
}
