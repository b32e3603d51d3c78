import KVCore
import KVTestKit
import Testing

/// The bit commands' replies and, above all, their logged effects: a write logs the `.put` of
/// the whole new value keeping the key's expiry, and nothing when it changes nothing.
@Suite("Bit commands")
struct BitCommandTests {
    static let setbitCases: [CommandCase] = [
        CommandCase("SETBIT k 1 1", .integer(0), effects: ["put k @"]),
        CommandCase("SETBIT k 1 1", setup: ["SET k @"], .integer(1)),
        CommandCase("SETBIT k 1 0", setup: ["SET k @"], .integer(1), effects: ["put k \0"]),
        CommandCase("SETBIT k 7 1", setup: ["SET k @ PX 20000"], .integer(0), effects: ["put k A @\(T0 + 10_000)"]),
        CommandCase("SETBIT k 9 0", setup: ["SET k A"], .integer(0), effects: ["put k A\0"]),
        CommandCase("SETBIT k 0 1", setup: ["SET k A PX 5000"], .integer(0), effects: ["delete k", "put k \u{FFFD}"]),
        CommandCase("SETBIT k -1 1", err("ERR bit offset is not an integer or out of range")),
        CommandCase("SETBIT k 4294967296 1", err("ERR bit offset is not an integer or out of range")),
        CommandCase("SETBIT k 1 2", err("ERR bit is not an integer or out of range")),
        CommandCase("SETBIT h 1 1", setup: ["HSET h f v"], .error(.wrongType)),
        CommandCase("GETBIT k 1", setup: ["SET k @"], .integer(1)),
        CommandCase("GETBIT k 1000", setup: ["SET k @"], .integer(0)),
        CommandCase("GETBIT k 1", .integer(0)),
    ]

    static let bitopCases: [CommandCase] = [
        CommandCase("BITOP OR d a b", setup: ["SET a A", "SET b BB"], .integer(2), effects: ["put d CB"]),
        CommandCase("BITOP AND d a b", setup: ["SET a A", "SET b BB"], .integer(2), effects: ["put d @\0"]),
        CommandCase("BITOP XOR d a a", setup: ["SET a A"], .integer(1), effects: ["put d \0"]),
        CommandCase("BITOP NOT d a", setup: ["SET a \u{7F}"], .integer(1), effects: ["put d \u{FFFD}"]),
        CommandCase("BITOP OR d a", setup: ["SET a A", "SET d x PX 20000"], .integer(1), effects: ["put d A"]),
        CommandCase("BITOP OR d a", setup: ["SET a A", "HSET d f v"], .integer(1), effects: ["put d A"]),
        CommandCase("BITOP OR d a", setup: ["SET a A", "SET d A"], .integer(1)),
        CommandCase("BITOP OR d nokey", setup: ["SET d x"], .integer(0), effects: ["delete d"]),
        CommandCase("BITOP OR d nokey", .integer(0)),
        CommandCase("BITOP NOT d a b", err("ERR BITOP NOT must be called with a single source key.")),
        CommandCase("BITOP AND d h", setup: ["HSET h f v"], .error(.wrongType)),
        CommandCase("BITOP NAND d a", syntaxError),
    ]

    static let bitfieldCases: [CommandCase] = [
        CommandCase("BITFIELD k SET u8 0 65", .array([.integer(0)]), effects: ["put k A"]),
        CommandCase("BITFIELD k SET u8 0 65", setup: ["SET k A"], .array([.integer(65)])),
        CommandCase("BITFIELD k INCRBY u8 0 1 GET u8 0", setup: ["SET k A PX 20000"], .array([.integer(66), .integer(66)]),
                    effects: ["put k B @\(T0 + 10_000)"]),
        CommandCase("BITFIELD k INCRBY u8 8 1", setup: ["SET k A"], .array([.integer(1)]), effects: ["put k A\u{01}"]),
        CommandCase("BITFIELD k OVERFLOW FAIL INCRBY u8 0 1000", setup: ["SET k A"], .array([.null])),
        CommandCase("BITFIELD k OVERFLOW FAIL SET u8 0 256", .array([.null]), effects: ["put k \0"]),
        CommandCase("BITFIELD k OVERFLOW SAT INCRBY i8 0 1000", setup: ["SET k A"], .array([.integer(127)]), effects: ["put k \u{7F}"]),
        CommandCase("BITFIELD k INCRBY i8 0 100", setup: ["SET k A"], .array([.integer(-91)]), effects: ["put k \u{FFFD}"]),
        CommandCase("BITFIELD k GET u8 0 GET i4 4", setup: ["SET k A"], .array([.integer(65), .integer(1)])),
        CommandCase("BITFIELD k GET u8 0", .array([.integer(0)])),
        CommandCase("BITFIELD k", .array([])),
        CommandCase("BITFIELD k GET u64 0", err("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.")),
        CommandCase("BITFIELD k OVERFLOW NONE", err("ERR Invalid OVERFLOW type specified")),
        CommandCase("BITFIELD k SET u8 0", syntaxError),
        CommandCase("BITFIELD k SET u8 0 x", notInteger),
        CommandCase("BITFIELD_RO k GET u8 0", setup: ["SET k A"], .array([.integer(65)])),
        CommandCase("BITFIELD_RO k SET u8 0 1", err("ERR BITFIELD_RO only supports the GET subcommand")),
    ]

