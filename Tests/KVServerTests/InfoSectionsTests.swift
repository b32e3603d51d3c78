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
                        ["INFO", "cluster"], ["INFO", "cpu", "errorstats"], ["INFO", "nonsense"], ["INFO", "default", "commandstats"]] {
            // kv keeps no per-command latency histograms: Redis 7's Latencystats is left out.
            let expected = Self.headers(try redis.cli(request)).filter { $0 != "# Latencystats" }
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
}
