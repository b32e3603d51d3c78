import KVCore
import KVWire
import NIOCore
import NIOTestUtils
import Testing

/// Reply bytes and the value a client decodes from them.
struct DecodedValue: Sendable, CustomTestStringConvertible {
    var input: String
    var value: RESPValue
    var testDescription: String { input.debugDescription }

    init(_ input: String, _ value: RESPValue) {
        self.input = input
        self.value = value
    }
}

let decodedValues: [DecodedValue] = [
    DecodedValue("+OK\r\n", .simpleString("OK")),
    DecodedValue("-ERR bad thing\r\n", .error("ERR bad thing")),
    DecodedValue(":-5\r\n", .integer(-5)),
    DecodedValue("$3\r\nfoo\r\n", .bulkString("foo")),
    DecodedValue("$0\r\n\r\n", .bulkString([])),
    DecodedValue("$4\r\n\r\n\r\n\r\n", .bulkString("\r\n\r\n")),
    DecodedValue("$-1\r\n", .bulkString(nil)),
    DecodedValue("*-1\r\n", .array(nil)),
    DecodedValue("*0\r\n", .array([])),
    DecodedValue("*2\r\n$1\r\na\r\n*1\r\n:1\r\n", .array([.bulkString("a"), .array([.integer(1)])])),
    DecodedValue("_\r\n", .null),
    DecodedValue(",1.5\r\n", .double(1.5)),
    DecodedValue(",-inf\r\n", .double(-.infinity)),
    DecodedValue(",nan\r\n", .double(.nan)),
    DecodedValue("#t\r\n", .boolean(true)),
    DecodedValue("#f\r\n", .boolean(false)),
    DecodedValue("(-12345678901234567890\r\n", .bigNumber("-12345678901234567890")),
    DecodedValue("=9\r\ntxt:hello\r\n", .verbatim(format: "txt", text: bytes("hello"))),
    DecodedValue("%2\r\n+k\r\n:1\r\n$1\r\nm\r\n%0\r\n", .map([(.simpleString("k"), .integer(1)), (.bulkString("m"), .map([]))])),
    DecodedValue("~2\r\n:1\r\n:2\r\n", .set([.integer(1), .integer(2)])),
    DecodedValue(">2\r\n+message\r\n$1\r\nx\r\n", .push([.simpleString("message"), .bulkString("x")])),
    DecodedValue("!9\r\nERR x\r\nyz\r\n", .error("ERR x\r\nyz")),
    DecodedValue("|1\r\n+ttl\r\n:3\r\n+value\r\n", .simpleString("value")),
]

@Suite struct ValueDecoderTests {
    @Test func passesTheDecoderVerifier() throws {
        let pairs = decodedValues.map { (ByteBuffer(string: $0.input), [$0.value]) }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { RESPValueDecoder() }
    }

    @Test(arguments: decodedValues)
    func everySplitPointWaits(decoded: DecodedValue) throws {
        let input = bytes(decoded.input)
        for length in 0..<input.count {
            var decoder = RESPValueDecoder()
            var buffer = ByteBuffer(bytes: input[..<length])
            #expect(try decoder.decode(buffer: &buffer) == nil)
            #expect(buffer.readableBytes == length)
            buffer.writeBytes(input[length...])
            #expect(try decoder.decode(buffer: &buffer) == decoded.value)
            #expect(buffer.readableBytes == 0)
        }
    }

    /// What the server writes, a client reads back as the value it stands for.
    @Test(arguments: encodedReplies)
    func roundTripsServerReplies(encoded: EncodedReply) throws {
        for version in RESPVersion.allCases {
            var buffer = ByteBuffer()
            buffer.writeReply(encoded.reply, version: version)
            var decoder = RESPValueDecoder()
            #expect(try decoder.decode(buffer: &buffer) == expectedValue(encoded.reply, version), "\(version)")
            #expect(buffer.readableBytes == 0)
        }
    }

    @Test(arguments: [
        ("?x\r\n", "Protocol error: unknown reply type '?'"),
        (":abc\r\n", "Protocol error: invalid integer"),
        ("$abc\r\n", "Protocol error: invalid bulk length"),
        ("$-2\r\n", "Protocol error: invalid bulk length"),
        ("!-1\r\n", "Protocol error: invalid bulk length"),
        ("$3\r\nfooXY", "Protocol error: expected CRLF after bulk data"),
        ("*x\r\n", "Protocol error: invalid multibulk length"),
        ("%-1\r\n", "Protocol error: invalid multibulk length"),
        ("#x\r\n", "Protocol error: invalid boolean"),
        ("_x\r\n", "Protocol error: invalid null"),
        (",abc\r\n", "Protocol error: invalid double"),
        ("(12a\r\n", "Protocol error: invalid big number"),
        ("=2\r\nab\r\n", "Protocol error: invalid verbatim string"),
        ("+OK\rX", "Protocol error: expected CRLF at line end"),
    ])
    func malformedRepliesThrow(input: String, message: String) {
        var decoder = RESPValueDecoder()
        var buffer = ByteBuffer(string: input)
        #expect(throws: RESPProtocolError(message)) { try decoder.decode(buffer: &buffer) }
    }