    static let readCases: [CommandCase] = [
        CommandCase("BITCOUNT k", setup: ["SET k foobar"], .integer(26)),
        CommandCase("BITCOUNT k 1 1", setup: ["SET k foobar"], .integer(6)),
        CommandCase("BITCOUNT k 5 30 BIT", setup: ["SET k foobar"], .integer(17)),
        CommandCase("BITCOUNT k 0", setup: ["SET k foobar"], syntaxError),
        CommandCase("BITCOUNT k 0", .integer(0)),
        CommandCase("BITPOS k 1", setup: ["SET k \0\u{0F}"], .integer(12)),
        CommandCase("BITPOS k 0", setup: ["SET k \u{7F}\u{7F}"], .integer(0)),
        CommandCase("BITPOS k 0 1", setup: ["SETBIT k 15 1", "BITOP NOT k k"], .integer(15)),
        CommandCase("BITPOS k 1 2 -1 BIT", setup: ["SET k \u{01}"], .integer(7)),
        CommandCase("BITPOS k 1", .integer(-1)),
        CommandCase("BITPOS k 3", err("ERR The bit argument must be 1 or 0.")),
        CommandCase("LCS a b", setup: ["SET a ohmytext", "SET b mynewtext"], .bulk("mytext")),
        CommandCase("LCS a b LEN", setup: ["SET a ohmytext", "SET b mynewtext"], .integer(6)),
        CommandCase("LCS a b IDX MINMATCHLEN 4 WITHMATCHLEN", setup: ["SET a ohmytext", "SET b mynewtext"],
                    .map([(.bulk("matches"), .array([.array([.array([.integer(4), .integer(7)]), .array([.integer(5), .integer(8)]), .integer(4)])])),
                          (.bulk("len"), .integer(6))])),
        CommandCase("LCS a h", setup: ["HSET h f v"], err("ERR The specified keys must contain string values")),
        CommandCase("SUBSTR k 0 2", setup: ["SET k foobar"], .bulk("foo")),
    ]

    @Test(arguments: setbitCases) func setbitAndGetbit(_ row: CommandCase) { row.check() }
    @Test(arguments: bitopCases) func bitop(_ row: CommandCase) { row.check() }
    @Test(arguments: bitfieldCases) func bitfield(_ row: CommandCase) { row.check() }
    @Test(arguments: readCases) func readsLogNothing(_ row: CommandCase) { row.check() }

    /// The logged puts rebuild the same dataset on another keyspace (as a replica or recovery
    /// would), whatever mix of bit writes made it.
    @Test func replayingTheEffectsGivesTheSameValues() {
        var primary = Keyspace(hashSeed: 7)
        var replica = Keyspace(hashSeed: 7)
        let commands: [[String]] = [
            ["SETBIT", "a", "100", "1"], ["SETBIT", "a", "3", "1"], ["BITFIELD", "b", "SET", "i16", "#3", "-300", "INCRBY", "u5", "2", "9"],
            ["BITOP", "XOR", "c", "a", "b"], ["BITOP", "NOT", "a", "c"], ["BITFIELD", "c", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "999"],
            ["BITOP", "AND", "b", "missing"],
        ]
        for command in commands {
            let outcome = primary.run(command, now: UnixMillis(T0))
            for effect in outcome.effects {
                switch effect {
                case let .put(entry): replica.insert(entry)
                case let .delete(key): _ = key.withUnsafeBytes { replica.remove($0) }
                default: Issue.record("unexpected effect \(effect.summary)")
                }
            }
        }
        for key in ["a", "b", "c"] {
            #expect(primary.value(of: key, now: UnixMillis(T0)) == replica.value(of: key, now: UnixMillis(T0)), "\(key)")
        }
        #expect(primary.value(of: "b", now: UnixMillis(T0)) == nil)
    }

    /// COMMAND INFO's fields as Redis 7.0.15 lists them.
    @Test(arguments: [
        ("setbit", 4, 1, 1, "@write @bitmap @slow"), ("getbit", 3, 1, 1, "@read @bitmap @fast"),
        ("bitcount", -2, 1, 1, "@read @bitmap @slow"), ("bitpos", -3, 1, 1, "@read @bitmap @slow"),
        ("bitop", -4, 2, -1, "@write @bitmap @slow"), ("bitfield", -2, 1, 1, "@write @bitmap @slow"),
        ("bitfield_ro", -2, 1, 1, "@read @bitmap @fast"), ("lcs", -3, 1, 2, "@read @string @slow"),
        ("substr", 4, 1, 1, "@read @string @slow"),
    ] as [(String, Int, Int, Int, String)])
    func commandInfoIsRedis(name: String, arity: Int, firstKey: Int, lastKey: Int, categories: String) throws {
        let spec = try #require(KeyspaceCommands.table.lookup(name)?.spec)
        #expect(spec.arity == arity)
        #expect(spec.firstKey == firstKey && spec.lastKey == lastKey && spec.keyStep == 1)
        #expect(spec.aclCategories.joined(separator: " ") == categories)
    }

    @Test func setbitRespectsTheMaximumValueSize() {
        var keyspace = Keyspace(hashSeed: 1)
        let context = CommandContext(now: UnixMillis(T0), maxValueSize: 8)
        #expect(keyspace.run(["SETBIT", "k", "63", "1"], context: context).reply == .integer(0))
        let refused = keyspace.run(["SETBIT", "k", "64", "1"], context: context)
        #expect(refused.reply == err("ERR bit offset is not an integer or out of range"))
        #expect(refused.effects.isEmpty)
    }
}
