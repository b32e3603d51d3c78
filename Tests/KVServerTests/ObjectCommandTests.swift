import Foundation
import Testing

/// TOUCH, OBJECT, MEMORY USAGE, DUMP and RESTORE: against a real redis-server where kv answers
/// as Redis does (TOUCH, OBJECT ENCODING/REFCOUNT/FREQ/HELP, RESTORE's argument errors), and on
/// kv alone where kv's answer is its own by design (DUMP's payload format, MEMORY's numbers).
@Suite(.serialized) struct ObjectCommandTests {
    static let script: [[String]] = [
        ["SET", "int", "12345"], ["SET", "neg", "-7"], ["SET", "lead", "007"], ["SET", "short", "hello"],
        ["SET", "edge", String(repeating: "e", count: 44)], ["SET", "long", String(repeating: "l", count: 45)],
        ["SET", "huge", "123456789012345678901"], ["SET", "shared", "42"], ["SET", "big", "10000"],
        ["HSET", "h", "f", "v"], ["HSET", "hl", "f", String(repeating: "x", count: 65)],
        ["OBJECT", "ENCODING", "int"], ["OBJECT", "ENCODING", "neg"], ["OBJECT", "ENCODING", "lead"],
        ["OBJECT", "ENCODING", "short"], ["OBJECT", "ENCODING", "edge"], ["OBJECT", "ENCODING", "long"],
        ["OBJECT", "ENCODING", "huge"], ["OBJECT", "ENCODING", "h"], ["OBJECT", "ENCODING", "hl"], ["OBJECT", "ENCODING", "nokey"],
        ["OBJECT", "REFCOUNT", "shared"], ["OBJECT", "REFCOUNT", "big"], ["OBJECT", "REFCOUNT", "short"], ["OBJECT", "REFCOUNT", "h"],
        ["OBJECT", "REFCOUNT", "nokey"], ["OBJECT", "FREQ", "short"], ["OBJECT", "FREQ", "nokey"],
        ["OBJECT", "HELP"], ["OBJECT"], ["OBJECT", "BOGUS"], ["OBJECT", "ENCODING"], ["OBJECT", "ENCODING", "a", "b"],
        ["TOUCH", "int", "h", "nokey", "int"], ["TOUCH"], ["MEMORY", "USAGE", "nokey"], ["MEMORY", "USAGE", "short", "SAMPLES"],
        ["MEMORY", "USAGE", "short", "SAMPLES", "x"], ["MEMORY", "USAGE", "short", "BOGUS", "1"],
        ["MEMORY", "USAGE", "short", "SAMPLES", "-1"],
        ["DUMP", "nokey"], ["RESTORE", "short", "0", "x"], ["RESTORE", "new", "-1", "x"], ["RESTORE", "new", "0", "garbage"],
        ["RESTORE", "new", "x", "garbage"], ["RESTORE", "new", "0", "x", "BOGUS"], ["RESTORE", "new", "0", "x", "IDLETIME", "-1"],
        ["RESTORE", "new", "0", "x", "FREQ", "256"], ["RESTORE", "new", "0", "x", "IDLETIME"],
    ]

    @Test func objectCommandsAnswerAsRedisDoes() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let pair = try DifferentialPair(kv: try ServerProcess().start(), redis: try RedisServerProcess())
        for command in Self.script { try pair.compare(command) }
        pair.expectAllMatched()
    }

    /// DUMP then RESTORE gives back the same value and TTL, for strings and hashes, with
    /// REPLACE, ABSTTL and an expired TTL; a payload changed by one byte, or Redis's own, is
    /// refused with Redis's error.
    @Test func dumpAndRestoreRoundTrip() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let server = try ServerProcess().start()
        let kv = try RESPSession(port: server.port)
        _ = try kv.call(["SET", "s", "some value"])
        _ = try kv.call(["HSET", "h", "a", "1", "b", String(repeating: "z", count: 100)])
        for key in ["s", "h"] {
            guard case let .bulk(_, payload) = try kv.call(["DUMP", key]) else { Issue.record("DUMP \(key)"); continue }
            let restored = key + ":copy"
            func restore(_ options: String...) throws -> RESPReply {
                try kv.call(bytes: [Array("RESTORE".utf8), Array(restored.utf8), Array(options[0].utf8), payload]
                            + options.dropFirst().map { Array($0.utf8) })
            }
            #expect(try restore("100000") == .simple("+OK"))
            #expect(try kv.call(["TYPE", restored]) == (try kv.call(["TYPE", key])))
            #expect(try kv.call(["DUMP", restored]) == .bulk("$", payload))
            #expect(try restore("0") == .simple("-BUSYKEY Target key name already exists."))
            #expect(try restore("0", "REPLACE") == .simple("+OK"))
            #expect(try kv.call(["TTL", restored]) == .simple(":-1"))
            var tampered = payload
            tampered[1] ^= 0x01
            #expect(try kv.call(bytes: [Array("RESTORE".utf8), Array("bad".utf8), Array("0".utf8), tampered])
                    == .simple("-ERR DUMP payload version or checksum are wrong"))
            // ABSTTL in the past: nothing is created, and REPLACE deletes what was there.
            #expect(try restore("1", "REPLACE", "ABSTTL") == .simple("+OK"))
            #expect(try kv.call(["EXISTS", restored]) == .simple(":0"))
        }
        // The same value back, compared by the commands that read it.
        guard case let .bulk(_, hashPayload) = try kv.call(["DUMP", "h"]) else { return }
        _ = try kv.call(bytes: [Array("RESTORE".utf8), Array("h2".utf8), Array("0".utf8), hashPayload])
        #expect(try kv.call(["HGETALL", "h2"]) == (try kv.call(["HGETALL", "h"])))
        #expect(try kv.call(["OBJECT", "ENCODING", "h2"]) == .bulk("$", Array("hashtable".utf8)))
        // A payload from redis-server is not kv's: refused, never misread.
        let redisServer = try RedisServerProcess()
        let redis = try RESPSession(port: redisServer.port)
        _ = try redis.call(["SET", "s", "some value"])
        guard case let .bulk(_, redisPayload) = try redis.call(["DUMP", "s"]) else { Issue.record("redis DUMP"); return }
        #expect(try kv.call(bytes: [Array("RESTORE".utf8), Array("fromredis".utf8), Array("0".utf8), redisPayload])
                == .simple("-ERR DUMP payload version or checksum are wrong"))
    }

    /// MEMORY USAGE grows with the value; OBJECT IDLETIME says kv does not track it.
    @Test func memoryUsageAndIdletimeAreKvsOwn() throws {
        let server = try ServerProcess().start()
        let kv = try RESPSession(port: server.port)
        _ = try kv.call(["SET", "small", "x"])
        _ = try kv.call(["SET", "large", String(repeating: "x", count: 10_000)])
        guard case let .simple(small) = try kv.call(["MEMORY", "USAGE", "small"]),
              case let .simple(large) = try kv.call(["MEMORY", "USAGE", "large"]),
              let smallBytes = Int(small.dropFirst()), let largeBytes = Int(large.dropFirst())
        else { Issue.record("MEMORY USAGE"); return }
        #expect(smallBytes > 0 && smallBytes < 100 && largeBytes > 10_000 && largeBytes < 10_200)
        #expect(try kv.call(["OBJECT", "IDLETIME", "small"]).description.contains("does not track access times"))
    }
}
