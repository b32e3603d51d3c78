import KVCore
import KVTestKit
import Testing

@Suite("Counter commands")
struct CounterCommandTests {
    static let integersCases: [CommandCase] = [
        CommandCase("INCR k", .integer(1), effects: ["put k 1"]),
        CommandCase("INCR k", setup: ["SET k 10"], .integer(11), effects: ["put k 11"]),
        CommandCase("INCR k", setup: ["SET k 1 PX 20000"], .integer(2), effects: ["put k 2 @\(T0 + 10_000)"]),
        CommandCase("INCR k", setup: ["SET k 1 PX 5000"], .integer(1), effects: ["delete k", "put k 1"]),
        CommandCase("INCR k", setup: ["SET k abc"], notInteger),
        CommandCase("INCR k", setup: ["SET k 01"], notInteger),
        CommandCase("INCR k", setup: ["SET k +1"], notInteger),
        CommandCase("INCR k", setup: ["SET k -0"], notInteger),
        CommandCase("INCR k", setup: ["SET k 9223372036854775808"], notInteger),
        CommandCase(words: ["INCR", "k"], setup: ["SET k 1.5"], notInteger),
        CommandCase("INCR k", setup: ["SET k 9223372036854775807"], .error(.overflow)),
        CommandCase("DECR k", .integer(-1), effects: ["put k -1"]),
        CommandCase("DECR k", setup: ["SET k -9223372036854775808"], .error(.overflow)),
        CommandCase("INCRBY k 5", .integer(5), effects: ["put k 5"]),
        CommandCase("INCRBY k -5", setup: ["SET k 3"], .integer(-2), effects: ["put k -2"]),
        CommandCase("INCRBY k x", notInteger),
        CommandCase("INCRBY k 01", notInteger),
        CommandCase("INCRBY k 1", setup: ["SET k x"], notInteger),
        CommandCase("INCRBY k 9223372036854775807", setup: ["SET k 1"], .error(.overflow)),
        CommandCase("INCRBY k -9223372036854775808", setup: ["SET k -1"], .error(.overflow)),
        CommandCase("INCRBY k -9223372036854775808", .integer(.min), effects: ["put k -9223372036854775808"]),
        CommandCase("DECRBY k 5", .integer(-5), effects: ["put k -5"]),
        CommandCase("DECRBY k -9223372036854775808", err("ERR decrement would overflow")),
        CommandCase("INCR", err("ERR wrong number of arguments for 'incr' command")),
    ]

    static let floatsCases: [CommandCase] = [
        CommandCase("INCRBYFLOAT k 0.1", .bulk("0.1"), effects: ["put k 0.1"]),
        CommandCase("INCRBYFLOAT k 0.1", setup: ["SET k 10.50"], .bulk("10.6"), effects: ["put k 10.6"]),
        CommandCase("INCRBYFLOAT k -5", setup: ["SET k 10.6"], .bulk("5.6"), effects: ["put k 5.6"]),
        CommandCase("INCRBYFLOAT k 2.0e2", setup: ["SET k 5.0e3"], .bulk("5200"), effects: ["put k 5200"]),
        CommandCase("INCRBYFLOAT k -1", setup: ["SET k 1"], .bulk("0"), effects: ["put k 0"]),
        CommandCase("INCRBYFLOAT k 1.5", setup: ["SET k 1 PX 20000"], .bulk("2.5"), effects: ["put k 2.5 @\(T0 + 10_000)"]),
        CommandCase("INCRBYFLOAT k abc", .error(.notFloat)),
        CommandCase("INCRBYFLOAT k 1", setup: ["SET k abc"], .error(.notFloat)),
        CommandCase("INCRBYFLOAT k nan", .error(.notFloat)),
        CommandCase("INCRBYFLOAT k inf", .error(.nanOrInfinity)),
        CommandCase(words: ["INCRBYFLOAT", "k", " 1"], .error(.notFloat)),
        CommandCase(words: ["INCRBYFLOAT", "k", "1 "], .error(.notFloat)),
        CommandCase(words: ["INCRBYFLOAT", "k", ""], .error(.notFloat)),
    ]

    @Test(arguments: integersCases) func integers(_ row: CommandCase) { row.check() }
    @Test(arguments: floatsCases) func floats(_ row: CommandCase) { row.check() }
}
