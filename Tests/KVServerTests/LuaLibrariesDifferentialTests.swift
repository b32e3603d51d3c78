import CLua
import Foundation
import KVScripting
import Testing

/// `cjson` and `bit` (kv's Swift versions, in a local Lua state) against redis-server 7.0's C
/// ones: the same script runs as `EVAL script 0 args…` in Redis and locally, and its string
/// result must be the same bytes. Scripts catch errors with pcall and reset cjson's settings
/// before returning, so Redis's long-lived Lua state and the local one stay alike.
@Suite(.serialized) struct LuaLibrariesDifferentialTests {
    /// Renders results the same way on both sides: `ok` or `error`, then each value, tables
    /// with their keys sorted, numbers with 17 digits, cjson.null as `null`.
    static let prelude = """
        local function dump(v)
          local t = type(v)
          if t == 'table' then
            local keys = {}
            for k in pairs(v) do keys[#keys + 1] = k end
            table.sort(keys, function(a, b)
              if type(a) == type(b) then return a < b end
              return type(a) < type(b)
            end)
            local parts = {}
            for _, k in ipairs(keys) do parts[#parts + 1] = dump(k) .. '=' .. dump(v[k]) end
            return '{' .. table.concat(parts, ',') .. '}'
          elseif t == 'string' then return string.format('%q', v)
          elseif t == 'number' then return string.format('%.17g', v)
          elseif v == cjson.null then return 'null'
          else return tostring(v) end
        end
        local function pack(...) return select('#', ...), {...} end
        local n, r = pack(pcall(function()
        """
    static let postlude = """

        end))
        cjson.encode_sparse_array(false, 2, 10) cjson.encode_max_depth(1000) cjson.decode_max_depth(1000)
        cjson.encode_number_precision(14) cjson.encode_keep_buffer(true)
        cjson.encode_invalid_numbers(false) cjson.decode_invalid_numbers(true)
        local out = {r[1] and 'ok' or 'error'}
        for i = 2, n do out[#out + 1] = r[1] and dump(r[i]) or tostring(r[i]) end
        return table.concat(out, ' ')
        """

    /// Compares `bodies` (Lua function bodies) on both sides and expects every one to match.
    static func compare(_ bodies: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        try compare(bodies.map { ($0, []) }, sourceLocation: sourceLocation)
    }

    /// Compares each body, run with `ARGV` holding its arguments, on both sides and expects
    /// every one to match; answers Redis's answers.

