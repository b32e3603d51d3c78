import Foundation
import Testing

/// Keyspace notifications against a real redis-server: the same commands on both with
/// `notify-keyspace-events KEA`, and after each one the events a pattern subscriber received
/// compared, in order, in RESP2 and RESP3.
@Suite(.serialized) struct KeyspaceNotificationTests {
    static let script: [[String]] = [
        ["SET", "s", "v"], ["SET", "s", "v2", "EX", "100"], ["SET", "s", "v3", "KEEPTTL"], ["SETNX", "s", "x"], ["SETNX", "s2", "x"],
        ["SETEX", "s3", "100", "v"], ["GETSET", "s", "g"], ["MSET", "m1", "1", "m2", "2"], ["APPEND", "s", "more"],
        ["SETRANGE", "s", "1", "xy"], ["INCR", "n"], ["INCRBY", "n", "5"], ["DECR", "n"], ["DECRBY", "n", "2"],
        ["INCRBYFLOAT", "n", "1.5"], ["SETBIT", "bits", "7", "1"], ["GETDEL", "m1"], ["GETDEL", "nokey"],
        ["DEL", "m2", "nokey", "s2"], ["UNLINK", "s3"], ["EXPIRE", "s", "100"], ["PERSIST", "s"], ["PERSIST", "s"],
        ["PEXPIRE", "s", "100000"], ["GETEX", "s", "PERSIST"], ["GETEX", "s", "EX", "50"], ["EXPIRE", "nokey", "10"],
        ["RENAME", "s", "renamed"], ["RENAMENX", "renamed", "n"], ["COPY", "renamed", "copied"],
        ["EXPIRE", "copied", "-1"], ["EXISTS", "copied"],
        ["LPUSH", "l", "a", "b"], ["RPUSH", "l", "c"], ["LPUSHX", "l", "d"], ["RPUSHX", "nolist", "d"], ["LINSERT", "l", "BEFORE", "a", "z"],
        ["LSET", "l", "0", "first"], ["LREM", "l", "1", "z"], ["LTRIM", "l", "0", "1"], ["LPOP", "l"], ["RPOP", "l"],
        ["RPUSH", "src", "1", "2"], ["LMOVE", "src", "dst", "LEFT", "RIGHT"], ["RPOPLPUSH", "src", "dst"],
        ["LMOVE", "dst", "dst", "RIGHT", "LEFT"], ["SET", "mv", "1"], ["MOVE", "mv", "1"], ["MOVE", "nokey", "1"],
        ["HSET", "h", "f", "v", "g", "w"], ["HSETNX", "h", "f", "x"], ["HINCRBY", "h", "n", "1"], ["HINCRBYFLOAT", "h", "x", "1.5"],
        ["HDEL", "h", "f", "nofield"], ["HDEL", "h", "g", "n", "x"],
        ["SADD", "set", "a", "b", "c"], ["SADD", "set", "a"], ["SREM", "set", "a"], ["SMOVE", "set", "set2", "b"],
        ["SINTERSTORE", "inter", "set", "set2"], ["SUNIONSTORE", "union", "set", "set2"], ["SPOP", "set"],
        ["SADD", "inter", "x"], ["SINTERSTORE", "inter", "set", "nokey"],
        ["ZADD", "z", "1", "a", "2", "b", "3", "c"], ["ZADD", "z", "INCR", "5", "a"], ["ZINCRBY", "z", "1", "b"],
        ["ZREM", "z", "a"], ["ZPOPMIN", "z"], ["ZPOPMAX", "z"], ["ZADD", "z", "1", "a", "2", "b", "3", "c"],
        ["ZREMRANGEBYSCORE", "z", "0", "1"], ["ZREMRANGEBYRANK", "z", "0", "0"], ["ZUNIONSTORE", "zu", "1", "z"],
        ["RPUSH", "bl", "a", "b"], ["BLPOP", "bl", "0"], ["BRPOP", "bl", "0"], ["ZADD", "bz", "1", "a"], ["BZPOPMIN", "bz", "0"],
        ["RPUSH", "bl", "a"], ["BLMOVE", "bl", "bl2", "RIGHT", "LEFT", "0"], ["LMPOP", "1", "bl2", "RIGHT"],
        // A script's commands fire their events, as Redis's.
        ["EVAL", "redis.call('SET', KEYS[1], 'v') redis.call('HSET', KEYS[2], 'f', 'v') return redis.call('DEL', KEYS[1])", "2", "ev", "eh"],
        ["FLUSHALL"],
    ]

