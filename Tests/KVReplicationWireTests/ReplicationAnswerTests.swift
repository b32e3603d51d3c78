import KVCore
import KVReplication
import KVReplicationWire
import NIOCore
import NIOTestUtils
import Testing

/// Bytes the answer decoder refuses, and what it says.
struct RefusedAnswer: Sendable, CustomTestStringConvertible {
    var input: String
    var error: String
    var testDescription: String { String(input.prefix(60)).debugDescription }
}

let refusedAnswers: [RefusedAnswer] = [
    // Known answers with fields that do not parse.
    RefusedAnswer(input: "+CLONE nothex 1 2\r\n", error: "malformed clone answer '+CLONE nothex 1 2'"),
    RefusedAnswer(input: "+CLONE \(historyText) 1\r\n", error: "malformed clone answer '+CLONE \(historyText) 1'"),
    RefusedAnswer(input: "+CLONE \(historyText) -1 2\r\n", error: "malformed clone answer '+CLONE \(historyText) -1 2'"),
    RefusedAnswer(input: "+CLONE \(historyText) 1 2 3\r\n", error: "malformed clone answer '+CLONE \(historyText) 1 2 3'"),
    RefusedAnswer(input: "+STREAM \(historyText)\r\n", error: "malformed stream answer '+STREAM \(historyText)'"),
    RefusedAnswer(input: "+STREAM \(historyText) x\r\n", error: "malformed stream answer '+STREAM \(historyText) x'"),
    RefusedAnswer(input: "+STREAM \(historyText) 99999999999999999999\r\n",
                  error: "malformed stream answer '+STREAM \(historyText) 99999999999999999999'"),
    RefusedAnswer(input: "+FETCH \(historyText)\r\n", error: "malformed fetch answer '+FETCH \(historyText)'"),
    RefusedAnswer(input: "+FETCH \(historyText) 1 2\r\n", error: "malformed fetch answer '+FETCH \(historyText) 1 2'"),
    RefusedAnswer(input: "-KVRESYNC fork\r\n", error: "malformed resync answer '-KVRESYNC fork'"),
    RefusedAnswer(input: "-KVRESYNC\r\n", error: "malformed resync answer '-KVRESYNC'"),
    RefusedAnswer(input: "-KVRESYNC later 3\r\n", error: "malformed resync answer '-KVRESYNC later 3'"),
    RefusedAnswer(input: "-KVRESYNC ahead x\r\n", error: "malformed resync answer '-KVRESYNC ahead x'"),
    RefusedAnswer(input: "-KVRESYNC history 12\r\n", error: "malformed resync answer '-KVRESYNC history 12'"),
    RefusedAnswer(input: "-KVRESYNC compacted 1 2\r\n", error: "malformed resync answer '-KVRESYNC compacted 1 2'"),
    // Lines that are no answer of this protocol.
    RefusedAnswer(input: "+FOO\r\n", error: "peer answered '+FOO'"),
    RefusedAnswer(input: "+OK extra\r\n", error: "peer answered '+OK extra'"),
    RefusedAnswer(input: "+stream \(historyText) 1\r\n", error: "peer answered '+stream \(historyText) 1'"),
    RefusedAnswer(input: ":1\r\n", error: "peer answered ':1'"),
    RefusedAnswer(input: "$3\r\nabc\r\n", error: "peer answered '$3'"),
    RefusedAnswer(input: "\r\n", error: "peer answered ''"),
    RefusedAnswer(input: "HTTP/1.1 400 Bad Request\r\n", error: "peer answered 'HTTP/1.1 400 Bad Request'"),
    // Too long: refused once more than 4096 bytes hold no line end.
    RefusedAnswer(input: String(repeating: "x", count: 4097), error: "answer line longer than 4096 bytes"),
    RefusedAnswer(input: "-" + String(repeating: "x", count: 4094) + "\r\n", error: "answer line longer than 4096 bytes"),
]

@Suite struct ReplicationAnswerTests {
    /// Every answer, byte for byte as pods send it.
    static let wire: [(ReplicationAnswer, String)] = [
        (.ok, "+OK\r\n"),
        (.clone(history: history, lsn: LSN(42), entries: 1000), "+CLONE \(historyText) 42 1000\r\n"),
        (.clone(history: history, lsn: .zero, entries: 0), "+CLONE \(historyText) 0 0\r\n"),
        (.stream(history: history, primaryLSN: LSN(300)), "+STREAM \(historyText) 300\r\n"),
        (.fetch(history: history, lastLSN: LSN(190)), "+FETCH \(historyText) 190\r\n"),
        (.resync(.history(otherHistory)), "-KVRESYNC history 00000000000000010000000000000002\r\n"),
        (.resync(.compacted(oldest: LSN(17))), "-KVRESYNC compacted 17\r\n"),
        (.resync(.fork(at: LSN(3))), "-KVRESYNC fork 3\r\n"),
        (.error(CommandError("NOAUTH Authentication required.")), "-NOAUTH Authentication required.\r\n"),
        (.error(CommandError("KVNOTREADY this replica does not serve clones while not ready (behind)")),
         "-KVNOTREADY this replica does not serve clones while not ready (behind)\r\n"),
    ]