    @discardableResult
    static func compare(_ cases: [(body: String, arguments: [[UInt8]])], sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let redis = try RedisServerProcess()
        let session = try RESPSession(port: redis.port)
        let local = LocalScripts()
        var mismatches: [String] = []
        var answers: [String] = []
        for (body, arguments) in cases {
            let script = prelude + body + postlude
            let reply = try session.call(bytes: [Array("EVAL".utf8), Array(script.utf8), Array("0".utf8)] + arguments)
            let mine = local.evaluate(script, arguments: arguments)
            guard case .bulk(_, let theirs) = reply else {
                mismatches.append("\(body)\n  redis: \(reply)")
                continue
            }
            answers.append(String(decoding: theirs, as: UTF8.self))
            if theirs != mine {
                mismatches.append("\(body) \(arguments.map { String(decoding: $0, as: UTF8.self) })\n  redis: \(String(decoding: theirs, as: UTF8.self))\n  kv:    \(String(decoding: mine, as: UTF8.self))")
            }
        }
        #expect(mismatches.isEmpty, Comment(rawValue: "\(mismatches.count) of \(cases.count) differ:\n" + mismatches.prefix(20).joined(separator: "\n")),
                sourceLocation: sourceLocation)
        return answers
    }

    @Test func bitMatchesRedis() throws {
        let numbers = ["0", "1", "-1", "2^31", "2^31 - 1", "-2^31", "2^32", "2^32 + 7", "2^52", "2^53 + 2", "-2^63", "1.5", "2.5",
                       "-0.5", "-1.5", "0.49999", "1e20", "1/0", "-1/0", "0/0", "0x7fffffff", "'15'", "' 0x10 '", "'1e3'"]
        let shifts = ["0", "1", "4", "31", "32", "33", "-1", "-33", "2.5"]
        var bodies: [String] = []
        for a in numbers {
            bodies += ["tobit", "bnot", "bswap", "tohex"].map { "return bit.\($0)(\(a))" }
            for s in shifts {
                bodies += ["lshift", "rshift", "arshift", "rol", "ror"].map { "return bit.\($0)(\(a), \(s))" }
            }
            bodies += ["band", "bor", "bxor"].map { "return bit.\($0)(\(a), 0x0ff0f0f0, -3)" }
        }
        for n in ["0", "1", "3", "8", "9", "-1", "-3", "-8", "-9", "2^32 + 2", "-2^31", "'4'"] {
            bodies.append("return bit.tohex(0x1234abcd, \(n))")
        }
        bodies += ["return bit.tobit()", "return bit.tobit('x')", "return bit.tobit({})", "return bit.band(1, 'x', 2)",
                   "return bit.bor(1, 2, {}, nil)", "return bit.bxor()", "return bit.lshift(1)", "return bit.tohex(1, nil)",
                   "return bit.tohex(1, 'z')", "return bit.tobit(true)", "return bit.band(0)", "return bit.tobit('0')",
                   "return bit.bor(-1, '')", "return pcall(bit.tobit)"]
        try Self.compare(bodies)
    }

    @Test func encodingMatchesRedis() throws {
        let values = [
            "0", "-0", "1", "-1", "0.1", "-1.5e-7", "1/3", "2^31", "2^32", "2^53", "2^63", "-2^63", "1e15", "1e16", "123456789012345678",
            "1e300", "1e-300", "5e-324", "1/0", "-1/0", "0/0", "3.14159265358979", "100000000000000", "99999999999999.9",
            "99999999999999", "-99999999999999", "1e14", "-1e14", "12345678.0", "-7", "2^62",
            "''", "'hello'", "'a/b'", "'\"q\" \\\\ x'", "'\\0\\1\\2\\31\\127\\128\\255'", "'\\b\\t\\n\\11\\f\\r'", "'é😀 ☃'",
            "string.rep('x', 1000)", "true", "false", "nil", "cjson.null",
            "{}", "{1, 2, 3}", "{1, nil, 3}", "{nil, nil, 3}", "{[1] = 'a', [3] = 'c'}", "{[10] = 1}", "{[11] = 1}", "{[1] = 1, [11] = 2}",
            "{[1] = 1, [2] = 2, [12] = 3, [13] = 4, [14] = 5, [15] = 6}", "{[2^31] = 1}", "{[2^40] = 1, [2] = 2}", "{[0] = 'z'}",
            "{[-1] = 'm'}", "{[1.5] = 'f'}", "{[1] = 1, x = 2}", "{a = 1}", "{a = {b = {c = {}}}}", "{['a/b'] = '\\n'}",
            "{[1/0] = 1}", "{[true] = 1}", "{[{}] = 1}", "{f = function() end}", "{cjson.null, false, 0}", "{{}, {{}}, {{{}}}}",
            "{1, 'two', {three = 3}, {4, {5}}}", "{['1'] = 'string key', [2] = 'number key'}", "function() end",
            "coroutine.create(function() end)", "{1, 2, x = {[3] = 3}}",
        ]
        var bodies = values.map { "return cjson.encode(\($0))" }
        // Settings, each followed by a encode of awkward values.
        let settings = [
            "cjson.encode_invalid_numbers(true)", "cjson.encode_invalid_numbers('null')", "cjson.encode_invalid_numbers('on')",
            "cjson.encode_number_precision(1)", "cjson.encode_number_precision(5)", "cjson.encode_sparse_array(true)",
            "cjson.encode_sparse_array(false, 0)", "cjson.encode_sparse_array(false, 1, 0)", "cjson.encode_sparse_array(true, 3, 2)",
            "cjson.encode_max_depth(1)", "cjson.encode_max_depth(3)", "cjson.encode_keep_buffer(false)",
        ]
        let awkward = "{1/0, -1/0, 0/0, 1/3, 123456.789, {[1] = 1, [4] = 4}, {[1] = 1, [30] = 30}, {{{{}}}}, {[1/0] = 1}}"
        for setting in settings {
            bodies.append("\(setting) return cjson.encode(\(awkward))")
            bodies.append("\(setting) return cjson.encode({[1] = 1, [3] = 3, [5] = 5})")
        }
        for precision in [1, 2, 3, 13, 14] {
            bodies.append("cjson.encode_number_precision(\(precision)) return cjson.encode({9, 10, 99, 100, 999, 1000, -999, -1000, 0, -0, 12.5, 1e13 - 1, 1e13, 1e14 - 1})")
        }
        // Depth at and past the default limit, and the arguments' errors.
        let nest = "local function nest(n) local t = {} local c = t for i = 1, n - 1 do c[1] = {} c = c[1] end return t end "
        bodies += [nest + "return #cjson.encode(nest(1000))", nest + "return cjson.encode(nest(1001))",
                   nest + "cjson.encode_max_depth(5000) return #cjson.encode(nest(3000))",
                   // Past Lua's C stack limit (8000 slots) when the setting allows it.
                   nest + "cjson.encode_max_depth(100000) return #cjson.encode(nest(20000))",
                   "local t = {} local c = t for i = 1, 20000 do c.a = {} c = c.a end cjson.encode_max_depth(100000) return cjson.encode(t)",
                   "return cjson.encode()", "return cjson.encode(1, 2)", "return pcall(cjson.encode)"]
        try Self.compare(bodies)
    }

    @Test func decodingMatchesRedis() throws {
        let texts = [
            "0", "-0", "1", "-1", "1.5", "1e2", "1E+2", "-1.5e-7", "0.1", "123456789012345678901234567890", "1e400", "-1e400",
            "0x10", "0X1f", "-0x10", "+5", "007", "-007", "0.", ".5", "1.e3", "1e", "-", "--1", "Infinity", "-Infinity", "inf",
            "-inf", "INF", "NaN", "nan", "-nan", "nan(123)", "infinity", "infx", "1x", "0x", "0xg", "0x1p3",
            "true", "false", "null", "tru", "True", "nul", "nulls", "truex",
            "\"\"", "\"abc\"", "\"a\\\\/b\"", "\"\\\\u00e9\"", "\"\\\\u20AC\"", "\"\\\\ud83d\\\\ude00\"", "\"\\\\ud83d\"",
            "\"\\\\ude00\"", "\"\\\\ud83d\\\\u0041\"", "\"\\\\u12\"", "\"\\\\u12G4\"", "\"\\\\u0000x\"", "\"\\\\x\"", "\"\\\\\"",
            "\"\\\\b\\\\f\\\\n\\\\r\\\\t\\\\\\\"\"", "\"raw\\ttab\"", "\"unterminated", "\"é😀\"",
            "[]", "{}", "[1,2,3]", "[1,,2]", "[1,]", "[,1]", "[1 2]", "[", "]", "{\"a\":1}", "{\"a\":1,}", "{\"a\" 1}", "{a:1}",
            "{1:2}", "{\"a\":}", "{\"a\"", "{\"a\":1 \"b\":2}", "{\"a\":[1,{\"b\":null}],\"c\":{}}", "[null,null]",
            "{\"a\":null}", "[[[[[]]]]]", "  [ 1 , 2 ]  ", "\\t\\n\\r [1]", "[1] x", "[1]]", "{}{}", "", " ", "\\f1",
            "{\"a\":1,\"a\":2}", "[1e309]", "[\"\\\\u0041\\\\u00418\"]",
        ]
        var bodies = texts.map { "return cjson.decode('\($0)')" }
        bodies += ["return cjson.decode(5)", "return cjson.decode(1.5)", "return cjson.decode()", "return cjson.decode(nil)",
                   "return cjson.decode({})", "return cjson.decode('1', '2')", "return cjson.decode('a\\0')",
                   "return cjson.decode('\\0a')", "return cjson.decode('1\\0junk')", "return cjson.decode('[1]\\0')",
                   "return cjson.decode('\"a\\0b\"')",
                   "return cjson.decode(string.rep('[', 1000) .. string.rep(']', 1000))",
                   "return cjson.decode(string.rep('[', 1001) .. string.rep(']', 1001))",
                   "return cjson.decode(string.rep('{\"k\":', 1001) .. '1' .. string.rep('}', 1001))",
                   "cjson.decode_max_depth(2) return cjson.decode('[[1]]')", "cjson.decode_max_depth(2) return cjson.decode('[{}, [[1]]]')",
                   "cjson.decode_max_depth(3000) return #cjson.decode(string.rep('[', 2500) .. string.rep(']', 2500))",
                   // Past Lua's C stack limit (8000 slots) when the setting allows it.
                   "cjson.decode_max_depth(100000) return #cjson.decode(string.rep('[', 20000))",
                   "cjson.decode_max_depth(100000) return #cjson.decode(string.rep('{\"a\":', 20000))"]
        for text in ["0x10", "+5", "007", "-007", "Infinity", "-inf", "nan", "1.5", "-0", "0", "[01]", "-x"] {
            bodies.append("cjson.decode_invalid_numbers(false) return cjson.decode('\(text)')")
        }
        try Self.compare(bodies)
    }

    @Test func settingsMatchRedis() throws {
        var bodies: [String] = []
        let calls = [
            "cjson.encode_sparse_array()", "cjson.encode_sparse_array(true)", "cjson.encode_sparse_array(false, 5, 20)",
            "cjson.encode_sparse_array('on', 1)", "cjson.encode_sparse_array('off')", "cjson.encode_sparse_array(nil, nil, 4)",
            "cjson.encode_sparse_array(true, -1)", "cjson.encode_sparse_array(true, 1, -1)", "cjson.encode_sparse_array(1)",
            "cjson.encode_sparse_array(true, 'x')", "cjson.encode_sparse_array(1, 2, 3, 4)", "cjson.encode_sparse_array(true, 2^31)",
            "cjson.encode_max_depth()", "cjson.encode_max_depth(0)", "cjson.encode_max_depth(1.9)", "cjson.encode_max_depth('7')",
            "cjson.encode_max_depth('x')", "cjson.encode_max_depth(2^32 + 5)", "cjson.encode_max_depth(-1)",
            "cjson.decode_max_depth(0)", "cjson.decode_max_depth(12)", "cjson.decode_max_depth({})",
            "cjson.encode_number_precision(0)", "cjson.encode_number_precision(14)", "cjson.encode_number_precision(15)",
            "cjson.encode_number_precision(7.9)", "cjson.encode_keep_buffer()", "cjson.encode_keep_buffer(false)",
            "cjson.encode_keep_buffer('on')", "cjson.encode_keep_buffer('x')", "cjson.encode_keep_buffer(1)",
            "cjson.encode_invalid_numbers()", "cjson.encode_invalid_numbers(true)", "cjson.encode_invalid_numbers('null')",
            "cjson.encode_invalid_numbers('off')", "cjson.encode_invalid_numbers('both')", "cjson.decode_invalid_numbers(false)",
            "cjson.decode_invalid_numbers('null')", "cjson.decode_invalid_numbers(nil)", "cjson.encode_invalid_numbers(true, 1)",
        ]
        for call in calls {
            bodies.append("return \(call)")
            // What the call left behind (an error part-way keeps the settings made before it).
            bodies.append("pcall(function() return \(call) end) return cjson.encode_sparse_array()")
        }
        bodies += ["return cjson._NAME, cjson._VERSION, cjson.null, type(cjson.new), bit._VERSION",
                   "local c = cjson.new() c.encode_number_precision(2) return c.encode(1/3), cjson.encode(1/3), c.new().encode(1/3)",
                   "local c = cjson.new() return c.decode('[1]')[1], c.null == cjson.null"]
        try Self.compare(bodies)
    }

    /// Random JSON texts, half of them then damaged by one random edit, decoded on both sides
    /// and their values encoded back: every answer, value or error, must match.
    @Test func randomTextsMatchRedis() throws {
        var random = SeededRandom(seed: 0x6a73_6f6e)
        let pieces = ["{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\ud83d", "1", "-", ".", "e", "0x", "007", "true",
                      "nul", "nan", "Infinity", " ", "\u{1}", "\u{0}", "é", "x"]
        var texts: [[UInt8]] = []
        for _ in 0..<400 {
            var text = Array(Self.randomJSON(&random, depth: 0).utf8)
            if random.next(below: 2) == 0 {
                let position = Int(random.next(below: UInt64(text.count + 1)))
                let piece = Array(pieces[Int(random.next(below: UInt64(pieces.count)))].utf8)
                let removed = min(Int(random.next(below: 3)), text.count - position)
                text.replaceSubrange(position..<(position + removed), with: piece)
            }
            texts.append(text)
        }
        let answers = try Self.compare(texts.map { ("local v = cjson.decode(ARGV[1]) return v, cjson.encode(v)", [$0]) })
        // The texts must exercise both paths: some decode, many fail in different ways.
        let decoded = answers.filter { $0.hasPrefix("ok ") }.count
        let errors = Set(answers.filter { $0.hasPrefix("error ") })
        #expect(decoded >= 150, "only \(decoded) of 400 texts decoded")
        #expect(errors.count >= 40, "only \(errors.count) distinct errors")
    }
}