    /// Commands whose `new` event kv does not fire (docs/protocol.md, "Keyspace notifications").
    static let newEventGaps: Set<String> = ["COPY", "MOVE", "BLMOVE", "BLPOP", "BRPOP", "BZPOPMIN"]

    /// `run`: the protocol version and the setting (`AEn` adds the `new` events).
    @Test(arguments: ["2 KEA", "3 KEA", "2 AEn"]) func eventsMatchRedis(run: String) throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let version = Int(run.prefix(1))!
        let setting = String(run.dropFirst(2))
        let kv = try ServerProcess(arguments: ["--notify-keyspace-events", setting]).start()
        let redis = try RedisServerProcess()
        _ = try redis.cli(["CONFIG", "SET", "notify-keyspace-events", setting])
        var mismatches: [String] = []
        let subscribers = try [kv.port, redis.port].map { try RESPSession(port: $0, protocolVersion: version) }
        let writers = try [kv.port, redis.port].map { try RESPSession(port: $0) }
        for subscriber in subscribers { _ = try subscriber.call(["PSUBSCRIBE", "__key*__:*"]) }
        for command in Self.script where !(setting.contains("n") && Self.newEventGaps.contains(command[0])) {
            let replies = try writers.map { try $0.call(command) }
            if replies[0] != replies[1] { mismatches.append("\(command): replies differ: kv \(replies[0]), redis \(replies[1])") }
            let events = try subscribers.map { try PubSubDifferentialTests.drain($0) }
            if events[0] != events[1] {
                mismatches.append("\(command.joined(separator: " ")):\n  redis: \(events[1])\n  kv:    \(events[0])")
            }
        }
        #expect(mismatches.isEmpty, Comment(rawValue: "\(mismatches.count) of \(Self.script.count) differ:\n" + mismatches.joined(separator: "\n")))
    }

    /// A blocked pop served by a later push fires the push, then the pop (and `del`), as Redis.
    @Test func aServedBlockedPopFiresItsPop() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let kv = try ServerProcess(arguments: ["--notify-keyspace-events", "KEA"]).start()
        let redis = try RedisServerProcess()
        _ = try redis.cli(["CONFIG", "SET", "notify-keyspace-events", "KEA"])
        var received: [[RESPReply]] = []
        for port in [kv.port, redis.port] {
            let subscriber = try RESPSession(port: port)
            _ = try subscriber.call(["PSUBSCRIBE", "__keyevent@0__:*"])
            let blocked = try RESPSession(port: port)
            blocked.send(["BLPOP", "queue", "5"])
            Thread.sleep(forTimeInterval: 0.2)
            _ = try RESPSession(port: port).call(["RPUSH", "queue", "job"])
            #expect(try blocked.read() == .aggregate("*", [.bulk("$", Array("queue".utf8)), .bulk("$", Array("job".utf8))]))
            received.append(try PubSubDifferentialTests.drain(subscriber))
        }
        #expect(received[0] == received[1], "kv \(received[0])\nredis \(received[1])")
        #expect(received[0].count == 3)
    }

    /// A key that expires fires `expired` (on access or from the background sweep); the
    /// setting changes with CONFIG SET and reads back as Redis writes it.
    @Test func expiredEventsAndConfigSet() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let kv = try ServerProcess().start()
        let redis = try RedisServerProcess()
        let pair = try DifferentialPair(kv: kv, redis: redis)
        for setting in ["KEA", "Ex", "g$", "Kn", "Elg", "", "Q", "AKEm"] {
            try pair.compare(["CONFIG", "SET", "notify-keyspace-events", setting], once: true)
            try pair.compare(["CONFIG", "GET", "notify-keyspace-events"], once: true)
        }
        pair.expectAllMatched()
        for port in [kv.port, redis.port] {
            let writer = try RESPSession(port: port)
            _ = try writer.call(["CONFIG", "SET", "notify-keyspace-events", "Ex"])
            let subscriber = try RESPSession(port: port)
            _ = try subscriber.call(["SUBSCRIBE", "__keyevent@0__:expired"])
            _ = try writer.call(["SET", "lazy", "v", "PX", "20"])
            _ = try writer.call(["SET", "swept", "v", "PX", "20"])
            Thread.sleep(forTimeInterval: 0.1)
            _ = try writer.call(["GET", "lazy"])
            var keys: Set<String> = []
            let deadline = Date().addingTimeInterval(3)
            while keys.count < 2 && Date() < deadline {
                if case let .aggregate(_, items) = try subscriber.read(), case let .bulk(_, key) = items.last {
                    keys.insert(String(decoding: key, as: UTF8.self))
                }
            }
            #expect(keys == ["lazy", "swept"], "port \(port)")
        }
    }
}
