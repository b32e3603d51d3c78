import Foundation
import Testing

/// CLIENT PAUSE, UNPAUSE and NO-EVICT on a running kv-server: the same errors as a real
/// redis-server, and the holding itself — a write waits while paused WRITE and a read does
/// not, everything waits while paused ALL (the pausing connection too), all resume at the
/// pause's end or at UNPAUSE, and a replica's stream goes on through it.
@Suite struct ClientPauseTests {
    /// A reply (as text) and how long it took to come.
    static func timed(_ body: () throws -> RESPReply) throws -> (reply: String, seconds: Double) {
        let start = Date()
        let reply = try body()
        return ("\(reply)", Date().timeIntervalSince(start))
    }

    @Test func errorsAndRepliesAsRedis() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let redis = try RedisServerProcess()
        let kv = try ServerProcess().start()
        let pair = try DifferentialPair(kv: kv, redis: redis)
        for command in [
            ["CLIENT", "PAUSE"], ["CLIENT", "PAUSE", "abc"], ["CLIENT", "PAUSE", "-1"], ["CLIENT", "PAUSE", "10", "foo"],
            ["CLIENT", "PAUSE", "10", "write", "extra"], ["CLIENT", "PAUSE", "1", "WRITE"], ["CLIENT", "PAUSE", "1", "all"],
            ["CLIENT", "UNPAUSE", "x"], ["CLIENT", "UNPAUSE"],
            ["CLIENT", "NO-EVICT"], ["CLIENT", "NO-EVICT", "maybe"], ["CLIENT", "NO-EVICT", "on"], ["CLIENT", "NO-EVICT", "OFF"],
        ] {
            try pair.compare(command)
        }
        pair.expectAllMatched()
    }

    /// HTTP requests are not held but refused while paused: nothing is written meanwhile.
    @Test func httpWritesAreRefusedWhilePaused() throws {
        let kv = try ServerProcess().start()
        #expect(try kv.curl("PUT", "/v1/kv/before", body: Data("v".utf8)).status == 204)
        #expect(try kv.redis("CLIENT", "PAUSE", "3000", "WRITE") == "OK")
        let refused = try kv.curl("PUT", "/v1/kv/during", body: Data("v".utf8))
        #expect(refused.status == 503 && refused.body.contains("CLIENT PAUSE"), "\(refused.body)")
        #expect(try kv.curl("GET", "/v1/kv/before").status == 200)
        #expect(try kv.redis("CLIENT", "UNPAUSE") == "OK")
        #expect(try kv.redis("EXISTS", "during") == "0")
        #expect(try kv.curl("PUT", "/v1/kv/after", body: Data("v".utf8)).status == 204)
    }

    @Test func clientTrackingIsNotImplementedAndSaysSo() throws {
        let kv = try ServerProcess().start()
        let session = try RESPSession(port: kv.port)
        for subcommand in ["TRACKING", "TRACKINGINFO", "GETREDIR", "CACHING"] {
            #expect("\(try session.call(["CLIENT", subcommand, "on"]))"
                == "-ERR unknown subcommand '\(subcommand)'. Try CLIENT HELP.")
        }
    }

    @Test func noEvictIsShownInClientList() throws {
        let kv = try ServerProcess().start()
        let session = try RESPSession(port: kv.port)
        _ = try session.call(["CLIENT", "NO-EVICT", "on"])
        #expect("\(try session.call(["CLIENT", "INFO"]))".contains("flags=e "))
        _ = try session.call(["CLIENT", "NO-EVICT", "off"])
        #expect("\(try session.call(["CLIENT", "INFO"]))".contains("flags=N "))
    }

    @Test func aWriteWaitsWhilePausedWriteAndAReadDoesNot() throws {
        let kv = try ServerProcess().start()
        let admin = try RESPSession(port: kv.port)
        let client = try RESPSession(port: kv.port)
        _ = try client.call(["SET", "k", "v0"])
        #expect("\(try admin.call(["CLIENT", "PAUSE", "1000", "WRITE"]))" == "+OK")
        let read = try Self.timed { try client.call(["GET", "k"]) }
        #expect(read.reply == "$\"v0\"")
        #expect(read.seconds < 0.5, "a read runs during a WRITE pause")
        let write = try Self.timed { try client.call(["SET", "k", "v1"]) }
        #expect(write.reply == "+OK")
        #expect(write.seconds > 0.6 && write.seconds < 4, "the write waited for the pause's end: \(write.seconds) s")
        #expect("\(try client.call(["GET", "k"]))" == "$\"v1\"")
        // MULTI queues nothing while paused either: a queued write waits, as in Redis.
        #expect("\(try admin.call(["CLIENT", "PAUSE", "600", "WRITE"]))" == "+OK")
        #expect("\(try client.call(["MULTI"]))" == "+OK")
        let queued = try Self.timed { try client.call(["INCR", "n"]) }
        #expect(queued.reply == "+QUEUED")
        #expect(queued.seconds > 0.3, "\(queued.seconds) s")
        #expect("\(try client.call(["EXEC"]))" == "*[:1]")
    }

    @Test func unpauseResumesWaitingClientsAtOnce() throws {
        let kv = try ServerProcess().start()
        let admin = try RESPSession(port: kv.port)
        let client = try RESPSession(port: kv.port)
        #expect("\(try admin.call(["CLIENT", "PAUSE", "20000", "WRITE"]))" == "+OK")
        client.send(["SET", "k", "v"])
        Thread.sleep(forTimeInterval: 0.3)
        let list = "\(try admin.call(["CLIENT", "LIST"]))"
        #expect(list.contains("flags=b "), "the held client is shown blocked: \(list)")
        #expect("\(try admin.call(["CLIENT", "UNPAUSE"]))" == "+OK")
        let resumed = try Self.timed { try client.read() }
        #expect(resumed.reply == "+OK")
        #expect(resumed.seconds < 2, "resumed by UNPAUSE, not by the 20 s timeout: \(resumed.seconds) s")
        #expect("\(try client.call(["GET", "k"]))" == "$\"v\"")
    }

    @Test func anAllPauseHoldsEveryCommandIncludingThePausingConnection() throws {
        let kv = try ServerProcess().start()
        let admin = try RESPSession(port: kv.port)
        let client = try RESPSession(port: kv.port)
        #expect("\(try admin.call(["CLIENT", "PAUSE", "800", "ALL"]))" == "+OK")
        let own = try Self.timed { try admin.call(["PING"]) }
        #expect(own.reply == "+PONG")
        #expect(own.seconds > 0.5, "the pausing connection's next command waited too: \(own.seconds) s")
        #expect("\(try admin.call(["CLIENT", "PAUSE", "700", "ALL"]))" == "+OK")
        let other = try Self.timed { try client.call(["GET", "missing"]) }
        #expect(other.reply == "$-1")
        #expect(other.seconds > 0.4, "a read waits during an ALL pause: \(other.seconds) s")
    }

    /// Nothing is written while paused, not even expiry: a key whose time passed is hidden
    /// but its delete is logged only after the pause (as Redis 7.0 pauses expiry).
    @Test func expiryWaitsForThePause() throws {
        let kv = try ServerProcess().start()
        let admin = try RESPSession(port: kv.port)
        let client = try RESPSession(port: kv.port)
        _ = try client.call(["SET", "short", "v", "PX", "300"])
        _ = try client.call(["SET", "swept", "v", "PX", "300"])
        #expect("\(try admin.call(["CLIENT", "PAUSE", "1500", "WRITE"]))" == "+OK")
        let before = try TestCluster.lsn(of: kv)
        Thread.sleep(forTimeInterval: 0.6)
        #expect("\(try client.call(["GET", "short"]))" == "$-1", "expired: hidden during the pause")
        #expect("\(try client.call(["DBSIZE"]))" == ":2", "neither key removed yet")
        #expect(try TestCluster.lsn(of: kv) == before, "no delete logged while paused (neither lazy nor by the sweep)")
        Thread.sleep(forTimeInterval: 1.2)
        let deadline = Date().addingTimeInterval(5)
        while "\(try client.call(["DBSIZE"]))" != ":0" && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        #expect("\(try client.call(["DBSIZE"]))" == ":0", "the sweep removed both after the pause")
        #expect(try TestCluster.lsn(of: kv) > before, "and logged their deletes")
    }

    @Test func aReplicaKeepsStreamingThroughAPause() throws {
        let cluster = try TestCluster()
        let primary = try cluster.startPrimary()
        let replica = try cluster.addReplica()
        _ = try primary.redis("SET", "before", "1")
        try cluster.waitUntilConverged()
        let admin = try RESPSession(port: primary.port)
        let client = try RESPSession(port: primary.port)
        #expect("\(try admin.call(["CLIENT", "PAUSE", "1500", "WRITE"]))" == "+OK")
        client.send(["SET", "during", "2"])
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try TestCluster.info(replica, "master_link_status") == "up")
        #expect("\(try client.read())" == "+OK")
        try cluster.waitUntilConverged()
        #expect(try replica.redis("GET", "during") == "2")
    }
}
