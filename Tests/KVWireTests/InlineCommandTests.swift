import KVCore
import KVWire
import Testing

/// Inline lines split as Redis's `sdssplitargs` splits them.
let inlineFrames: [Frame] = [
    Frame("PING\r\n", ["PING"]),
    Frame("PING\n", ["PING"]),
    Frame("  SET   k   v  \r\n", ["SET", "k", "v"]),
    Frame("GET\tk\r\n", ["GET", "k"]),
    Frame("SET k \"hello world\"\r\n", ["SET", "k", "hello world"]),
    Frame("ECHO \"a\\nb\\r\\t\\b\\a\\\\\\\"\"\r\n", ["ECHO", "a\nb\r\t\u{8}\u{7}\\\""]),
    Frame("ECHO 'it\\'s' 'a\\nb'\r\n", ["ECHO", "it's", "a\\nb"]),
    Frame("ECHO \"\" ''\r\n", ["ECHO", "", ""]),
    Frame("ECHO a\"b c\"\r\n", ["ECHO", "ab c"]),
    Frame("ECHO \"\\q\"\r\n", ["ECHO", "q"]),
    // A vertical tab is skipped between arguments but does not end one (C's isspace vs the
    // separator list in sdssplitargs).
    Frame("\u{0B}GET\u{0B}k\r\n", ["GET\u{0B}k"]),
    // A NUL ends the line, as it ends the C string Redis splits.
    Frame("ECHO a\u{0}b\r\n", ["ECHO", "a"]),
    Frame(input: bytes("ECHO \"\\x41\\x00\\xff\\xZZ\"\r\n"), arguments: [bytes("ECHO"), [0x41, 0x00, 0xFF] + bytes("xZZ")]),
]

@Suite struct InlineCommandTests {
    @Test(arguments: inlineFrames)
    func splitsLikeRedis(frame: Frame) {
        let parsed = parseOnce(frame.input)
        #expect(parsed.result == .inline(consumed: frame.input.count, arguments: OwnedArguments(frame.arguments)))
        #expect(parsed.arguments == frame.arguments)
    }

    @Test(arguments: inlineFrames)
    func everySplitPointIsIncomplete(frame: Frame) {
        var parser = RESPCommandParser()
        for length in 0..<frame.input.count {
            #expect(parseOnce(Array(frame.input[..<length])).result.isIncomplete)
            #expect(parse(Array(frame.input[..<length]), with: &parser).result.isIncomplete)
        }
        #expect(parse(frame.input, with: &parser).arguments == frame.arguments)
    }

    @Test(arguments: [("\r\n", 2), ("\n", 1), ("   \t \r\n", 7)])
    func blankLinesAreEmpty(line: String, consumed: Int) {
        #expect(parseOnce(bytes(line + "PING\r\n")).result == .empty(consumed: consumed))
    }

    @Test func inlineThenArrayThenInline() {
        let parsed = parseAll(bytes("SET a 1\n*2\r\n$3\r\nGET\r\n$1\r\na\r\nDEL a\r\n"))
        #expect(parsed.map(\.arguments) == [["SET", "a", "1"], ["GET", "a"], ["DEL", "a"]].map { $0.map(bytes) })
    }
}
