import KVCore
import KVReplicationWire
import KVWire
import NIOCore
import Testing

/// Arguments that `ReplicationRequest(arguments:)` refuses, and the exact error answered.
struct RefusedRequest: Sendable, CustomTestStringConvertible {
    var arguments: [String]
    var error: CommandError
    var testDescription: String { arguments.joined(separator: " ") }
}

let refusedRequests: [RefusedRequest] = [
    // The texts are those the primary answered before the codec existed (ReplicationTests
    // checks the first one against a real server).
    RefusedRequest(arguments: ["KV.STREAM", "nothex", "0", "fake"], error: StreamRequest.malformed),
    RefusedRequest(arguments: ["KV.STREAM", historyText, "-1", "kv-1"], error: StreamRequest.malformed),
    RefusedRequest(arguments: ["KV.STREAM", historyText, "+", "kv-1"], error: StreamRequest.malformed),
    RefusedRequest(arguments: ["KV.STREAM", historyText, "18446744073709551616", "kv-1"], error: StreamRequest.malformed),
    RefusedRequest(arguments: ["KV.STREAM", String(historyText.dropLast()), "1", "kv-1"], error: StreamRequest.malformed),
    RefusedRequest(arguments: ["KV.STREAM", historyText, "1"], error: StreamRequest.malformed),
    RefusedRequest(arguments: ["KV.STREAM", historyText, "1", "kv-1", "6380", "epoch"], error: StreamRequest.malformed),
    RefusedRequest(arguments: ["KV.STREAM", historyText, "1", "kv-1", "6380", "-1"], error: StreamRequest.malformed),
    RefusedRequest(arguments: ["KV.STREAM", historyText, "1", "kv-1", "6380", "3", "extra"], error: StreamRequest.malformed),
    RefusedRequest(arguments: ["KV.STREAM", historyText, "1", "kv-1", "0"], error: StreamRequest.portOutOfRange),
    RefusedRequest(arguments: ["KV.STREAM", historyText, "1", "kv-1", "65536"], error: StreamRequest.portOutOfRange),
    RefusedRequest(arguments: ["KV.STREAM", historyText, "1", "kv-1", "port"], error: StreamRequest.portOutOfRange),
    RefusedRequest(arguments: ["KV.FETCH", historyText, "1"], error: FetchRequest.malformed),
    RefusedRequest(arguments: ["KV.FETCH", historyText, "1", "x"], error: FetchRequest.malformed),
    RefusedRequest(arguments: ["KV.FETCH", historyText, "-1", "2"], error: FetchRequest.malformed),
    RefusedRequest(arguments: ["KV.FETCH", historyText, "1", "2", "3"], error: FetchRequest.malformed),
    RefusedRequest(arguments: ["KV.ACK"], error: ReplicationRequest.malformedAck),
    RefusedRequest(arguments: ["KV.ACK", "-1"], error: ReplicationRequest.malformedAck),
    RefusedRequest(arguments: ["KV.ACK", "1", "2", "3"], error: ReplicationRequest.malformedAck),
    RefusedRequest(arguments: ["KV.ACK", "1", "x"], error: ReplicationRequest.malformedAck),
    RefusedRequest(arguments: ["KV.ACK", "18446744073709551616"], error: ReplicationRequest.malformedAck),
    RefusedRequest(arguments: ["KV.CLONE", "now"], error: .wrongArity("kv.clone")),
    RefusedRequest(arguments: ["GET", "k"], error: ReplicationRequest.notARequest),
]

@Suite struct ReplicationRequestTests {
    /// As a replica sends it to a primary from before lineage.
    static let stream = StreamRequest(history: history, after: LSN(42), epoch: nil, podName: "kv-1", listeningPort: 6380)