    @Test(arguments: wire)
    func encodesTheExactBytes(answer: ReplicationAnswer, expected: String) {
        #expect(encoded { answer.encode(into: &$0) } == bytes(expected))
        #expect(answer.line + "\r\n" == expected)
    }

    @Test(arguments: wire.map(\.0))
    func roundTrips(answer: ReplicationAnswer) throws {
        var buffer = ByteBuffer()
        answer.encode(into: &buffer)
        var decoder = ReplicationAnswerDecoder()
        #expect(try decoder.decode(buffer: &buffer) == answer)
        #expect(buffer.readableBytes == 0)
    }

    /// The resync line carries `ResyncReason`'s description, which the primary logs.
    @Test(arguments: [ResyncReason.history(otherHistory), .compacted(oldest: LSN(9)), .fork(at: LSN(1))])
    func resyncLineIsTheReasonsDescription(reason: ResyncReason) {
        #expect(ReplicationAnswer.resync(reason).line == "-KVRESYNC \(reason)")
    }

    @Test func passesTheDecoderVerifier() throws {
        var pairs = Self.wire.map { answer, line in (ByteBuffer(string: line), [answer]) }
        pairs.append((ByteBuffer(string: "+OK\n"), [.ok]))  // LF alone ends a line too
        pairs.append((ByteBuffer(string: "+STREAM  \(historyText)   300 \r\n"),
                      [.stream(history: history, primaryLSN: LSN(300))]))
        pairs.append((ByteBuffer(string: "+OK\r\n+OK\r\n-KVRESYNC ahead 3\r\n"), [.ok, .ok, .resync(.fork(at: LSN(3)))]))
        pairs.append((ByteBuffer(string: "-" + String(repeating: "x", count: 4093) + "\r\n"),
                      [.error(CommandError(String(repeating: "x", count: 4093)))]))
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { ReplicationAnswerDecoder() }
    }

    /// The answer line is read alone: the snapshot's bytes behind it stay in the buffer.
    @Test func stopsAtTheEndOfTheLine() throws {
        var buffer = ByteBuffer(string: "+OK\r\n+CLONE \(historyText) 5 2\r\n")
        buffer.writeBytes([0x4B, 0x56, 0x53, 0x0A, 0x00, 0xFF])
        var decoder = ReplicationAnswerDecoder()
        #expect(try decoder.decode(buffer: &buffer) == .ok)
        #expect(try decoder.decode(buffer: &buffer) == .clone(history: history, lsn: LSN(5), entries: 2))
        #expect(Array(buffer.readableBytesView) == [0x4B, 0x56, 0x53, 0x0A, 0x00, 0xFF])
    }

    /// A line cut anywhere is not decoded, and nothing of it is consumed.
    @Test(arguments: [
        "", "+", "+OK", "+OK\r", "+CLONE \(historyText) 42", "-KVRESYNC ahead 3\r",
        "+STREAM \(historyText) 300\r", String(repeating: "x", count: 4096),
    ])
    func waitsForTheLineEnd(partial: String) throws {
        var buffer = ByteBuffer(string: partial)
        var decoder = ReplicationAnswerDecoder()
        #expect(try decoder.decode(buffer: &buffer) == nil)
        #expect(buffer.readableBytes == partial.utf8.count)
    }

    @Test(arguments: refusedAnswers)
    func refusesWithTheReason(refused: RefusedAnswer) {
        var buffer = ByteBuffer(string: refused.input)
        var decoder = ReplicationAnswerDecoder()
        #expect(throws: ReplicationProtocolError(refused.error)) { try decoder.decode(buffer: &buffer) }
    }

    /// An answer other than the expected one reads back as the line it was.
    @Test func errorsKeepTheirText() throws {
        let answer = try ReplicationAnswer(line: "-ERR KV.STREAM is served by the primary; this pod is a replica of kv-0:6379")
        #expect(answer == .error(CommandError("ERR KV.STREAM is served by the primary; this pod is a replica of kv-0:6379")))
        #expect(answer.line == "-ERR KV.STREAM is served by the primary; this pod is a replica of kv-0:6379")
    }
}
