import KVCore
import KVTestKit
import Testing

@Suite("Key commands")
struct KeyCommandTests {
    static let keysCases: [CommandCase] = [
        CommandCase("DEL a b c", setup: ["SET a 1", "SET b 2"], .integer(2), effects: ["delete a", "delete b"]),
        CommandCase("DEL a", setup: ["SET a 1 PX 5000"], .integer(0), effects: ["delete a"]),
        CommandCase("DEL a a", setup: ["SET a 1"], .integer(1), effects: ["delete a"]),
        CommandCase("DEL a", .integer(0)),
        CommandCase("UNLINK a b", setup: ["SET a 1"], .integer(1), effects: ["delete a"]),
        CommandCase("DEL", err("ERR wrong number of arguments for 'del' command")),
        CommandCase("EXISTS a a b", setup: ["SET a 1"], .integer(2)),
        CommandCase("EXISTS a", setup: ["SET a 1 PX 5000"], .integer(0), effects: ["delete a"]),
        CommandCase("TYPE a", setup: ["SET a 1"], .simple("string")),
        CommandCase("TYPE a", .simple("none")),
        CommandCase("RENAME a b", setup: ["SET a 1 PX 20000"], .ok, effects: ["put b 1 @\(T0 + 10_000)", "delete a"]),
        CommandCase("RENAME a b", setup: ["SET a 1", "SET b 2"], .ok, effects: ["put b 1", "delete a"]),
        CommandCase("RENAME a b", .error(.noSuchKey)),
        CommandCase("RENAME a b", setup: ["SET a 1 PX 5000"], .error(.noSuchKey), effects: ["delete a"]),
        CommandCase("RENAME a a", setup: ["SET a 1"], .ok),
        CommandCase("RENAME a a", .error(.noSuchKey)),
        CommandCase("RENAMENX a a", setup: ["SET a 1"], .integer(0)),
        CommandCase("RENAMENX a b", setup: ["SET a 1", "SET b 2"], .integer(0)),
        CommandCase("RENAMENX a b", setup: ["SET a 1", "SET b 2 PX 5000"], .integer(1),
                    effects: ["delete b", "put b 1", "delete a"]),
        CommandCase("RENAMENX a b", setup: ["SET a 1"], .integer(1), effects: ["put b 1", "delete a"]),
        CommandCase("RANDOMKEY", .null),
        CommandCase("RANDOMKEY", setup: ["SET a 1"], .bulk("a")),
        CommandCase("RANDOMKEY", setup: ["SET a 1 PX 5000"], .null, effects: ["delete a"]),
        CommandCase("RANDOMKEY x", err("ERR wrong number of arguments for 'randomkey' command")),
        CommandCase("DBSIZE", setup: ["SET a 1", "SET b 1"], .integer(2)),
        CommandCase("FLUSHALL", setup: ["SET a 1", "SET b 1"], .ok, effects: ["flushall"]),
        CommandCase("FLUSHALL", .ok),
        CommandCase("FLUSHALL ASYNC", setup: ["SET a 1"], .ok, effects: ["flushall"]),
        CommandCase("flushdb sync", setup: ["SET a 1"], .ok, effects: ["flushdb"]),
        CommandCase("FLUSHDB", setup: ["SET a 1"], .ok, effects: ["flushdb"]),
        CommandCase("FLUSHALL LATER", syntaxError),
        CommandCase("FLUSHALL SYNC ASYNC", syntaxError),
        CommandCase("FOO a b", err("ERR unknown command 'FOO', with args beginning with: 'a' 'b' ")),
        CommandCase("XADD a b", err("ERR unknown command 'XADD', with args beginning with: 'a' 'b' ")),
    ]

    @Test(arguments: keysCases) func keys(_ row: CommandCase) { row.check() }

    @Test func keysMatchesPatternsAndSkipsExpiredKeysWithoutRemovingThem() {
        var keyspace = Keyspace(hashSeed: 7)
        for key in ["one", "two", "three", "four"] { keyspace.run(["SET", key, "x"], now: setupTime) }
        keyspace.run(["SET", "gone", "x", "PX", "5000"], now: setupTime)
        let all = keyspace.run(["KEYS", "*"], now: UnixMillis(T0))
        #expect(Set(keyNames(all.reply)) == ["one", "two", "three", "four"])
        #expect(all.effects.isEmpty)
        #expect(keyspace.count == 5)
        let some = keyspace.run(["KEYS", "*o*"], now: UnixMillis(T0))
        #expect(Set(keyNames(some.reply)) == ["one", "two", "four"])
        let one = keyspace.run(["KEYS", "t??ee"], now: UnixMillis(T0))
        #expect(keyNames(one.reply) == ["three"])
    }

    @Test func randomKeyOnAReplicaHidesExpiredKeysWithoutRemovingThem() {
        var keyspace = Keyspace(hashSeed: 7)
        keyspace.store("old", "x", expiresAt: UnixMillis(T0 - 1))
        keyspace.store("live", "x")
        for _ in 0..<50 {
            let outcome = keyspace.run(["RANDOMKEY"], now: UnixMillis(T0), expiry: .replica)
            #expect(outcome.reply == .bulk("live"))
            #expect(outcome.effects.isEmpty)
        }
        keyspace.run(["DEL", "live"], now: UnixMillis(T0))
        #expect(keyspace.run(["RANDOMKEY"], now: UnixMillis(T0), expiry: .replica).reply == .null)
        #expect(keyspace.count == 1)
    }
}

/// The key names of an array-of-bulk-strings reply.
func keyNames(_ reply: Reply) -> [String] {
    guard case let .array(items) = reply else { return [] }
    return items.compactMap { $0.bulkBytes.map { String(decoding: $0, as: UTF8.self) } }
}