    @Test func limitsAreCheckedBeforeTheDataArrives() throws {
        let limits = RESPValueDecoder.Limits(maxDepth: 3, maxBulkLength: 4, maxElementCount: 2, maxLineLength: 8)
        let refused: [(String, RESPProtocolError)] = [
            ("*1\r\n*1\r\n*1\r\n*1\r\n", RESPProtocolError("Protocol error: nesting too deep")),
            ("$5\r\n", .invalidBulkLength),
            ("*3\r\n", .invalidMultibulkLength),
            ("+123456789", RESPProtocolError("Protocol error: too long line")),
        ]
        for (input, error) in refused {
            var decoder = RESPValueDecoder(limits: limits)
            var buffer = ByteBuffer(string: input)
            #expect(throws: error) { try decoder.decode(buffer: &buffer) }
        }
        var decoder = RESPValueDecoder(limits: limits)
        var buffer = ByteBuffer(string: "*1\r\n*1\r\n*1\r\n:1\r\n")
        #expect(try decoder.decode(buffer: &buffer) == .array([.array([.array([.integer(1)])])]))
    }

    @Test func largeBulkArrivingInManyReads() throws {
        let value = [UInt8](repeating: 7, count: 1 << 20)
        let input = bytes("$1048576\r\n") + value + bytes("\r\n")
        var decoder = RESPValueDecoder()
        var buffer = ByteBuffer()
        var decoded: RESPValue?
        for chunk in stride(from: 0, to: input.count, by: 4096) {
            buffer.writeBytes(input[chunk..<min(input.count, chunk + 4096)])
            decoded = try decoder.decode(buffer: &buffer)
            if decoded != nil { break }
        }
        #expect(decoded == .bulkString(value))
    }

    /// The value a reply decodes to, as each version writes it.
    private func expectedValue(_ reply: Reply, _ version: RESPVersion) -> RESPValue {
        let resp3 = version == .resp3
        // A line cannot carry CR or LF: each of those bytes is written as a space.
        func line(_ text: String) -> String {
            String(decoding: text.utf8.map { $0 == 13 || $0 == 10 ? 32 : $0 }, as: UTF8.self)
        }
        switch reply {
        case .ok: return .simpleString("OK")
        case let .simple(text): return .simpleString(line(text))
        case let .error(error): return .error(line(error.message))
        case let .integer(value): return .integer(value)
        case .bulk, .value: return .bulkString(reply.bulkBytes!)
        case .null: return resp3 ? .null : .bulkString(nil)
        case .nullArray: return resp3 ? .null : .array(nil)
        case let .double(value): return resp3 ? .double(value) : .bulkString(RESPDouble.text(value))
        case let .array(items): return .array(items.map { expectedValue($0, version) })
        case let .set(items): return resp3 ? .set(items.map { expectedValue($0, version) }) : .array(items.map { expectedValue($0, version) })
        case let .map(pairs):
            let converted = pairs.map { (expectedValue($0.0, version), expectedValue($0.1, version)) }
            return resp3 ? .map(converted.map { (key: $0.0, value: $0.1) }) : .array(converted.flatMap { [$0.0, $0.1] })
        case let .pairs(pairs):
            let converted = pairs.map { [expectedValue($0.0, version), expectedValue($0.1, version)] }
            return resp3 ? .array(converted.map { .array($0) }) : .array(converted.flatMap { $0 })
        case let .verbatim(text):
            return resp3 ? .verbatim(format: "txt", text: Array(text.utf8)) : .bulkString(text)
        case let .bulks(bulks): return expectedValue(bulks.expanded, version)
        case let .push(items):
            return resp3 ? .push(items.map { expectedValue($0, version) }) : .array(items.map { expectedValue($0, version) })
        case .frames:
            Issue.record("several frames are not one value")
            return .null
        case let .boolean(value):
            return resp3 ? .boolean(value) : .integer(value ? 1 : 0)
        case let .bigNumber(text):
            return resp3 ? .bigNumber(text) : .bulkString(text)
        }
    }
}
