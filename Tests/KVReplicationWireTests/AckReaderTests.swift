import KVCore
import KVReplicationWire
import NIOCore
import NIOTestUtils
import Testing

/// Bytes a primary refuses on a replica's stream, and what it says.
struct RefusedAck: Sendable, CustomTestStringConvertible {
    var input: [UInt8]
    var error: String
    var testDescription: String { String(decoding: input.prefix(60), as: UTF8.self).debugDescription }

    init(_ input: [UInt8], _ error: String) {
        self.input = input
        self.error = error
    }
}

let refusedAcks: [RefusedAck] = [
    RefusedAck(bytes("KV.ACK 3\r\n"), "expected KV.ACK <lsn> [<durable-lsn>]"),  // inline: replicas send arrays
    RefusedAck(command("KV.ACK", "-1"), "expected KV.ACK <lsn> [<durable-lsn>]"),
    RefusedAck(command("KV.ACK", "x"), "expected KV.ACK <lsn> [<durable-lsn>]"),
    RefusedAck(command("KV.ACK"), "expected KV.ACK <lsn> [<durable-lsn>]"),
    RefusedAck(command("KV.ACK", "1", "2", "3"), "expected KV.ACK <lsn> [<durable-lsn>]"),
    RefusedAck(command("KV.ACK", "1", "x"), "expected KV.ACK <lsn> [<durable-lsn>]"),
    RefusedAck(command("PING"), "expected KV.ACK <lsn> [<durable-lsn>]"),
    RefusedAck(command("KV.CLONE"), "expected KV.ACK <lsn> [<durable-lsn>]"),
    // Acks are short: a long or wide request is refused at its header.
    RefusedAck(bytes("*2\r\n$6\r\nKV.ACK\r\n$65\r\n"), "Protocol error: invalid bulk length (over an ack's limit, 64 bytes)"),
    RefusedAck(bytes("*5\r\n"), "Protocol error: invalid multibulk length"),
    RefusedAck(bytes("*2\r\n$6\r\nKV.ACKX\r\n"), "Protocol error: expected CRLF after bulk data"),
    RefusedAck(bytes("*1\r\n:1\r\n"), "Protocol error: expected '$', got ':'"),
]

@Suite struct AckReaderTests {
    @Test func passesTheDecoderVerifier() throws {
        let pairs: [(ByteBuffer, [Ack])] = [
            (ByteBuffer(bytes: command("KV.ACK", "1")), [Ack(applied: LSN(1))]),
            (ByteBuffer(bytes: command("kv.ack", "18446744073709551615")), [Ack(applied: LSN(UInt64.max))]),
            (ByteBuffer(bytes: command("KV.ACK", "9", "7")), [Ack(applied: LSN(9), durable: LSN(7))]),
            (ByteBuffer(bytes: bytes("*0\r\n") + command("KV.ACK", "2") + bytes("\r\n") + command("KV.ACK", "3", "3")),
             [Ack(applied: LSN(2)), Ack(applied: LSN(3), durable: LSN(3))]),
            (ByteBuffer(bytes: bytes("*0\r\n")), []),
        ]
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { AckReader() }
    }

    @Test(arguments: [LSN.zero, LSN(7), LSN(1 << 40), LSN(UInt64.max)])
    func roundTripsTheReplicasAck(lsn: LSN) throws {
        var buffer = ByteBuffer()
        ReplicationRequest.ack(applied: lsn, durable: lsn).encode(into: &buffer)
        var reader = AckReader()
        #expect(try reader.decode(buffer: &buffer) == Ack(applied: lsn, durable: lsn))
        #expect(buffer.readableBytes == 0)
    }

    @Test func stepsSayWhatWasConsumed() {
        var reader = AckReader()
        let ack = command("KV.ACK", "12")
        #expect(ack.withUnsafeBytes { reader.read($0) } == .ack(Ack(applied: LSN(12)), consumed: ack.count))
        #expect(bytes("*0\r\n").withUnsafeBytes { reader.read($0) } == .skip(consumed: 4))
        for length in 0..<ack.count {
            var fresh = AckReader()
            #expect(Array(ack.prefix(length)).withUnsafeBytes { fresh.read($0) } == .incomplete)
        }
    }

    @Test(arguments: refusedAcks)
    func refusesAnythingElse(refused: RefusedAck) {
        var buffer = ByteBuffer(bytes: refused.input)
        var reader = AckReader()
        #expect(throws: ReplicationProtocolError(refused.error)) { try reader.decode(buffer: &buffer) }
        var again = AckReader()
        #expect(refused.input.withUnsafeBytes { again.read($0) } == .invalid(refused.error))
    }
}
