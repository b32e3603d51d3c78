import KVCore
import KVTestKit
import Testing

@Suite("String commands")
struct StringCommandTests {
    static let getAndSetCases: [CommandCase] = [
        CommandCase("GET k", .null),
        CommandCase("GET k", setup: ["SET k v"], .bulk("v")),
        CommandCase("GET k", setup: ["SET k v PX 5000"], .null, effects: ["delete k"]),
        CommandCase("GET k", setup: ["SET k v PX 20000"], .bulk("v")),
        CommandCase("get k", setup: ["SET k v"], .bulk("v")),
        CommandCase("GET", err("ERR wrong number of arguments for 'get' command")),
        CommandCase("GET a b", err("ERR wrong number of arguments for 'get' command")),
        CommandCase("SET k v", .ok, effects: ["put k v"]),
        CommandCase("SET k v", setup: ["SET k old PX 20000"], .ok, effects: ["put k v"]),
        CommandCase("SET k v EX 10", .ok, effects: ["put k v @\(T0 + 10_000)"]),
        CommandCase("set k v ex 10", .ok, effects: ["put k v @\(T0 + 10_000)"]),
        CommandCase("SET k v PX 10", .ok, effects: ["put k v @\(T0 + 10)"]),
        CommandCase("SET k v EXAT 1800000000", .ok, effects: ["put k v @1800000000000"]),
        CommandCase("SET k v PXAT 1800000000123", .ok, effects: ["put k v @1800000000123"]),
        CommandCase("SET k v EX 10 EX 20", .ok, effects: ["put k v @\(T0 + 20_000)"]),
        CommandCase("SET k v NX", .ok, effects: ["put k v"]),
        CommandCase("SET k v NX", setup: ["SET k old"], .null),
        CommandCase("SET k v NX", setup: ["SET k old PX 5000"], .ok, effects: ["delete k", "put k v"]),
        CommandCase("SET k v XX", .null),
        CommandCase("SET k v XX", setup: ["SET k old"], .ok, effects: ["put k v"]),
        CommandCase("SET k v GET", .null, effects: ["put k v"]),
        CommandCase("SET k v GET", setup: ["SET k old"], .bulk("old"), effects: ["put k v"]),
        CommandCase("SET k v GET", setup: ["SET k old PX 5000"], .null, effects: ["delete k", "put k v"]),
        CommandCase("SET k v NX GET", setup: ["SET k old"], .bulk("old")),
        CommandCase("SET k v XX GET", .null),
        CommandCase("SET k v KEEPTTL", setup: ["SET k old PX 20000"], .ok, effects: ["put k v @\(T0 + 10_000)"]),
        CommandCase("SET k v KEEPTTL", .ok, effects: ["put k v"]),
        CommandCase("SET k v KEEPTTL EX 10", syntaxError),
        CommandCase("SET k v EX 10 KEEPTTL", syntaxError),
        CommandCase("SET k v EX 10 PX 10", syntaxError),
        CommandCase("SET k v PXAT 10 EXAT 10", syntaxError),
        CommandCase("SET k v NX XX", syntaxError),
        CommandCase("SET k v PERSIST", syntaxError),
        CommandCase("SET k v FOO", syntaxError),
        CommandCase("SET k v EX", syntaxError),
        CommandCase("SET k v EX abc", notInteger),
        CommandCase("SET k v EX 0", err("ERR invalid expire time in 'set' command")),
        CommandCase("SET k v PX -5", err("ERR invalid expire time in 'set' command")),
        CommandCase("SET k v EX 9223372036854775807", err("ERR invalid expire time in 'set' command")),
        CommandCase("SET k v PX 9223372036854775807", err("ERR invalid expire time in 'set' command")),
        CommandCase("SET k", err("ERR wrong number of arguments for 'set' command")),
        CommandCase("SETNX k v", .integer(1), effects: ["put k v"]),
        CommandCase("SETNX k v", setup: ["SET k old"], .integer(0)),
        CommandCase("SETEX k 10 v", .ok, effects: ["put k v @\(T0 + 10_000)"]),
        CommandCase("SETEX k 0 v", err("ERR invalid expire time in 'setex' command")),
        CommandCase("SETEX k x v", notInteger),
        CommandCase("SETEX k 10", err("ERR wrong number of arguments for 'setex' command")),
        CommandCase("PSETEX k 100 v", .ok, effects: ["put k v @\(T0 + 100)"]),
        CommandCase("PSETEX k -1 v", err("ERR invalid expire time in 'psetex' command")),
    ]

