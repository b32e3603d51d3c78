import KVCore
@testable import KVStorage
import Testing

@Suite struct RecordCodecTests {
    static let everyKind = LogRecord(lsn: LSN(7), timestamp: UnixMillis(1_700_000_000_123), operations: [
        put("user:1", "alice"),
        put("", ""),
        .put(Entry.make(key: [0, 255, 10, 13], value: [0, 0, 1, 2, 255], expiresAt: UnixMillis(1_800_000_000_000))),
        .delete(key: Array("gone".utf8)),
        .delete(key: []),
        .expire(key: Array("ttl".utf8), at: UnixMillis(1_750_000_000_000)),
        .expire(key: Array("persist".utf8), at: nil),
        .flushAll,
        .beginEpoch(Epoch(UInt64.max - 1)),
    ])

    @Test func roundTripsEveryOperationKind() throws {
        let bytes = RecordCodec.encode(Self.everyKind)
        guard case let .found(record, byteCount) = RecordCodec.decode(bytes) else {
            Issue.record("did not decode")
            return
        }
        #expect(byteCount == bytes.count)
        #expect(describe(record) == describe(Self.everyKind))
    }

    @Test func roundTripsEmptyAndBigRecords() {
        let empty = LogRecord(lsn: LSN(1), timestamp: UnixMillis(0), operations: [])
        let big = LogRecord(lsn: LSN(UInt64.max), timestamp: UnixMillis(-5), operations: [
            .put(Entry.make(key: Array(repeating: 7, count: 70_000),
                            value: (0..<1_200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }, expiresAt: nil)),
        ])
        for original in [empty, big] {
            let bytes = RecordCodec.encode(original)
            guard case let .found(record, byteCount) = RecordCodec.decode(bytes) else {
                Issue.record("did not decode")
                continue
            }
            #expect(byteCount == bytes.count)
            #expect(describe(record) == describe(original))
        }
    }

    @Test func encodesAfterExistingBytesAndDecodesAtOffset() {
        var buffer: [UInt8] = [1, 2, 3]
        let first = RecordCodec.encode(Self.everyKind, into: &buffer)
        let second = RecordCodec.encode(LogRecord(lsn: LSN(8), timestamp: UnixMillis(1), operations: [.flushAll]),
                                        into: &buffer)
        #expect(buffer.count == 3 + first + second)
        guard case let .found(record, _) = RecordCodec.decode(buffer, at: 3 + first) else {
            Issue.record("second record did not decode")
            return
        }
        #expect(record.lsn == LSN(8))
    }

    @Test func everyPrefixIsIncomplete() {
        let bytes = RecordCodec.encode(Self.everyKind)
        for split in 0..<bytes.count {
            let result = RecordCodec.decode(Array(bytes[..<split]))
            guard case let .incomplete(needed) = result else {
                Issue.record("prefix of \(split) bytes: \(result)")
                continue
            }
            #expect(needed > split)
            #expect(needed == (split < 8 ? 8 : bytes.count))
        }
    }

    /// Flipping any bit pattern in any byte is detected: never decoded as a record.
    @Test func everyFlippedByteIsDetected() {
        let bytes = RecordCodec.encode(Self.everyKind)
        for index in bytes.indices {
            for flip: UInt8 in [0x01, 0x80, 0xFF] {
                var damaged = bytes
                damaged[index] ^= flip
                switch RecordCodec.decode(damaged) {
                case .found:
                    Issue.record("flip 0x\(String(flip, radix: 16)) at byte \(index) went undetected")
                case .incomplete:
                    // Only a damaged length can make the frame look longer than the bytes given.
                    #expect(index < 4, "byte \(index)")
                case let .corrupt(corruption):
                    #expect(corruption.frameOffset == 0)
                }
            }
        }
    }

    @Test func impossibleLengthsAreRejectedWithoutAllocating() {
        for length: UInt32 in [0, 1, 19, UInt32(RecordCodec.maximumBodySize) + 1, UInt32.max] {
            var bytes: [UInt8] = []
            bytes.appendLittleEndian(length)
            bytes.appendLittleEndian(UInt32(0))
            guard case let .corrupt(corruption) = RecordCodec.decode(bytes) else {
                Issue.record("length \(length) accepted")
                continue
            }
            #expect(corruption.reason == .badLength(length))
            #expect(corruption.offset == 0)
        }
    }

    @Test func unknownOperationWithValidChecksumIsCorrupt() {
        let corruption = decodeForged(body: header(opCount: 1) + [99])
        #expect(corruption?.reason == .unknownOperation(99))
        #expect(corruption?.offset == 8 + 20)
    }

    @Test func trailingBytesWithValidChecksumAreCorrupt() {
        #expect(decodeForged(body: header(opCount: 1) + [4, 0, 0])?.reason == .trailingBytes(2))
    }

    @Test func operationsRunningPastTheBodyAreCorrupt() {
        // A put whose key length says 100 bytes, with 3 present.
        #expect(decodeForged(body: header(opCount: 1) + [1, 100, 0, 0, 0, 1, 2, 3])?.reason == .truncatedBody)
        // More operations claimed than bytes could hold.
        #expect(decodeForged(body: header(opCount: 1_000_000) + [4])?.reason == .truncatedBody)
    }

    private func header(opCount: UInt32) -> [UInt8] {
        var body: [UInt8] = []
        body.appendLittleEndian(UInt64(1))
        body.appendLittleEndian(Int64(2))
        body.appendLittleEndian(opCount)
        return body
    }

    /// Frames `body` with a correct length and checksum and decodes it.
    private func decodeForged(body: [UInt8]) -> RecordCorruption? {
        var frame: [UInt8] = []
        frame.appendLittleEndian(UInt32(body.count))
        frame.appendLittleEndian(CRC32C.checksum(body))
        guard case let .corrupt(corruption) = RecordCodec.decode(frame + body) else { return nil }
        return corruption
    }
}

/// A comparable rendering of a record.
func describe(_ record: LogRecord) -> String {
    var text = "\(record.lsn)@\(record.timestamp):"
    for operation in record.operations {
        switch operation {
        case let .put(entry) where entry.isObject:
            text += " put(\(entry.key),\(entry.kind.name):\(ValuePayload.encode(entry.object!)),\(String(describing: entry.expiresAt)))"
        case let .put(entry): text += " put(\(entry.key),\(entry.value),\(String(describing: entry.expiresAt)))"
        case let .edit(key, edit): text += " edit(\(key),\(edit.action),\(edit.items))"
        case let .delete(key): text += " del(\(key))"
        case let .expire(key, at): text += " exp(\(key),\(String(describing: at)))"
        case .flushAll: text += " flush"
        case .flushDatabase: text += " flushdb"
        case let .select(index): text += " select(\(index))"
        case let .swapDatabases(first, second): text += " swapdb(\(first),\(second))"
        case let .beginEpoch(epoch): text += " epoch(\(epoch))"
        }
    }
    return text
}
