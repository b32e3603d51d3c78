import Foundation
import Testing

/// Scripts are logged as their effects, one record each: replicas and recovery apply the
/// effects and never run Lua, so a script that reads TIME and math.random leaves the same
/// data on every pod and after kill -9. On a replica a script's write is READONLY; EVAL_RO
/// and scripts that only read run.
@Suite(.serialized) struct ScriptReplicationTests {
    static let stamp = """
        local t = redis.call('TIME')
        redis.call('SET', KEYS[1], t[1] .. '.' .. t[2] .. ':' .. math.random(1000000))
        redis.call('RPUSH', 'stamps', KEYS[1])
        redis.call('INCR', 'count')
        return redis.call('GET', KEYS[1])
        """

    @Test func effectsReachReplicasAndSurviveKill9() throws {
        let cluster = try TestCluster()
        _ = try cluster.startPrimary()
        let replica = try cluster.addReplica()
        for index in 0..<30 {
            _ = try cluster.primary.redis("EVAL", Self.stamp, "1", "stamp:\(index)")
        }
        let sha = try cluster.primary.redis("SCRIPT", "LOAD", Self.stamp)
        for index in 30..<40 {
            _ = try cluster.primary.redis("EVALSHA", sha, "1", "stamp:\(index)")
        }
        try cluster.waitUntilConverged()
        try cluster.expectIdenticalData()
        #expect(try replica.redis("GET", "count") == "40")
        #expect(try replica.redis("LLEN", "stamps") == "40")

        // On the replica: writes refused, reads run.
        let refused = try replica.redis("EVAL", "return redis.call('SET', 'x', '1')", "0")
        #expect(refused.hasPrefix("READONLY You can't write against a read only replica."), "\(refused)")
        #expect(refused.contains("script: "), "\(refused)")
        #expect(try replica.redis("EVAL_RO", "return redis.call('GET', KEYS[1])", "1", "count") == "40")
        #expect(try replica.redis("EVAL", "return redis.call('LLEN', 'stamps')", "0") == "40")
        #expect(try replica.redis("EVAL_RO", "return redis.call('DEL', 'count')", "0")
            .hasPrefix("ERR Write commands are not allowed from read-only scripts."))

        // kill -9: every script's effects are in the log.
        let before = try TestCluster.contents(of: cluster.primary)
        cluster.primary.kill9()
        _ = try cluster.primary.start()
        #expect(try TestCluster.contents(of: cluster.primary) == before)
        #expect(try cluster.primary.redis("GET", "count") == "40")
    }
}
