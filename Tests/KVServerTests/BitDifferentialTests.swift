import Foundation
import Testing

/// The bit commands (SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO) and LCS and
/// SUBSTR against a real redis-server, byte for byte in RESP2 and RESP3: a script of every
/// command and its error paths, and seeded random workloads with every value compared at the end.
@Suite(.serialized) struct BitDifferentialTests {
    static let script: [[String]] = [
        // SETBIT / GETBIT
        ["SETBIT", "b", "7", "1"], ["SETBIT", "b", "7", "1"], ["SETBIT", "b", "7", "0"], ["SETBIT", "b", "100", "1"],
        ["GET", "b"], ["STRLEN", "b"], ["GETBIT", "b", "100"], ["GETBIT", "b", "101"], ["GETBIT", "b", "100000"],
        ["GETBIT", "nokey", "3"], ["SETBIT", "zeros", "20", "0"], ["GET", "zeros"],
        ["SETBIT", "b", "-1", "1"], ["SETBIT", "b", "x", "1"], ["SETBIT", "b", "1", "2"], ["SETBIT", "b", "1", "-1"],
        ["SETBIT", "b", "1", "x"], ["SETBIT", "b", "1", "01"], ["SETBIT", "b", "4294967296", "1"],
        ["SETBIT", "b", "#8", "1"], ["GETBIT", "b", "-1"], ["GETBIT", "b", "x"], ["GETBIT", "b", "4294967296"],
        ["GETBIT", "b", "4294967295"], ["SETBIT", "b"], ["GETBIT", "b"], ["SETBIT", "b", "1", "1", "1"],
        ["SET", "s", "foobar"], ["GETBIT", "s", "1"], ["GETBIT", "s", "0"], ["SETBIT", "s", "0", "1"], ["GET", "s"],
        // BITCOUNT
        ["SET", "s", "foobar"], ["BITCOUNT", "s"], ["BITCOUNT", "s", "0", "0"], ["BITCOUNT", "s", "1", "1"],
        ["BITCOUNT", "s", "1", "-2"], ["BITCOUNT", "s", "-2", "-1"], ["BITCOUNT", "s", "-100", "100"],
        ["BITCOUNT", "s", "5", "1"], ["BITCOUNT", "s", "-1", "-5"], ["BITCOUNT", "s", "-10", "-20"],
        ["BITCOUNT", "s", "0", "0", "BYTE"], ["BITCOUNT", "s", "5", "30", "BIT"], ["BITCOUNT", "s", "5", "30", "bit"],
        ["BITCOUNT", "s", "1", "1", "BIT"], ["BITCOUNT", "s", "-7", "-1", "BIT"], ["BITCOUNT", "s", "0", "1000", "BIT"],
        ["BITCOUNT", "s", "9", "9", "BIT"], ["BITCOUNT", "s", "-100", "-200", "BIT"],
        ["BITCOUNT", "s", "0"], ["BITCOUNT", "s", "x", "1"], ["BITCOUNT", "s", "1", "x"], ["BITCOUNT", "s", "0", "1", "bad"],
        ["BITCOUNT", "s", "0", "x", "bad"], ["BITCOUNT", "s", "0", "1", "BIT", "extra"],
        ["BITCOUNT", "nokey"], ["BITCOUNT", "nokey", "x", "y"], ["BITCOUNT", "nokey", "0"], ["BITCOUNT", "nokey", "0", "1", "bad"],
        ["BITCOUNT"],
        // BITPOS
        ["SET", "p", "\u{00}\u{0F}\u{7F}"], ["BITPOS", "p", "1"], ["BITPOS", "p", "0"], ["BITPOS", "p", "1", "1"],
        ["BITPOS", "p", "1", "2", "-1"], ["BITPOS", "p", "0", "1", "1"], ["BITPOS", "p", "1", "0", "0"],
        ["BITPOS", "p", "1", "3", "100", "BIT"], ["BITPOS", "p", "0", "12", "15", "BIT"], ["BITPOS", "p", "0", "12", "14", "BIT"],
        ["BITPOS", "p", "1", "-3", "-1", "BIT"], ["BITPOS", "p", "1", "-10", "-20"], ["BITPOS", "p", "0", "-10", "-20"],
        ["BITPOS", "p", "1", "5", "2", "BYTE"], ["BITPOS", "p", "1", "-10", "-20", "BIT"],
        ["SET", "ones", "\u{7F}"], ["SETRANGE", "ones", "0", "\u{7F}"], ["BITPOS", "ones", "0"],
        ["BITCOUNT", "ones"], ["SET", "full", "abc"], ["BITOP", "NOT", "full", "zeros"], ["BITPOS", "full", "0"],
        ["BITPOS", "full", "0", "1"], ["BITPOS", "full", "0", "0", "-1"], ["BITPOS", "full", "0", "1", "-1", "BIT"],
        ["BITPOS", "full", "1", "3", "5", "BIT"], ["BITPOS", "zeros", "1"], ["BITPOS", "zeros", "1", "1", "2"],
        ["BITPOS", "nokey", "1"], ["BITPOS", "nokey", "0"], ["BITPOS", "nokey", "2"], ["BITPOS", "nokey", "1", "x"],
        ["BITPOS", "nokey", "1", "0", "1", "bad"], ["BITPOS", "p", "2"], ["BITPOS", "p", "x"], ["BITPOS", "p", "01"],
        ["BITPOS", "p", "1", "x"], ["BITPOS", "p", "1", "0", "x"], ["BITPOS", "p", "1", "0", "x", "bad"],
        ["BITPOS", "p", "1", "x", "1", "bad"], ["BITPOS", "p", "1", "0", "1", "bad"], ["BITPOS", "p", "1", "0", "1", "BIT", "3"],
        ["BITPOS", "p"],
        // BITOP
        ["SET", "x1", "abcdef"], ["SET", "x2", "xyz"], ["BITOP", "AND", "dest", "x1", "x2"], ["GET", "dest"],
        ["BITOP", "OR", "dest", "x1", "x2"], ["GET", "dest"], ["BITOP", "XOR", "dest", "x1", "x2", "nokey"], ["GET", "dest"],
        ["BITOP", "and", "dest", "x1", "nokey"], ["GET", "dest"], ["BITOP", "NOT", "dest", "x1"], ["GET", "dest"],
        ["BITOP", "or", "dest", "x1"], ["GET", "dest"], ["BITOP", "XOR", "dest", "x1", "x1"], ["GET", "dest"],
        ["SET", "dest", "v", "EX", "100"], ["BITOP", "OR", "dest", "x2"], ["TTL", "dest"], ["GET", "dest"],
        ["BITOP", "AND", "dest", "nokey", "nokey2"], ["EXISTS", "dest"], ["BITOP", "NOT", "dest", "nokey"],
        ["BITOP", "AND", "x2", "x2", "x1"], ["GET", "x2"],
        ["BITOP", "NOT", "dest", "x1", "x2"], ["BITOP", "NOT", "dest"], ["BITOP", "BAD", "dest", "x1"],
        ["BITOP", "DIFF", "dest", "x1", "x2"], ["BITOP", "AND"], ["BITOP", "AND", "dest"],
        // BITFIELD
        ["BITFIELD", "f", "SET", "u8", "0", "255", "GET", "u8", "0", "GET", "i8", "0"], ["GET", "f"],
        ["BITFIELD", "f", "INCRBY", "u8", "0", "10", "INCRBY", "i5", "100", "1", "GET", "u4", "0"],
        ["BITFIELD", "f", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "1000", "INCRBY", "i8", "8", "-1000"],
        ["BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "1", "INCRBY", "i8", "8", "-1", "SET", "u2", "0", "7"],
        ["BITFIELD", "f", "OVERFLOW", "WRAP", "INCRBY", "u8", "0", "1", "INCRBY", "i8", "8", "200", "SET", "i3", "3", "100"],
        ["BITFIELD", "f", "SET", "i64", "0", "-1", "GET", "i64", "0", "GET", "u63", "0", "GET", "u63", "1"],
        ["BITFIELD", "f", "INCRBY", "i64", "0", "9223372036854775807", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "-9223372036854775808"],
        ["BITFIELD", "f", "OVERFLOW", "SAT", "SET", "i64", "0", "9223372036854775807", "INCRBY", "i64", "0", "1", "INCRBY", "i64", "0", "-1"],
        ["BITFIELD", "f", "OVERFLOW", "SAT", "SET", "u8", "0", "-1", "SET", "u8", "0", "300", "SET", "i8", "0", "-300"],
        ["BITFIELD", "f", "OVERFLOW", "WRAP", "SET", "u8", "0", "-1", "SET", "u8", "0", "300", "SET", "i8", "0", "-300"],
        ["BITFIELD", "f", "OVERFLOW", "FAIL", "SET", "u8", "0", "-1", "SET", "u63", "0", "-1", "SET", "i1", "0", "-1", "SET", "i1", "0", "1"],
        ["BITFIELD", "f", "INCRBY", "u63", "0", "-1", "OVERFLOW", "SAT", "INCRBY", "u63", "0", "-1", "INCRBY", "u1", "7", "5"],
        ["BITFIELD", "f", "INCRBY", "i1", "3", "1", "INCRBY", "i1", "3", "1", "OVERFLOW", "SAT", "INCRBY", "i1", "3", "-5"],
        ["BITFIELD", "f", "SET", "u8", "#2", "65", "GET", "u8", "#2", "SET", "i16", "#3", "-2", "GET", "u16", "#3"], ["GET", "f"],
        ["BITFIELD", "f", "GET", "u8", "1000", "GET", "i64", "60", "GET", "u8", "#99999"], ["GET", "f"],
        ["BITFIELD", "f2", "SET", "u8", "7", "1"], ["GET", "f2"], ["BITFIELD", "f2", "SET", "u8", "7", "1"],
        ["BITFIELD", "f3", "OVERFLOW", "FAIL", "SET", "u8", "0", "256"], ["EXISTS", "f3"], ["GET", "f3"],
        ["BITFIELD", "f", "GET", "u64", "0"], ["BITFIELD", "f", "GET", "i65", "0"], ["BITFIELD", "f", "GET", "u0", "0"],
        ["BITFIELD", "f", "GET", "U8", "0"], ["BITFIELD", "f", "GET", "u08", "0"], ["BITFIELD", "f", "GET", "i", "0"],
        ["BITFIELD", "f", "GET", "x8", "0"], ["BITFIELD", "f", "GET", "", "0"], ["BITFIELD", "f", "GET", "u8"],
        ["BITFIELD", "f", "GET"], ["BITFIELD", "f", "SET", "u8", "0"], ["BITFIELD", "f", "OVERFLOW"],
        ["BITFIELD", "f", "OVERFLOW", "x", "GET", "u8", "0"], ["BITFIELD", "f", "BOGUS"], ["BITFIELD", "f", "GET", "u8", "0", "extra"],
        ["BITFIELD", "f", "GET", "u8", "-1"], ["BITFIELD", "f", "GET", "u8", "#-1"], ["BITFIELD", "f", "GET", "u8", "#"],
        ["BITFIELD", "f", "GET", "u8", "-0"], ["BITFIELD", "f", "GET", "u8", "+1"], ["BITFIELD", "f", "GET", "u8", "4294967296"],
        ["BITFIELD", "f", "GET", "u8", "#536870912"], ["BITFIELD", "f", "GET", "i64", "#288230376151711745"],
        ["BITFIELD", "f", "SET", "u8", "0", "x"], ["BITFIELD", "f", "INCRBY", "u8", "0", "1.5"],
        ["BITFIELD", "f", "SET", "u8", "0", "1", "GET", "u8", "x"], ["BITFIELD", "nokey", "INCRBY", "i8", "#1", "1", "GET", "i65", "0"],
        ["EXISTS", "nokey"], ["BITFIELD", "nokey"], ["BITFIELD", "nokey", "OVERFLOW", "SAT"], ["BITFIELD", "nokey", "GET", "u8", "0"],
        ["BITFIELD"],
        ["BITFIELD_RO", "f", "GET", "u8", "0", "GET", "i16", "#1"], ["BITFIELD_RO", "f", "SET", "u8", "0", "1"],
        ["BITFIELD_RO", "f", "INCRBY", "u8", "0", "1"], ["BITFIELD_RO", "f", "GET", "u8", "0", "OVERFLOW", "SAT"],
        ["BITFIELD_RO", "f", "OVERFLOW", "SAT"], ["BITFIELD_RO", "nokey", "GET", "u8", "0"], ["BITFIELD_RO", "f", "GET", "u64", "0"],
        ["BITFIELD_RO", "f"], ["BITFIELD_RO"],
        // Wrong types (a hash), and strings used by hash commands
        ["HSET", "h", "f", "v"], ["SETBIT", "h", "0", "1"], ["SETBIT", "h", "x", "1"], ["SETBIT", "h", "0", "2"],
        ["GETBIT", "h", "0"], ["GETBIT", "h", "x"], ["BITCOUNT", "h"], ["BITCOUNT", "h", "x"], ["BITCOUNT", "h", "0", "1", "bad"],
        ["BITPOS", "h", "1"], ["BITPOS", "h", "2"], ["BITPOS", "h", "1", "x"], ["BITOP", "AND", "dest", "h"],
        ["BITOP", "AND", "dest", "x1", "h"], ["BITOP", "NOT", "dest", "h"], ["BITOP", "OR", "h", "x1"], ["TYPE", "h"], ["GET", "h"],
        ["HSET", "h", "f", "v"], ["BITOP", "AND", "h", "nokey"], ["EXISTS", "h"], ["HSET", "h", "f", "v"],
        ["BITFIELD", "h", "GET", "u8", "0"], ["BITFIELD", "h", "SET", "u8", "0", "1"], ["BITFIELD", "h", "SET", "u8", "0", "x"],
        ["BITFIELD", "h", "GET", "u8", "0", "bogus"], ["BITFIELD", "h"], ["BITFIELD_RO", "h", "GET", "u8", "0"],
        ["BITFIELD_RO", "h", "SET", "u8", "0", "1"], ["LCS", "s", "h"], ["LCS", "h", "s"], ["LCS", "h", "s", "bogus"],
        ["SUBSTR", "h", "0", "1"], ["HSET", "x1", "f", "v"],
        // LCS
        ["SET", "k1", "ohmytext"], ["SET", "k2", "mynewtext"], ["LCS", "k1", "k2"], ["LCS", "k1", "k2", "LEN"],
        ["LCS", "k1", "k2", "IDX"], ["LCS", "k1", "k2", "IDX", "WITHMATCHLEN"], ["LCS", "k1", "k2", "IDX", "MINMATCHLEN", "4"],
        ["LCS", "k1", "k2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"], ["LCS", "k1", "k2", "idx", "minmatchlen", "-5", "withmatchlen"],
        ["LCS", "k1", "k2", "WITHMATCHLEN"], ["LCS", "k1", "k2", "MINMATCHLEN", "2"], ["LCS", "k2", "k1", "IDX"],
        ["LCS", "k1", "k1", "IDX", "WITHMATCHLEN"], ["LCS", "k1", "nokey"], ["LCS", "nokey", "k1", "IDX"],
        ["LCS", "nokey", "nokey2", "LEN"], ["LCS", "nokey", "nokey2", "IDX"],
        ["SET", "a1", "GATTACAGATTACA"], ["SET", "a2", "TAGACCATAGGAC"], ["LCS", "a1", "a2"], ["LCS", "a1", "a2", "IDX", "WITHMATCHLEN"],
        ["LCS", "a2", "a1", "IDX", "MINMATCHLEN", "2"], ["LCS", "a1", "a2", "LEN", "LEN"],
        ["LCS", "k1", "k2", "LEN", "IDX"], ["LCS", "k1", "k2", "bogus"], ["LCS", "k1", "k2", "MINMATCHLEN"],
        ["LCS", "k1", "k2", "MINMATCHLEN", "x"], ["LCS", "k1"], ["LCS"],
        // SUBSTR
        ["SUBSTR", "k1", "0", "2"], ["SUBSTR", "k1", "-3", "-1"], ["SUBSTR", "k1", "5", "2"], ["SUBSTR", "nokey", "0", "2"],
        ["SUBSTR", "k1", "x", "2"], ["SUBSTR", "k1", "0"], ["SUBSTR", "k1", "0", "1", "2"],
        // Expiry is kept by SETBIT and BITFIELD
        ["SET", "t", "abc", "EX", "100"], ["SETBIT", "t", "100", "1"], ["TTL", "t"], ["BITFIELD", "t", "SET", "u8", "200", "1"],
        ["TTL", "t"], ["GET", "t"],
    ]

    @Test func everyBitCommandAnswersAsRedisDoes() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let pair = try DifferentialPair(kv: try ServerProcess().start(), redis: try RedisServerProcess())
        for command in Self.script {
            try pair.compare(command)
        }
        #expect(pair.commandsCompared == Self.script.count * 2)
        pair.expectAllMatched()
    }

