import KVCore
import KVTestKit
import Testing

@Suite("Expiry commands")
struct ExpiryCommandTests {
    static let expireCases: [CommandCase] = [
        CommandCase("EXPIRE k 10", setup: ["SET k v"], .integer(1), effects: ["expire k @\(T0 + 10_000)"]),
        CommandCase("EXPIRE k 10", .integer(0)),
        CommandCase("EXPIRE k 10", setup: ["SET k v PX 5000"], .integer(0), effects: ["delete k"]),
        CommandCase("EXPIRE k -1", setup: ["SET k v"], .integer(1), effects: ["delete k"]),
        CommandCase("EXPIRE k 0", setup: ["SET k v"], .integer(1), effects: ["delete k"]),
        CommandCase("PEXPIRE k 100", setup: ["SET k v"], .integer(1), effects: ["expire k @\(T0 + 100)"]),
        CommandCase("EXPIREAT k 1800000000", setup: ["SET k v"], .integer(1), effects: ["expire k @1800000000000"]),
        CommandCase("PEXPIREAT k 1800000000123", setup: ["SET k v"], .integer(1), effects: ["expire k @1800000000123"]),
        CommandCase("PEXPIREAT k 1000", setup: ["SET k v"], .integer(1), effects: ["delete k"]),
        CommandCase("EXPIRE k 10 NX", setup: ["SET k v PX 20000"], .integer(0)),
        CommandCase("EXPIRE k 10 NX", setup: ["SET k v"], .integer(1), effects: ["expire k @\(T0 + 10_000)"]),
        CommandCase("EXPIRE k 10 XX", setup: ["SET k v"], .integer(0)),
        CommandCase("EXPIRE k 20 xx", setup: ["SET k v PX 20000"], .integer(1), effects: ["expire k @\(T0 + 20_000)"]),
        CommandCase("EXPIRE k 100 GT", setup: ["SET k v PX 20000"], .integer(1), effects: ["expire k @\(T0 + 100_000)"]),
        CommandCase("EXPIRE k 10 GT", setup: ["SET k v PX 20000"], .integer(0)),
        CommandCase("EXPIRE k 5 GT", setup: ["SET k v PX 20000"], .integer(0)),
        CommandCase("EXPIRE k 5 GT", setup: ["SET k v"], .integer(0)),
        CommandCase("EXPIRE k 5 LT", setup: ["SET k v"], .integer(1), effects: ["expire k @\(T0 + 5_000)"]),
        CommandCase("EXPIRE k 5 LT", setup: ["SET k v PX 20000"], .integer(1), effects: ["expire k @\(T0 + 5_000)"]),
        CommandCase("EXPIRE k 100 LT", setup: ["SET k v PX 20000"], .integer(0)),
        CommandCase("EXPIRE k 10 XX GT", setup: ["SET k v PX 20000"], .integer(0)),
        CommandCase("EXPIRE k 10 NX XX", err("ERR NX and XX, GT or LT options at the same time are not compatible")),
        CommandCase("EXPIRE k 10 NX GT", err("ERR NX and XX, GT or LT options at the same time are not compatible")),
        CommandCase("EXPIRE k 10 GT LT", err("ERR GT and LT options at the same time are not compatible")),
        CommandCase("EXPIRE k 10 FOO", err("ERR Unsupported option FOO")),
        CommandCase("EXPIRE k abc", notInteger),
        CommandCase("EXPIRE k 9223372036854775807", err("ERR invalid expire time in 'expire' command")),
        CommandCase("PEXPIRE k 9223372036854775807", err("ERR invalid expire time in 'pexpire' command")),
        CommandCase("EXPIREAT k -9223372036854775808", err("ERR invalid expire time in 'expireat' command")),
        CommandCase("EXPIRE k", err("ERR wrong number of arguments for 'expire' command")),
    ]

