import Foundation
import Testing

/// redis-benchmark, the tool users measure with, runs cleanly against kv (a smoke run; the
/// real measurements are docker/bench/compare-redis.sh, not a timed test).
@Suite struct BenchmarkSmokeTests {
    @Test(arguments: [1, 16])
    func redisBenchmarkRunsWithoutErrors(pipeline: Int) throws {
        let kv = try ServerProcess().start()
        let result = try Tool.run("redis-benchmark", [
            "-p", String(kv.port), "-t", "set,get,incr,mset", "-n", "4000", "-c", "20",
            "-P", String(pipeline), "-r", "1000", "-d", "64", "-q",
        ])
        #expect(result.status == 0, "\(result.output)")
        for test in ["SET", "GET", "INCR", "MSET"] {
            #expect(result.output.contains("\(test)"), "\(result.output)")
        }
        #expect(!result.output.lowercased().contains("error"), "\(result.output)")
        let keys = Int(try kv.redis("DBSIZE")) ?? 0
        // key:<0..999> from SET/GET/MSET and counter:<0..999> from INCR.
        #expect(keys > 0 && keys <= 2000, "\(keys) keys")
    }
}