    static let variantsCases: [CommandCase] = [
        CommandCase("GETSET k v", .null, effects: ["put k v"]),
        CommandCase("GETSET k v", setup: ["SET k old PX 20000"], .bulk("old"), effects: ["put k v"]),
        CommandCase("GETDEL k", .null),
        CommandCase("GETDEL k", setup: ["SET k v"], .bulk("v"), effects: ["delete k"]),
        CommandCase("GETEX k", .null),
        CommandCase("GETEX k", setup: ["SET k v"], .bulk("v")),
        CommandCase("GETEX k EX 10", setup: ["SET k v"], .bulk("v"), effects: ["expire k @\(T0 + 10_000)"]),
        CommandCase("GETEX k PX 10", setup: ["SET k v"], .bulk("v"), effects: ["expire k @\(T0 + 10)"]),
        CommandCase("GETEX k PXAT 1800000000000", setup: ["SET k v"], .bulk("v"), effects: ["expire k @1800000000000"]),
        CommandCase("GETEX k EXAT 1000", setup: ["SET k v"], .bulk("v"), effects: ["delete k"]),
        CommandCase("GETEX k PERSIST", setup: ["SET k v PX 20000"], .bulk("v"), effects: ["expire k never"]),
        CommandCase("GETEX k PERSIST", setup: ["SET k v"], .bulk("v")),
        CommandCase("GETEX k EX 0", setup: ["SET k v"], err("ERR invalid expire time in 'getex' command")),
        CommandCase("GETEX k EX 0", .null),
        CommandCase("GETEX k NX", setup: ["SET k v"], syntaxError),
        CommandCase("GETEX k KEEPTTL", setup: ["SET k v"], syntaxError),
        CommandCase("GETEX k PERSIST EX 10", setup: ["SET k v"], syntaxError),
        CommandCase("MGET a b c", setup: ["SET a 1", "SET c 3"], .array([.bulk("1"), .null, .bulk("3")])),
        CommandCase("MGET a", setup: ["SET a 1 PX 5000"], .array([.null]), effects: ["delete a"]),
        CommandCase("MSET a 1 b 2", .ok, effects: ["put a 1", "put b 2"]),
        CommandCase("MSET a 1 a 2", .ok, effects: ["put a 1", "put a 2"]),
        CommandCase("MSET a 1 b", err("ERR wrong number of arguments for 'mset' command")),
        CommandCase("MSETNX a 1 b 2", .integer(1), effects: ["put a 1", "put b 2"]),
        CommandCase("MSETNX a 1 b 2", setup: ["SET b x"], .integer(0)),
        CommandCase("MSETNX a 1 b", err("ERR wrong number of arguments for 'msetnx' command")),
        CommandCase("APPEND k abc", .integer(3), effects: ["put k abc"]),
        CommandCase("APPEND k def", setup: ["SET k abc PX 20000"], .integer(6), effects: ["put k abcdef @\(T0 + 10_000)"]),
        CommandCase(words: ["APPEND", "k", ""], setup: ["SET k abc"], .integer(3)),
        CommandCase("STRLEN k", .integer(0)),
        CommandCase("STRLEN k", setup: ["SET k hello"], .integer(5)),
    ]