    /// Values of a few thousand bytes: BITCOUNT, BITPOS and BITOP take whole words at a time
    /// there, and ranges start and end inside them.
    @Test func longValuesAnswerAsRedisDoes() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let pair = try DifferentialPair(kv: try ServerProcess().start(), redis: try RedisServerProcess())
        try pair.compare(["SETBIT", "z", "40000", "0"])
        try pair.compare(["BITOP", "NOT", "o", "z"])
        try pair.compare(["SETBIT", "z", "33333", "1"])
        try pair.compare(["SETBIT", "o", "22222", "0"])
        try pair.compare(["SETRANGE", "m", "1000", String(repeating: "abc", count: 500)])
        for key in ["z", "o", "m"] {
            try pair.compare(["BITCOUNT", key])
            for bit in ["0", "1"] {
                try pair.compare(["BITPOS", key, bit])
                for (start, end) in [(0, -1), (3, 4000), (-4000, -3), (100, 4166), (4166, 5000)] {
                    try pair.compare(["BITPOS", key, bit, String(start)])
                    try pair.compare(["BITPOS", key, bit, String(start), String(end)])
                    try pair.compare(["BITPOS", key, bit, String(start * 8 + 3), String(end * 8 - 5), "BIT"])
                    try pair.compare(["BITCOUNT", key, String(start), String(end)])
                    try pair.compare(["BITCOUNT", key, String(start * 8 + 3), String(end * 8 - 5), "BIT"])
                }
            }
        }
        for operation in ["AND", "OR", "XOR"] {
            try pair.compare(["BITOP", operation, "d", "z", "o", "m"])
            try pair.compare(["GET", "d"])
            try pair.compare(["BITCOUNT", "d"])
        }
        try pair.compare(["BITFIELD", "m", "GET", "u63", "8003", "INCRBY", "i64", "#100", "12345", "GET", "i64", "#100"])
        try pair.compare(["GET", "m"])
        pair.expectAllMatched()
    }

    /// LCS of longer strings with several equally long answers: Redis's walk decides which one
    /// and in which order the ranges come.
    @Test(arguments: [11, 12]) func lcsOfRandomStringsMatchesRedis(seed: UInt64) throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let pair = try DifferentialPair(kv: try ServerProcess().start(), redis: try RedisServerProcess())
        var random = SeededRandom(seed: seed)
        for _ in 0..<40 {
            let alphabet = Array("ACGT".prefix(2 + Int(random.next(below: 3))))
            func text() -> String { String((0..<Int(random.next(below: 60))).map { _ in alphabet[Int(random.next(below: UInt64(alphabet.count)))] }) }
            try pair.compare(["SET", "l1", text()])
            try pair.compare(["SET", "l2", text()])
            try pair.compare(["LCS", "l1", "l2"])
            try pair.compare(["LCS", "l1", "l2", "IDX", "WITHMATCHLEN"])
            try pair.compare(["LCS", "l2", "l1", "IDX", "MINMATCHLEN", String(random.next(below: 4))])
        }
        pair.expectAllMatched("seed \(seed)")
    }

    /// Seeded random SETBIT, BITFIELD, BITOP, SETRANGE and APPEND over a few keys, with
    /// GETBIT/BITCOUNT/BITPOS reads, replies compared one by one and every value at the end.
    @Test(arguments: [1, 2, 3, 4]) func randomBitWorkloadsMatchRedis(seed: UInt64) throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let pair = try DifferentialPair(kv: try ServerProcess().start(), redis: try RedisServerProcess())
        var random = SeededRandom(seed: seed)
        let keys = ["b:a", "b:b", "b:c", "b:d", "h:x"]
        try pair.compare(["HSET", "h:x", "f", "v"])
        func key() -> String { keys[Int(random.next(below: UInt64(keys.count)))] }
        func offset() -> String { String(random.next(below: 200)) }
        func index() -> String { String(Int(random.next(below: 60)) - 30) }
        func type() -> String {
            random.next(below: 2) == 0 ? "i\(1 + random.next(below: 64))" : "u\(1 + random.next(below: 63))"
        }
        func number() -> String {
            switch random.next(below: 4) {
            case 0: String(Int64(bitPattern: random.next()))
            case 1: String(Int(random.next(below: 600)) - 300)
            default: String(random.next(below: 20))
            }
        }
        func bytes() -> String { String((0..<(1 + Int(random.next(below: 6)))).map { _ in Character(UnicodeScalar(UInt8(random.next(below: 128)))) }) }
        for _ in 0..<500 {
            var command: [String]
            switch random.next(below: 12) {
            case 0, 1: command = ["SETBIT", key(), offset(), String(random.next(below: 2))]
            case 2: command = ["GETBIT", key(), offset()]
            case 3:
                command = ["BITFIELD", key()]
                for _ in 0..<(1 + Int(random.next(below: 4))) {
                    switch random.next(below: 4) {
                    case 0: command += ["GET", type(), offset()]
                    case 1: command += ["SET", type(), offset(), number()]
                    case 2: command += ["INCRBY", type(), random.next(below: 3) == 0 ? "#\(random.next(below: 20))" : offset(), number()]
                    default: command += ["OVERFLOW", ["WRAP", "SAT", "FAIL"][Int(random.next(below: 3))]]
                    }
                }
            case 4: command = ["BITFIELD_RO", key(), "GET", type(), offset()]
            case 5:
                let operation = ["AND", "OR", "XOR", "NOT"][Int(random.next(below: 4))]
                command = ["BITOP", operation, key(), key()]
                if operation != "NOT" { command += (0..<Int(random.next(below: 3))).map { _ in key() } }
            case 6: command = ["SETRANGE", key(), String(random.next(below: 30)), bytes()]
            case 7: command = ["APPEND", key(), bytes()]
            case 8: command = ["BITCOUNT", key()] + (random.next(below: 2) == 0 ? [index(), index()] + (random.next(below: 2) == 0 ? [] : ["BIT"]) : [])
            case 9:
                command = ["BITPOS", key(), String(random.next(below: 2))]
                let extra = Int(random.next(below: 4))
                if extra >= 1 { command.append(index()) }
                if extra >= 2 { command.append(index()) }
                if extra == 3 { command.append(random.next(below: 2) == 0 ? "BIT" : "BYTE") }
            case 10: command = ["LCS", key(), key(), random.next(below: 2) == 0 ? "IDX" : "LEN"]
            default: command = ["DEL", key()]
            }
            // A write runs twice on each server (RESP2 then RESP3); DEL of a hash would leave it gone.
            if command[0] == "DEL" && command[1] == "h:x" { continue }
            try pair.compare(command)
        }
        for key in keys {
            try pair.compare(["TYPE", key])
            try pair.compare(["GET", key])
        }
        pair.expectAllMatched("seed \(seed)")
    }
}
