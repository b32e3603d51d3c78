import KVCore
import KVWire
import Testing

/// Input that must be refused, and Redis's exact error text for it.
struct MalformedFrame: Sendable, CustomTestStringConvertible {
    var input: [UInt8]
    var error: RESPProtocolError
    var limits = RESPLimits()
    var testDescription: String { String(decoding: input.prefix(60), as: UTF8.self).debugDescription }

    init(_ input: String, _ error: RESPProtocolError, limits: RESPLimits = RESPLimits()) {
        self.input = bytes(input)
        self.error = error
        self.limits = limits
    }
}

let malformedFrames: [MalformedFrame] = [
    MalformedFrame("*abc\r\n", .invalidMultibulkLength),
    MalformedFrame("*\r\n", .invalidMultibulkLength),
    MalformedFrame("*1 \r\n", .invalidMultibulkLength),
    MalformedFrame("*01\r\n", .invalidMultibulkLength),
    MalformedFrame("*+1\r\n", .invalidMultibulkLength),
    MalformedFrame("*1\rX", .invalidMultibulkLength),
    MalformedFrame("*20000000\r\n", .invalidMultibulkLength),
    MalformedFrame("*3000000000\r\n", .invalidMultibulkLength),
    MalformedFrame("*99999999999999999999999\r\n", .invalidMultibulkLength),
    MalformedFrame("*1\r\n$-1\r\n", .invalidBulkLength),
    MalformedFrame("*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n", .invalidBulkLength),
    MalformedFrame("*1\r\n$abc\r\n", .invalidBulkLength),
    MalformedFrame("*1\r\n$\r\n", .invalidBulkLength),
    MalformedFrame("*1\r\n$3\rX", .invalidBulkLength),
    MalformedFrame("*1\r\n$536870913\r\n", .bulkOverLimit(536_870_912, name: "proto-max-bulk-len")),
    MalformedFrame("*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n", RESPProtocolError("Protocol error: expected '$', got 'f'")),
    MalformedFrame("*1\r\n:1\r\n", RESPProtocolError("Protocol error: expected '$', got ':'")),
    MalformedFrame("*1\r\n\r\n", RESPProtocolError("Protocol error: expected '$', got ' '")),
    MalformedFrame("*1\r\n$3\r\nfooXY", .missingBulkTerminator),
    MalformedFrame("*1\r\n$3\r\nfoo\rX", .missingBulkTerminator),
    MalformedFrame("*1\r\n$3\r\nfoo\n\r", .missingBulkTerminator),
    MalformedFrame("SET k \"v\r\n", .unbalancedQuotes),
    MalformedFrame("SET k 'v\r\n", .unbalancedQuotes),
    MalformedFrame("SET k \"v\"x\r\n", .unbalancedQuotes),
    MalformedFrame("SET k 'v'x\r\n", .unbalancedQuotes),
    MalformedFrame("ECHO a\"b c\"d\r\n", .unbalancedQuotes),
    // Limits, each refused before the data it announces arrives.
    MalformedFrame("*4\r\n", .invalidMultibulkLength, limits: RESPLimits(maxArgumentCount: 3)),
    MalformedFrame("*1\r\n$6\r\n", .bulkOverLimit(5, name: "proto-max-bulk-len"), limits: RESPLimits(maxBulkLength: 5)),
    MalformedFrame("GET abcdefgh", .tooBigInlineRequest, limits: RESPLimits(maxInlineLength: 8)),
    MalformedFrame("GET abcdefghi\r\n", .tooBigInlineRequest, limits: RESPLimits(maxInlineLength: 8)),
    MalformedFrame("*123456", .tooBigMultibulkCountString, limits: RESPLimits(maxInlineLength: 4)),
    MalformedFrame("*1\r\n$123456", .tooBigBulkCountString, limits: RESPLimits(maxInlineLength: 4)),
    MalformedFrame("*2\r\n$3\r\nSET\r\n$20\r\n", .requestOverLimit(32, name: "client-query-buffer-limit"), limits: RESPLimits(maxRequestLength: 32)),
    MalformedFrame("*11\r\n", .unauthenticatedMultibulkLength, limits: RESPLimits(requiresAuthentication: true)),
    MalformedFrame("*1\r\n$16385\r\n", .unauthenticatedBulkLength, limits: RESPLimits(requiresAuthentication: true)),
]

