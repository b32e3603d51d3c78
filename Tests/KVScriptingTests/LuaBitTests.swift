import Testing

/// `bit` against LuaBitOp 1.0.2's documented results and Redis 7.0's answers.
@Suite struct LuaBitTests {
    @Test(arguments: [
        ("bit.tobit(0xffffffff)", "-1"),
        ("bit.tobit(2^32 + 5)", "5"),
        ("bit.tobit(-1)", "-1"),
        ("bit.tobit(1.5)", "2"),
        ("bit.tobit(2.5)", "2"),
        ("bit.tobit(-2.5)", "-2"),
        ("bit.tobit('12')", "12"),
        ("bit.bnot(0)", "-1"),
        ("bit.band(0x12345678, 0xff)", "120"),
        ("bit.bor(1, 2, 4, 8)", "15"),
        ("bit.bxor(0xff, 0x0f, 0x01)", "241"),
        ("bit.lshift(1, 31)", "-2147483648"),
        ("bit.lshift(1, 32)", "1"),
        ("bit.rshift(-1, 28)", "15"),
        ("bit.arshift(-256, 4)", "-16"),
        ("bit.rol(0x12345678, 12)", "1164411171"),
        ("bit.ror(0x12345678, 12)", "1736516421"),
        ("bit.rol(7, 0)", "7"),
        ("bit.bswap(0x12345678)", "2018915346"),
        ("bit.tohex(65535)", "0000ffff"),
        ("bit.tohex(65535, -4)", "FFFF"),
        ("bit.tohex(-1, 2)", "ff"),
        ("bit.tohex(-1, 0x80000000)", "FFFFFFFF"),
        ("bit.tohex(1, 0)", ""),
    ])
    func answersAsLuaBitOp(expression: String, expected: String) {
        #expect(LibraryLua().evaluate("return tostring(\(expression))") == expected)
    }

    @Test(arguments: [
        ("bit.tobit('x')", "bad argument #1 to 'tobit' (number expected, got string)"),
        ("bit.band(1)", nil),
        ("bit.band(1, 2, {}, 'y')", "bad argument #4 to 'band' (number expected, got string)"),
        ("bit.lshift(1)", "bad argument #2 to 'lshift' (number expected, got no value)"),
        ("bit.tohex(1, nil)", "bad argument #2 to 'tohex' (number expected, got nil)"),
    ] as [(String, String?)])
    func rejectsNonNumbers(expression: String, message: String?) {
        let answer = LibraryLua().evaluate("return tostring(\(expression))")
        if let message {
            #expect(answer == "error: user_script:1: \(message)")
        } else {
            #expect(answer == "1")
        }
    }
}