extension LuaLibrariesDifferentialTests {
    /// A random JSON value: numbers of many shapes, strings with escapes and UTF-8, nesting.
    static func randomJSON(_ random: inout SeededRandom, depth: Int) -> String {
        func pick(_ choices: [String]) -> String { choices[Int(random.next(below: UInt64(choices.count)))] }
        switch random.next(below: depth > 3 ? 4 : 7) {
        case 0:
            let integer = Int64(bitPattern: random.next()) >> Int64(random.next(below: 64))
            return pick(["\(integer)", "\(integer).\(random.next(below: 1000))", "\(integer)e\(Int(random.next(below: 40)) - 20)",
                         "0.\(random.next(below: 100_000))", "-0", "1E+2", "2147483648", "4294967296", "9007199254740993"])
        case 1:
            let characters = (0..<random.next(below: 6)).map { _ in
                pick(["a", "Z", " ", "/", "\\/", "\\\"", "\\\\", "\\n", "\\t", "\\b", "\\f", "\\r", "\\u0000", "\\u00e9",
                      "\\u20ac", "\\uD83D\\uDE00", "é", "日本", "\u{7f}", "\t"])
            }
            return "\"" + characters.joined() + "\""
        case 2:
            return pick(["true", "false", "null"])
        case 3, 4:
            let items = (0..<random.next(below: 5)).map { _ in randomJSON(&random, depth: depth + 1) }
            return "[" + items.joined(separator: pick([",", ", ", " ,\n"])) + "]"
        default:
            let members = (0..<random.next(below: 5)).map { index in
                "\"" + pick(["a", "b", "key", "1", "2", "é", ""]) + "\(index)\":" + randomJSON(&random, depth: depth + 1)
            }
            return "{" + members.joined(separator: ",") + "}"
        }
    }
}

