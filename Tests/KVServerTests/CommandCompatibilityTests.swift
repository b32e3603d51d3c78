import Foundation
import Testing

/// Every command of SPEC "Client protocol", sent by redis-cli to kv and to a real
/// redis-server; the answers must be the same, byte for byte as redis-cli prints them.
/// Only deterministic commands are compared here (no TIME, INFO, RANDOMKEY, TTL countdowns).
@Suite(.serialized) struct CommandCompatibilityTests {
    static let script: [[String]] = [
        // Connection
        ["PING"], ["PING", "hello"], ["ECHO", "some text"], ["SELECT", "0"], ["SELECT", "x"],
        ["PING", "a", "b"],
        // SET and its options
        ["SET", "k1", "v1"], ["GET", "k1"], ["SET", "k1", "v2", "NX"], ["GET", "k1"], ["SET", "k1", "v3", "XX"],
        ["GET", "k1"], ["SET", "missing", "v", "XX"], ["GET", "missing"], ["SET", "k1", "v4", "GET"],
        ["SET", "newkey", "v", "GET"], ["SET", "k1", "x", "NX", "XX"], ["SET", "k1", "x", "EX", "0"],
        ["SET", "k1", "x", "EX", "-5"], ["SET", "k1", "x", "EX", "abc"], ["SET", "k1", "x", "PX", "100", "EX", "100"],
        ["SET", "k1", "x", "KEEPTTL", "EX", "10"], ["SET", "k1", "x", "BOGUS"], ["SET", "k1"],
        ["SET", "ttlkey", "v", "EX", "100"], ["SET", "ttlkey", "v2", "KEEPTTL"], ["EXISTS", "ttlkey"],
        ["SET", "k1", "x", "EXAT", "99999999999"], ["SET", "k1", "x", "PXAT", "99999999999999"],
        ["SETNX", "k2", "a"], ["SETNX", "k2", "b"], ["GET", "k2"],
        ["SETEX", "k3", "100", "v"], ["SETEX", "k3", "0", "v"], ["SETEX", "k3", "x", "v"], ["PSETEX", "k4", "100000", "v"],
        ["PSETEX", "k4", "-1", "v"],
        ["GETSET", "k2", "c"], ["GETSET", "nokey", "c"], ["GETDEL", "k2"], ["GETDEL", "k2"],
        ["GETEX", "k3"], ["GETEX", "k3", "PERSIST"], ["TTL", "k3"], ["GETEX", "k3", "EX", "0"], ["GETEX", "k3", "FOO"],
        ["GETEX", "nokey", "EX", "10"],
        // MGET / MSET / MSETNX
        ["MSET", "a", "1", "b", "2", "c", "3"], ["MGET", "a", "b", "nokey", "c"], ["MSET", "a"], ["MSET", "a", "1", "b"],
        ["MSETNX", "a", "9", "z", "9"], ["GET", "z"], ["MSETNX", "y", "1", "z", "2"], ["MGET", "y", "z"],
        // DEL / UNLINK / EXISTS / TYPE
        ["DEL", "a", "b", "nokey"], ["UNLINK", "c", "c"], ["EXISTS", "a", "y", "y", "z"], ["TYPE", "y"], ["TYPE", "nokey"],
        // Counters
        ["SET", "n", "10"], ["INCR", "n"], ["DECR", "n"], ["INCRBY", "n", "5"], ["DECRBY", "n", "3"], ["INCRBY", "n", "-100"],
        ["INCR", "fresh"], ["DECR", "fresh2"], ["SET", "s", "abc"], ["INCR", "s"], ["INCRBY", "n", "1.5"], ["INCRBY", "n", "abc"],
        ["SET", "big", "9223372036854775807"], ["INCR", "big"], ["SET", "small", "-9223372036854775808"], ["DECR", "small"],
        ["DECRBY", "n", "-9223372036854775808"], ["SET", "sp", " 1"], ["INCR", "sp"], ["SET", "lz", "01"], ["INCR", "lz"],
        ["SET", "plus", "+1"], ["INCR", "plus"],
        ["SET", "f", "10.5"], ["INCRBYFLOAT", "f", "0.1"], ["INCRBYFLOAT", "f", "-5"], ["INCRBYFLOAT", "f", "2.0e2"],
        ["INCRBYFLOAT", "nf", "3"], ["INCRBYFLOAT", "s", "1"], ["INCRBYFLOAT", "f", "abc"], ["INCRBYFLOAT", "f", "inf"],
        ["SET", "f2", "5.0e3"], ["INCRBYFLOAT", "f2", "1"], ["SET", "f3", "1.23456789012345678"], ["INCRBYFLOAT", "f3", "0"],
        ["INCRBYFLOAT", "f4", "1e-7"], ["INCRBYFLOAT", "f5", "123456789012345678901234567890"],
        // Strings
        ["SET", "str", "Hello"], ["APPEND", "str", " World"], ["GET", "str"], ["APPEND", "newstr", "abc"], ["STRLEN", "str"],
        ["STRLEN", "nokey"], ["GETRANGE", "str", "0", "4"], ["GETRANGE", "str", "-5", "-1"], ["GETRANGE", "str", "5", "2"],
        ["GETRANGE", "str", "0", "100"], ["GETRANGE", "str", "-100", "2"], ["GETRANGE", "nokey", "0", "1"], ["GETRANGE", "str", "a", "1"],
        ["SETRANGE", "str", "6", "Redis"], ["GET", "str"], ["SETRANGE", "pad", "5", "x"], ["GET", "pad"], ["STRLEN", "pad"],
        ["SETRANGE", "str", "-1", "x"], ["SETRANGE", "empty", "0", ""], ["EXISTS", "empty"], ["SETRANGE", "str", "0", ""],
        // Expiry
        ["SET", "e", "v"], ["TTL", "e"], ["PTTL", "e"], ["TTL", "nokey"], ["PTTL", "nokey"], ["EXPIRE", "e", "100"],
        ["EXPIRE", "e", "100", "NX"], ["EXPIRE", "e", "200", "XX"], ["EXPIRE", "e", "50", "GT"], ["EXPIRE", "e", "300", "GT"],
        ["EXPIRE", "e", "400", "LT"], ["EXPIRE", "e", "10", "LT"], ["EXPIRE", "e", "10", "NX", "XX"], ["EXPIRE", "e", "10", "GT", "LT"],
        ["EXPIRE", "e", "10", "FOO"], ["EXPIRE", "nokey", "10"], ["EXPIRE", "e", "abc"],
        ["PERSIST", "e"], ["PERSIST", "e"], ["TTL", "e"], ["EXPIRE", "e", "10", "XX"], ["EXPIRE", "e", "10", "GT"],
        ["PEXPIRE", "e", "100000"], ["EXPIREAT", "e", "99999999999"], ["EXPIRETIME", "e"], ["PEXPIREAT", "e", "99999999999000"],
        ["PEXPIRETIME", "e"], ["EXPIRETIME", "nokey"], ["PERSIST", "e"], ["EXPIRETIME", "e"], ["PEXPIRETIME", "e"],
        ["EXPIRE", "e", "-1"], ["EXISTS", "e"], ["SET", "e2", "v"], ["PEXPIREAT", "e2", "1"], ["GET", "e2"],
        ["SET", "e3", "v"], ["EXPIRE", "e3", "9223372036854775807"],
        // RENAME
        ["SET", "r1", "v1"], ["SET", "r2", "v2"], ["RENAME", "r1", "r3"], ["GET", "r3"], ["EXISTS", "r1"], ["RENAME", "nokey", "x"],
        ["RENAMENX", "r3", "r2"], ["RENAMENX", "r3", "r4"], ["GET", "r4"], ["RENAME", "r4", "r4"], ["GET", "r4"],
        ["SET", "rt", "v", "EX", "1000"], ["RENAME", "rt", "rt2"], ["EXISTS", "rt2"],
        // Keyspace
        ["FLUSHALL"], ["DBSIZE"], ["MSET", "user:1", "a", "user:2", "b", "item:1", "c", "u*x", "d"], ["DBSIZE"],
        ["KEYS", "nomatch*"], ["KEYS", "u?er:[12]"], ["KEYS", "u\\*x"], ["KEYS", "[^i]*:1"],
        ["SCAN", "0", "MATCH", "nomatch*", "COUNT", "1000"], ["SCAN", "abc"], ["SCAN", "0", "COUNT", "0"], ["SCAN", "0", "TYPE", "list", "COUNT", "1000"],
        ["FLUSHDB"], ["DBSIZE"], ["RANDOMKEY"], ["FLUSHALL", "ASYNC"], ["FLUSHALL", "BOGUS"],
        // Transactions
        ["EXEC"], ["DISCARD"],
        // Errors
        ["GET"], ["GET", "a", "b"], ["NOSUCHCOMMAND", "a", "b"],
        ["CLIENT", "BOGUS"], ["CONFIG", "BOGUS"], ["COMMAND", "BOGUS"],
    ]