    static let ttlCases: [CommandCase] = [
        CommandCase("TTL k", .integer(-2)),
        CommandCase("TTL k", setup: ["SET k v"], .integer(-1)),
        CommandCase("TTL k", setup: ["SET k v PX 20000"], .integer(10)),
        CommandCase("TTL k", setup: ["SET k v PX 11499"], .integer(1)),
        CommandCase("TTL k", setup: ["SET k v PX 11500"], .integer(2)),
        CommandCase("PTTL k", setup: ["SET k v PX 20000"], .integer(10_000)),
        CommandCase("PTTL k", setup: ["SET k v PX 5000"], .integer(-2), effects: ["delete k"]),
        CommandCase("PTTL k", setup: ["SET k v"], .integer(-1)),
        CommandCase("EXPIRETIME k", setup: ["SET k v EXAT 1800000000"], .integer(1_800_000_000)),
        CommandCase("EXPIRETIME k", setup: ["SET k v PXAT 1800000000500"], .integer(1_800_000_001)),
        CommandCase("EXPIRETIME k", setup: ["SET k v"], .integer(-1)),
        CommandCase("EXPIRETIME k", .integer(-2)),
        CommandCase("PEXPIRETIME k", setup: ["SET k v PXAT 1800000000123"], .integer(1_800_000_000_123)),
        CommandCase("PERSIST k", setup: ["SET k v PX 20000"], .integer(1), effects: ["expire k never"]),
        CommandCase("PERSIST k", setup: ["SET k v"], .integer(0)),
        CommandCase("PERSIST k", .integer(0)),
    ]

    @Test(arguments: expireCases) func expire(_ row: CommandCase) { row.check() }
    @Test(arguments: ttlCases) func ttl(_ row: CommandCase) { row.check() }

    @Test func keysExpireAsTheClockMoves() {
        let clock = ManualWallClock(UnixMillis(T0))
        var keyspace = Keyspace(hashSeed: 3)
        keyspace.run("SET", "k", "v", "PX", "1000", clock: clock)
        clock.advance(by: 999)
        #expect(keyspace.run("GET", "k", clock: clock).reply == .bulk("v"))
        #expect(keyspace.run("PTTL", "k", clock: clock).reply == .integer(1))
        clock.advance(by: 1)
        let expired = keyspace.run("GET", "k", clock: clock)
        #expect(expired.reply == .null)
        #expect(expired.effectSummaries == ["delete k"])
        #expect(keyspace.count == 0)
    }

    @Test func aReplicaHidesExpiredKeysButNeverRemovesThem() {
        let clock = ManualWallClock(UnixMillis(T0))
        var keyspace = Keyspace(hashSeed: 3)
        keyspace.run("SET", "k", "v", "PX", "1000", clock: clock)
        clock.advance(by: 5000)
        for command in [["GET", "k"], ["EXISTS", "k"], ["TTL", "k"], ["TYPE", "k"], ["SCAN", "0"], ["KEYS", "*"]] {
            let outcome = keyspace.run(command, now: clock.now(), expiry: .replica)
            #expect(outcome.effects.isEmpty, "\(command)")
        }
        #expect(keyspace.run("GET", "k", clock: clock, expiry: .replica).reply == .null)
        #expect(keyspace.run("TTL", "k", clock: clock, expiry: .replica).reply == .integer(-2))
        #expect(keyspace.count == 1)
        // The primary's delete arrives through the log.
        keyspace.apply(.delete(key: Array("k".utf8)))
        #expect(keyspace.count == 0)
    }

    @Test func expireThenPersistRoundTripsThroughApply() {
        let clock = ManualWallClock(UnixMillis(T0))
        var primary = Keyspace(hashSeed: 3)
        var replica = Keyspace(hashSeed: 4)
        for command in [["SET", "k", "v"], ["EXPIRE", "k", "100"], ["INCR", "n"], ["APPEND", "k", "w"],
                        ["PERSIST", "k"], ["RENAME", "k", "j"], ["EXPIRE", "n", "-1"], ["SET", "m", "1", "EX", "5"]] {
            for effect in primary.run(command, now: clock.now()).effects { replica.apply(effect) }
        }
        let primaryEntries = primary.snapshot().map { "\($0.key) \($0.value) \(String(describing: $0.expiresAt))" }
        let replicaEntries = replica.snapshot().map { "\($0.key) \($0.value) \(String(describing: $0.expiresAt))" }
        #expect(Set(primaryEntries) == Set(replicaEntries))
        #expect(primaryEntries.count == 2)
    }
}
