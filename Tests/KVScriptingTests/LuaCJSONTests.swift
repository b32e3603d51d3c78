import Testing

/// `cjson` against answers recorded from Redis 7.0.15 (the differential suite in
/// KVServerTests compares many more with a live redis-server).
@Suite struct LuaCJSONTests {
    @Test(arguments: [
        ("cjson.encode({1, 2, 'a/b\\127\\1\\31', {}, {x = 1.5}, 1/3, -0, 2^53, 1e300})",
         #"[1,2,"a\/b\u007f\u0001\u001f",{},{"x":1.5},0.33333333333333,-0,9.007199254741e+15,1e+300]"#),
        ("cjson.encode('\\b\\t\\n\\f\\r\"\\\\')", #""\b\t\n\f\r\"\\""#),
        ("cjson.encode({[1] = 1, [2] = 2, [4] = 4})", "[1,2,null,4]"),
        ("cjson.encode({[2^40] = 1})", #"{"1099511627776":1}"#),
        ("cjson.encode({[1.5] = 1})", #"{"1.5":1}"#),
        ("cjson.encode(cjson.null)", "null"),
        ("cjson.encode(nil)", "null"),
        ("cjson.encode(true)", "true"),
        ("cjson.encode(cjson.decode('[1,null,3]'))", "[1,null,3]"),
        ("cjson.decode('\"\\\\ud83d\\\\ude00\"')", "😀"),
        ("cjson.decode('0x10')", "16"),
        ("cjson.decode('  -Infinity ')", "-inf"),
        ("cjson.decode('007')", "7"),
        ("cjson.decode(5)", "5"),
        ("cjson.decode('[1] \\0 junk')[1]", "1"),
        ("cjson.decode('{\"a\":{\"b\":[true,false]}}').a.b[2]", "false"),
        ("cjson.decode('null') == cjson.null", "true"),
        ("cjson._VERSION .. ' ' .. cjson._NAME", "2.1.0 cjson"),
        ("cjson.encode_max_depth() .. ' ' .. cjson.decode_max_depth() .. ' ' .. cjson.encode_number_precision()", "1000 1000 14"),
    ])
    func matchesRedis(expression: String, expected: String) {
        #expect(LibraryLua().evaluate("return tostring(\(expression))") == expected)
    }

    @Test(arguments: [
        ("cjson.encode({[20] = 1})", "Cannot serialise table: excessively sparse array"),
        ("cjson.encode(function() end)", "Cannot serialise function: type not supported"),
        ("cjson.encode(0/0)", "Cannot serialise number: must not be NaN or Inf"),
        ("cjson.encode({[true] = 1})", "Cannot serialise boolean: table key must be a number or string"),
        ("cjson.encode()", "bad argument #1 to 'encode' (expected 1 argument)"),
        ("cjson.decode('{')", "Expected object key string but found T_END at character 2"),
        ("cjson.decode('[1,]')", "Expected value but found T_ARR_END at character 4"),
        ("cjson.decode('\"abc')", "Expected value but found unexpected end of string at character 5"),
        ("cjson.decode('\"a\\\\qb\"')", "Expected value but found invalid escape code at character 3"),
        ("cjson.decode('\"\\\\ud800\"')", "Expected value but found invalid unicode escape code at character 2"),
        ("cjson.decode('trux')", "Expected value but found invalid token at character 1"),
        ("cjson.decode('{\"a\" 1}')", "Expected colon but found T_NUMBER at character 6"),
        ("cjson.decode('infx')", "Expected the end but found invalid token at character 4"),
        ("cjson.decode('')", "Expected value but found T_END at character 1"),
        ("cjson.decode('a\\0')", "JSON parser does not support UTF-16 or UTF-32"),
        ("cjson.decode({})", "bad argument #1 to 'decode' (string expected, got table)"),
        ("cjson.encode_max_depth(1, 2)", "bad argument #2 to 'encode_max_depth' (found too many arguments)"),
        ("cjson.encode_number_precision(15)", "bad argument #1 to 'encode_number_precision' (expected integer between 1 and 14)"),
        ("cjson.encode_keep_buffer('x')", "bad argument #1 to 'encode_keep_buffer' (invalid option 'x')"),
    ])
    func failsAsRedis(expression: String, message: String) {
        #expect(LibraryLua().evaluate("return \(expression)") == "error: user_script:1: \(message)")
    }

    @Test func settingsChangeEncodingAndStayPerTable() {
        let lua = LibraryLua()
        #expect(lua.evaluate("cjson.encode_invalid_numbers(true) return cjson.encode({1/0, -1/0, 0/0, -(0/0)})") == "[inf,-inf,nan,nan]")
        #expect(lua.evaluate("return cjson.encode_invalid_numbers('null') .. cjson.encode({0/0})") == "null[null]")
        #expect(lua.evaluate("cjson.encode_number_precision(3) return cjson.encode({1/3, 12345, 0.0001234})") == "[0.333,1.23e+04,0.000123]")
        #expect(lua.evaluate("cjson.encode_sparse_array(true) return cjson.encode({[1] = 1, [11] = 2})") == #"{"1":1,"11":2}"#)
        #expect(lua.evaluate("cjson.encode_max_depth(2) return cjson.encode({{{1}}})") == "error: user_script:1: Cannot serialise, excessive nesting (3)")
        #expect(lua.evaluate("cjson.decode_max_depth(2) return cjson.decode('[[[1]]]')") == "error: user_script:1: Found too many nested data structures (3) at character 3")
        #expect(lua.evaluate("cjson.decode_invalid_numbers(false) return cjson.decode('0x10')") == "error: user_script:1: Expected value but found invalid number at character 1")
        // A table from cjson.new() has the defaults, whatever the global one says.
        #expect(lua.evaluate("local c = cjson.new() return c.encode_max_depth() .. c.encode({0.1234567}) .. cjson.encode({0.1234567})") == "1000[0.1234567][0.123]")
    }

    @Test func encodesDeepTablesUpToTheLimit() {
        let lua = LibraryLua()
        let deep = "local t = {} local c = t for i = 1, 999 do c[1] = {} c = c[1] end "
        #expect(lua.evaluate(deep + "return #cjson.encode(t)") == "2000")
        #expect(lua.evaluate(deep + "return cjson.encode({t})") == "error: user_script:1: Cannot serialise, excessive nesting (1001)")
        #expect(lua.evaluate("return #cjson.encode(cjson.decode(string.rep('[', 1000) .. string.rep(']', 1000)))") == "2000")
        #expect(lua.evaluate("return cjson.decode(string.rep('[', 1001))") == "error: user_script:1: Found too many nested data structures (1001) at character 1001")
    }

    /// With the limits raised, Lua's stack (8000 slots) is what stops nesting, at the depths
    /// Redis reports; kv's encoder and decoder do not recurse, so the thread's stack holds.
    @Test func nestingPastLuaStackFailsAsRedis() {
        let lua = LibraryLua()
        #expect(lua.evaluate("cjson.decode_max_depth(100000) return cjson.decode(string.rep('[', 20000))")
            == "error: user_script:1: Found too many nested data structures (7999) at character 7999")
        #expect(lua.evaluate("cjson.encode_max_depth(100000) local t = {} local c = t for i = 1, 20000 do c[1] = {} c = c[1] end return cjson.encode(t)")
            == "error: user_script:1: Cannot serialise, excessive nesting (7998)")
    }
}