    static let rangesCases: [CommandCase] = [
        CommandCase("GETRANGE k 0 3", setup: ["SET k Thisisastring"], .bulk("This")),
        CommandCase("GETRANGE k -3 -1", setup: ["SET k Thisisastring"], .bulk("ing")),
        CommandCase("GETRANGE k 0 -1", setup: ["SET k Thisisastring"], .bulk("Thisisastring")),
        CommandCase("GETRANGE k 9 100", setup: ["SET k Thisisastring"], .bulk("ring")),
        CommandCase("GETRANGE k -100 1", setup: ["SET k Thisisastring"], .bulk("Th")),
        CommandCase("GETRANGE k 5 3", setup: ["SET k Thisisastring"], .bulk("")),
        CommandCase("GETRANGE k -1 -5", setup: ["SET k Thisisastring"], .bulk("")),
        CommandCase("GETRANGE k 20 30", setup: ["SET k Thisisastring"], .bulk("")),
        CommandCase("GETRANGE k 0 3", .bulk("")),
        CommandCase("GETRANGE k a 3", notInteger),
        CommandCase("SETRANGE k 5 Redis", setup: ["SET k HelloWorld"], .integer(10), effects: ["put k HelloRedis"]),
        CommandCase("SETRANGE k 3 ab", .integer(5), effects: ["put k \0\0\0ab"]),
        CommandCase("SETRANGE k 12 !", setup: ["SET k HelloWorld PX 20000"], .integer(13),
                    effects: ["put k HelloWorld\0\0! @\(T0 + 10_000)"]),
        CommandCase("SETRANGE k -1 x", err("ERR offset is out of range")),
        CommandCase("SETRANGE k x x", notInteger),
        CommandCase(words: ["SETRANGE", "k", "0", ""], .integer(0)),
        CommandCase(words: ["SETRANGE", "k", "100", ""], setup: ["SET k abc"], .integer(3)),
        CommandCase("SETRANGE k 536870911 xy", err("ERR string exceeds maximum allowed size (proto-max-bulk-len)")),
    ]

    @Test(arguments: getAndSetCases) func getAndSet(_ row: CommandCase) { row.check() }
    @Test(arguments: variantsCases) func variants(_ row: CommandCase) { row.check() }
    @Test(arguments: rangesCases) func ranges(_ row: CommandCase) { row.check() }

    @Test func appendAndSetrangeRespectTheMaximumValueSize() {
        var keyspace = Keyspace(hashSeed: 1)
        let context = CommandContext(now: UnixMillis(T0), maxValueSize: 8)
        #expect(keyspace.run(["SET", "k", "12345"], context: context).reply == .ok)
        #expect(keyspace.run(["APPEND", "k", "678"], context: context).reply == .integer(8))
        let tooLong = keyspace.run(["APPEND", "k", "9"], context: context)
        #expect(tooLong.reply == .error(.stringTooLong))
        #expect(tooLong.effects.isEmpty)
        #expect(keyspace.run(["SETRANGE", "k", "8", "x"], context: context).reply == .error(.stringTooLong))
        #expect(keyspace.run(["SETRANGE", "k", "7", "x"], context: context).reply == .integer(8))
    }

    @Test func binaryValuesRoundTrip() {
        var keyspace = Keyspace(hashSeed: 1)
        let value: [UInt8] = [0, 255, 13, 10, 0]
        var effects: [WriteOperation] = []
        let set = OwnedArguments([Array("SET".utf8), [1, 0, 2], value])
        _ = set.withArguments { keyspace.execute(KeyspaceCommands.table.lookup("set")!, $0, context: CommandContext(now: UnixMillis(T0)), effects: &effects) }
        let get = OwnedArguments([Array("GET".utf8), [1, 0, 2]])
        let reply = get.withArguments { keyspace.execute(KeyspaceCommands.table.lookup("get")!, $0, context: CommandContext(now: UnixMillis(T0)), effects: &effects) }
        #expect(reply.bulkBytes == value)
    }

    @Test func executeChecksArityItself() {
        var keyspace = Keyspace(hashSeed: 1)
        var effects: [WriteOperation] = []
        let reply = OwnedArguments(["GET"]).withArguments {
            keyspace.execute(KeyspaceCommands.table.lookup("get")!, $0, context: CommandContext(now: UnixMillis(T0)), effects: &effects)
        }
        #expect(reply == err("ERR wrong number of arguments for 'get' command"))
    }
}