/// The local side: a Lua state with kv's libraries, running scripts as Redis does (chunk
/// `@user_script`, arguments in the global `ARGV`).
final class LocalScripts {
    private let state: OpaquePointer

    init() {
        state = luaL_newstate()!
        luaL_openlibs(state)
        LuaLibraries.open(state)
    }

    deinit { lua_close(state) }

    /// The script's first result as bytes (a string or number), or the load/run error's text.
    func evaluate(_ script: String, arguments: [[UInt8]]) -> [UInt8] {
        let top = lua_gettop(state)
        defer { lua_settop(state, top) }
        lua_createtable(state, Int32(arguments.count), 0)
        for (index, argument) in arguments.enumerated() {
            argument.withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { lua_pushlstring(state, $0.baseAddress, $0.count) }
            }
            lua_rawseti(state, -2, Int32(index + 1))
        }
        lua_setfield(state, kv_lua_globalsindex(), "ARGV")
        var status = luaL_loadbuffer(state, script, script.utf8.count, "@user_script")
        if status == 0 { status = lua_pcall(state, 0, 1, 0) }
        var length = 0
        guard let text = lua_tolstring(state, -1, &length) else { return Array("(no string)".utf8) }
        return Array(UnsafeRawBufferPointer(start: text, count: length))
    }
}