    @Test func kvAnswersEveryCommandAsRedisDoes() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let kv = try ServerProcess().start()
        let redis = try RedisServerProcess()
        var mismatches: [String] = []
        for command in Self.script {
            var expected = try redis.cli(command)
            var actual = try kv.cli(command).output
            if command[0] == "KEYS" {
                // Key order is the hash table's: compare as sets.
                expected = expected.split(separator: "\n").sorted().joined(separator: "\n")
                actual = actual.split(separator: "\n").sorted().joined(separator: "\n")
            }
            if actual != expected {
                mismatches.append("\(command.joined(separator: " ")):\n  redis: \(expected.debugDescription)\n  kv:    \(actual.debugDescription)")
            }
        }
        let report = mismatches.joined(separator: "\n")
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(Self.script.count) commands differ:\n\(report)")
    }

    /// Where kv differs from Redis on purpose: commands of the types and features kv does not
    /// have answer Redis's unknown-command error; `--databases` bounds SELECT as Redis's
    /// `databases` does.
    @Test func deliberateDifferences() throws {
        let kv = try ServerProcess(arguments: ["--databases", "2"]).start()
        #expect(try kv.redis("SELECT", "1") == "OK")
        #expect(try kv.redis("SELECT", "2") == "ERR DB index is out of range")
        // (LPUSH, then SADD, were the examples here until lists and sets came: XADD's streams are not in kv.)
        #expect(try kv.redis("XADD", "stream", "*", "f", "v") == "ERR unknown command 'XADD', with args beginning with: 'stream' '*' 'f' 'v' ")
        // (EVAL was the example here until scripting came: functions are not in kv yet.)
        #expect(try kv.redis("FCALL", "f", "0") == "ERR unknown command 'FCALL', with args beginning with: 'f' '0' ")
        #expect(try kv.redis("PING") == "PONG")
    }

    /// A MULTI/EXEC transaction through one redis-cli session (stdin keeps one connection).
    @Test func transactionsMatchRedis() throws {
        try #require(RedisServerProcess.isAvailable)
        let kv = try ServerProcess().start()
        let redis = try RedisServerProcess()
        let session = """
            MULTI
            SET t1 a
            INCR counter
            GET t1
            EXEC
            MULTI
            SET t2 b
            DISCARD
            GET t2
            MULTI
            NOSUCHCMD
            SET t3 c
            EXEC
            GET t3
            MULTI
            GET
            EXEC
            MULTI
            INCR t1
            SET t4 d
            EXEC
            GET t4
            MULTI
            MULTI
            DISCARD

            """
        let input = Data(session.utf8)
        let expected = try Tool.run("redis-cli", ["-p", String(redis.port)], input: input).output
        let actual = try kv.cli([], input: input).output
        #expect(actual == expected)
    }
}
