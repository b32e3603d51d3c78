import KVCore
import KVReplicationWire
import KVStorage
import NIOCore
import NIOTestUtils
import Testing

/// Frame bytes the decoder refuses, and what it says.
struct RefusedFrame: Sendable, CustomTestStringConvertible {
    var name: String
    var input: [UInt8]
    var error: String
    var testDescription: String { name }
}

/// A record frame holding `body` (its length and checksum computed).
func recordFrame(body: [UInt8]) -> [UInt8] {
    var frame: [UInt8] = [ReplicationFrame.recordKind]
    withUnsafeBytes(of: UInt32(body.count).littleEndian) { frame += $0 }
    withUnsafeBytes(of: CRC32C.checksum(body).littleEndian) { frame += $0 }
    return frame + body
}

/// A record body: LSN 1, time 0, `count` operations, then `operations` as bytes.
func recordBody(count: UInt32, operations: [UInt8]) -> [UInt8] {
    var body: [UInt8] = []
    withUnsafeBytes(of: UInt64(1).littleEndian) { body += $0 }
    withUnsafeBytes(of: Int64(0).littleEndian) { body += $0 }
    withUnsafeBytes(of: count.littleEndian) { body += $0 }
    return body + operations
}

let refusedFrames: [RefusedFrame] = {
    var badChecksum = encoded { ReplicationFrame.record(record(1)).encode(into: &$0) }
    badChecksum[5] ^= 0xFF
    let zeroLength: [UInt8] = [1, 0, 0, 0, 0, 0, 0, 0, 0]
    let hugeLength: [UInt8] = [1, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]
    return [
        RefusedFrame(name: "kind 0", input: [0], error: "unknown frame kind 0"),
        RefusedFrame(name: "kind 4", input: [4, 1, 2, 3], error: "unknown frame kind 4"),
        RefusedFrame(name: "message namespace 2", input: [3] + [UInt8](repeating: 0, count: 8) + [2, 0, 0, 0, 0],
                     error: "message frame: unknown namespace 2"),
        RefusedFrame(name: "message channel 4 GiB", input: [3] + [UInt8](repeating: 0, count: 8) + [0, 0xFF, 0xFF, 0xFF, 0xFF],
                     error: "message frame: channel of 4294967295 bytes"),
        RefusedFrame(name: "kind 255", input: [255], error: "unknown frame kind 255"),
        RefusedFrame(name: "text", input: bytes("+STREAM"), error: "unknown frame kind 43"),
        RefusedFrame(name: "heartbeat flags 2", input: [2] + [UInt8](repeating: 0, count: 16) + [2],
                     error: "heartbeat frame: unknown flags 2"),
        RefusedFrame(name: "length 0", input: zeroLength, error: "record frame: impossible record length 0"),
        RefusedFrame(name: "length 4 GiB", input: hugeLength, error: "record frame: impossible record length 4294967295"),
        RefusedFrame(name: "checksum", input: badChecksum,
                     error: "record frame: record checksum mismatch (stored 0x\(String(checksum(of: badChecksum), radix: 16)), computed 0x\(String(checksum(of: encoded { ReplicationFrame.record(record(1)).encode(into: &$0) }), radix: 16)))"),
        RefusedFrame(name: "unknown operation", input: recordFrame(body: recordBody(count: 1, operations: [99])),
                     error: "record frame: unknown operation kind 99"),
        RefusedFrame(name: "operations past the end", input: recordFrame(body: recordBody(count: 1, operations: [2, 9, 0, 0, 0])),
                     error: "record frame: record operations run past the end of the record"),
        RefusedFrame(name: "trailing bytes", input: recordFrame(body: recordBody(count: 1, operations: [4, 0, 0])),
                     error: "record frame: 2 unexpected bytes after the record's operations"),
    ]
}()

/// The checksum stored in a record frame (after the kind byte and the length).
func checksum(of frame: [UInt8]) -> UInt32 {
    frame.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 5, as: UInt32.self) }.littleEndian
}

@Suite struct ReplicationFrameTests {
    static let heartbeat = ReplicationFrame.heartbeat(primaryLSN: LSN(0x0102), primaryTime: UnixMillis(5), ackRequested: true)
    static let message = ReplicationFrame.message(PublishedMessage(namespace: .shard, channel: Array("ch".utf8),
                                                                   message: [0, 13, 10, 255], after: LSN(7)))

    /// A message frame: kind 3, the LSN it follows, the namespace, then the channel and the
    /// message with their lengths (docs/replication.md, "Wire format").
    @Test func messageBytes() {
        #expect(encoded { Self.message.encode(into: &$0) }
            == [3, 7, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0x63, 0x68, 4, 0, 0, 0, 0, 13, 10, 255])
        if case let .message(message) = Self.message { #expect(message.frameSize == 24) }
    }