    /// Every request, byte for byte as replicas send it (as they always have, but for the epoch).
    static let wire: [(ReplicationRequest, String)] = [
        (.clone, "*1\r\n$8\r\nKV.CLONE\r\n"),
        (.stream(stream), "*5\r\n$9\r\nKV.STREAM\r\n$32\r\n\(historyText)\r\n$2\r\n42\r\n$4\r\nkv-1\r\n$4\r\n6380\r\n"),
        (.stream(StreamRequest(history: history, after: .zero, epoch: nil, podName: "kv-2", listeningPort: nil)),
         "*4\r\n$9\r\nKV.STREAM\r\n$32\r\n\(historyText)\r\n$1\r\n0\r\n$4\r\nkv-2\r\n"),
        // With lineage: the epoch of the record at <after>, 0 included.
        (.stream(StreamRequest(history: history, after: LSN(42), epoch: .zero, podName: "kv-1", listeningPort: 6380)),
         "*6\r\n$9\r\nKV.STREAM\r\n$32\r\n\(historyText)\r\n$2\r\n42\r\n$4\r\nkv-1\r\n$4\r\n6380\r\n$1\r\n0\r\n"),
        (.stream(StreamRequest(history: history, after: LSN(42), epoch: Epoch(3), podName: "kv-1", listeningPort: 6380)),
         "*6\r\n$9\r\nKV.STREAM\r\n$32\r\n\(historyText)\r\n$2\r\n42\r\n$4\r\nkv-1\r\n$4\r\n6380\r\n$1\r\n3\r\n"),
        (.ack(applied: LSN(7)), "*2\r\n$6\r\nKV.ACK\r\n$1\r\n7\r\n"),
        (.ack(applied: LSN(7), durable: LSN(5)), "*3\r\n$6\r\nKV.ACK\r\n$1\r\n7\r\n$1\r\n5\r\n"),
        (.fetch(FetchRequest(history: history, after: LSN(150), epoch: Epoch(3))),
         "*4\r\n$8\r\nKV.FETCH\r\n$32\r\n\(historyText)\r\n$3\r\n150\r\n$1\r\n3\r\n"),
        (.ack(applied: LSN(UInt64.max)), "*2\r\n$6\r\nKV.ACK\r\n$20\r\n18446744073709551615\r\n"),
    ]

    @Test(arguments: wire)
    func encodesTheExactBytes(request: ReplicationRequest, expected: String) {
        #expect(encoded { request.encode(into: &$0) } == bytes(expected))
    }

    @Test(arguments: wire.map(\.0))
    func roundTripsThroughTheRESPDecoder(request: ReplicationRequest) throws {
        var buffer = ByteBuffer()
        request.encode(into: &buffer)
        var decoder = RESPCommandDecoder()
        let arguments = try #require(try decoder.decode(buffer: &buffer))
        #expect(buffer.readableBytes == 0)
        #expect(try arguments.withArguments { try ReplicationRequest(arguments: $0) } == request)
    }

    @Test func theHandshakeAuthenticatesFirst() {
        #expect(encoded { ReplicationRequest.clone.encode(into: &$0, authenticatingWith: "s3cret") }
            == bytes("*2\r\n$4\r\nAUTH\r\n$6\r\ns3cret\r\n*1\r\n$8\r\nKV.CLONE\r\n"))
        #expect(encoded { ReplicationRequest.clone.encode(into: &$0, authenticatingWith: nil) }
            == bytes("*1\r\n$8\r\nKV.CLONE\r\n"))
    }

    @Test func namesAreCaseInsensitive() throws {
        let ack = try OwnedArguments(["kv.ack", "5"]).withArguments { try ReplicationRequest(arguments: $0) }
        #expect(ack == .ack(applied: LSN(5)))
        let stream = try OwnedArguments(["Kv.Stream", historyText, "42", "kv-1", "6380"])
            .withArguments { try ReplicationRequest(arguments: $0) }
        #expect(stream == .stream(Self.stream))
    }

    @Test(arguments: refusedRequests)
    func refusesWithTheExactError(refused: RefusedRequest) {
        #expect(throws: refused.error) {
            try OwnedArguments(refused.arguments).withArguments { try ReplicationRequest(arguments: $0) }
        }
    }

    /// As docs/replication.md quotes them.
    @Test func streamErrorTexts() {
        #expect(StreamRequest.malformed.message
            == "ERR KV.STREAM needs a history id (32 hex digits), an LSN, a pod name and optionally a port and an epoch")
        #expect(StreamRequest.portOutOfRange.message == "ERR KV.STREAM: the listening port must be 1-65535")
    }
}