@Suite struct MalformedCommandTests {
    @Test(arguments: malformedFrames)
    func refusedWithRedisText(frame: MalformedFrame) {
        #expect(parseOnce(frame.input, limits: frame.limits) == Parsed(result: .malformed(frame.error), arguments: []))
    }

    /// The same error whichever way the bytes arrive, and the caller's bounds untouched.
    @Test(arguments: malformedFrames)
    func refusedWhenDripFed(frame: MalformedFrame) {
        var parser = RESPCommandParser(limits: frame.limits)
        var outcome: Parsed?
        for length in 1...frame.input.count where outcome == nil {
            let parsed = parse(Array(frame.input[..<length]), with: &parser)
            if !parsed.result.isIncomplete { outcome = parsed }
        }
        #expect(outcome == Parsed(result: .malformed(frame.error), arguments: []))
    }

    @Test func exactErrorTexts() {
        #expect(RESPProtocolError.invalidMultibulkLength.message == "Protocol error: invalid multibulk length")
        #expect(RESPProtocolError.invalidBulkLength.message == "Protocol error: invalid bulk length")
        #expect(RESPProtocolError.tooBigInlineRequest.message == "Protocol error: too big inline request")
        #expect(RESPProtocolError.tooBigMultibulkCountString.message == "Protocol error: too big mbulk count string")
        #expect(RESPProtocolError.tooBigBulkCountString.message == "Protocol error: too big bulk count string")
        #expect(RESPProtocolError.unbalancedQuotes.message == "Protocol error: unbalanced quotes in request")
        #expect(RESPProtocolError.expectedDollar(got: UInt8(ascii: "x")).message == "Protocol error: expected '$', got 'x'")
        #expect(RESPProtocolError.invalidBulkLength.reply == .error(CommandError("ERR Protocol error: invalid bulk length")))
    }

    /// Redis's default limits: a 64 KiB line without its end is refused, one byte less waits.
    @Test func defaultInlineAndHeaderLimits() {
        let limit = RESPLimits().maxInlineLength
        let line = [UInt8](repeating: UInt8(ascii: "a"), count: limit)
        #expect(parseOnce(line).result == .incomplete(needed: nil))
        #expect(parseOnce(line + [UInt8(ascii: "a")]).result == .malformed(.tooBigInlineRequest))
        #expect(parseOnce(line + bytes("\n")).arguments == [line])

        let digits = [UInt8](repeating: UInt8(ascii: "1"), count: limit + 1)
        #expect(parseOnce(bytes("*") + digits).result == .malformed(.tooBigMultibulkCountString))
        #expect(parseOnce(bytes("*1\r\n$") + digits).result == .malformed(.tooBigBulkCountString))
    }

    /// A declared length at the limit is waited for (without allocating it); one past is refused.
    @Test func hugeDeclaredLength() {
        let maxBulk = RESPLimits().maxBulkLength
        #expect(parseOnce(bytes("*1\r\n$\(maxBulk)\r\n")).result == .incomplete(needed: 16 + maxBulk + 2))
        #expect(parseOnce(bytes("*1\r\n$\(maxBulk + 1)\r\n")).result == .malformed(.bulkOverLimit(maxBulk, name: "proto-max-bulk-len")))
        #expect(parseOnce(bytes("*1048576\r\n")).result == .incomplete(needed: 11))
        #expect(parseOnce(bytes("*1048577\r\n")).result == .malformed(.invalidMultibulkLength))
    }

    @Test func unauthenticatedLimitsAtTheirEdge() {
        let limits = RESPLimits(requiresAuthentication: true)
        #expect(parseOnce(bytes("*10\r\n"), limits: limits).result.isIncomplete)
        #expect(parseOnce(bytes("*1\r\n$16384\r\n"), limits: limits).result.isIncomplete)
    }
}