    @Test func heartbeatBytes() {
        #expect(encoded { Self.heartbeat.encode(into: &$0) }
            == [2, 0x02, 0x01, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 1])
        let quiet = ReplicationFrame.heartbeat(primaryLSN: .zero, primaryTime: UnixMillis(-1), ackRequested: false)
        #expect(encoded { quiet.encode(into: &$0) } == [2] + [UInt8](repeating: 0, count: 8) + [UInt8](repeating: 0xFF, count: 8) + [0])
        #expect(ReplicationFrame.heartbeatSize == 18)
    }

    /// A record frame is the kind byte, then the record exactly as a log segment holds it.
    @Test func recordBytesAreTheLogFrame() {
        #expect(encoded { ReplicationFrame.record(record(9)).encode(into: &$0) } == [1] + RecordCodec.encode(record(9)))
    }

    /// What the primary sends: log frames read from the files, wrapped without decoding.
    @Test func appendRecordWrapsALogFrame() {
        var bytes: [UInt8] = [7]
        #expect(ReplicationFrame.appendRecord(into: &bytes) { $0 += RecordCodec.encode(record(3)); return true })
        #expect(bytes == [7, 1] + RecordCodec.encode(record(3)))
        #expect(!ReplicationFrame.appendRecord(into: &bytes) { _ in false })
        #expect(bytes == [7, 1] + RecordCodec.encode(record(3)), "nothing appended when no frame is")
    }

    @Test func passesTheDecoderVerifier() throws {
        let frames: [ReplicationFrame] = [
            .record(record(1)), Self.heartbeat,
            .heartbeat(primaryLSN: LSN(UInt64.max), primaryTime: UnixMillis(Int64.min), ackRequested: false),
            .record(LogRecord(lsn: LSN(2), timestamp: UnixMillis(0), operations: [])), Self.message,
            .message(PublishedMessage(namespace: .global, channel: [], message: [], after: .zero)),
        ]
        var pairs = frames.map { frame in (ByteBuffer(bytes: encoded { frame.encode(into: &$0) }), [frame]) }
        var stream = ByteBuffer()
        for frame in frames { frame.encode(into: &stream) }
        pairs.append((stream, frames))
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { ReplicationFrameDecoder() }
    }

    @Test func roundTripsAndCollectsTheRecordsLogFrames() throws {
        var buffer = ByteBuffer()
        let frames: [ReplicationFrame] = [.record(record(1)), Self.heartbeat, Self.message, .record(record(2))]
        for frame in frames { frame.encode(into: &buffer) }
        var decoder = ReplicationFrameDecoder()
        var decoded: [ReplicationFrame] = []
        while let frame = try decoder.decode(buffer: &buffer) { decoded.append(frame) }
        #expect(decoded == frames)
        #expect(buffer.readableBytes == 0)
        #expect(decoder.recordFrames == RecordCodec.encode(record(1)) + RecordCodec.encode(record(2)))
    }

    /// A frame cut anywhere is not decoded, and nothing of it is consumed.
    @Test func waitsForWholeFrames() throws {
        for frame in [ReplicationFrame.record(record(4)), Self.heartbeat, Self.message] {
            let whole = encoded { frame.encode(into: &$0) }
            for length in 0..<whole.count {
                var buffer = ByteBuffer(bytes: whole.prefix(length))
                var decoder = ReplicationFrameDecoder()
                #expect(try decoder.decode(buffer: &buffer) == nil, "\(length) of \(whole.count) bytes")
                #expect(buffer.readableBytes == length)
                #expect(decoder.recordFrames.isEmpty)
            }
        }
    }

    @Test(arguments: refusedFrames)
    func refusesWithTheReason(refused: RefusedFrame) {
        var buffer = ByteBuffer(bytes: refused.input)
        var decoder = ReplicationFrameDecoder()
        #expect(throws: ReplicationProtocolError(refused.error)) { try decoder.decode(buffer: &buffer) }
    }

    @Test func framesAreEqualWhenTheirBytesAre() {
        #expect(ReplicationFrame.record(record(5)) == .record(record(5)))
        #expect(ReplicationFrame.record(record(5)) != .record(record(6)))
        #expect(Self.heartbeat != .heartbeat(primaryLSN: LSN(0x0102), primaryTime: UnixMillis(5), ackRequested: false))
    }
}

/// The examples in docs/replication.md ("Wire format"), byte for byte.
@Suite struct DocumentedExampleTests {
    @Test func recordFrame() {
        let record = LogRecord(lsn: LSN(301), timestamp: UnixMillis(1_700_000_000_000), operations: [put("k", "v")])
        #expect(hex(encoded { ReplicationFrame.record(record).encode(into: &$0) }) == """
            01 27 00 00 00 94 3c f0 86 2d 01 00 00 00 00 00 00 00 68 e5 cf 8b 01 00 00 01 00 00 00 \
            01 01 00 00 00 6b 01 00 00 00 76 00 00 00 00 00 00 00 00
            """)
    }

    @Test func heartbeatFrame() {
        let heartbeat = ReplicationFrame.heartbeat(primaryLSN: LSN(301), primaryTime: UnixMillis(1_700_000_000_000), ackRequested: true)
        #expect(hex(encoded { heartbeat.encode(into: &$0) }) == "02 2d 01 00 00 00 00 00 00 00 68 e5 cf 8b 01 00 00 01")
    }

    func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
    }
}
