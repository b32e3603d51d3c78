import KVCore
import KVStorage
import NIOCore

/// What flows down a replication stream after `+STREAM`: `u8 kind`, then the body
/// (docs/replication.md, "Wire format"). Records travel exactly as they sit in a log segment,
/// so the replica verifies each one's checksum before applying it.
///
/// Two frames are equal when they encode to the same bytes.
public enum ReplicationFrame: Sendable {
    /// One log record: apply it.
    case record(LogRecord)
    /// The primary is alive; its LSN and time, and whether it asks for an ack at once (WAIT).
    case heartbeat(primaryLSN: LSN, primaryTime: UnixMillis, ackRequested: Bool)
    /// A Pub/Sub message: deliver it to this pod's subscribers once `after` is applied.
    /// Replicas from before it do not know the kind; a primary sends it only to replicas that
    /// asked for a stream (every replica of this version does).
    case message(PublishedMessage)

    /// The kind byte of a record frame; a log frame (`RecordCodec`) follows.
    public static let recordKind: UInt8 = 1
    /// The kind byte of a heartbeat frame.
    public static let heartbeatKind: UInt8 = 2
    /// The kind byte of a message frame: u64 after-LSN, u8 namespace, u32 channel length,
    /// channel, u32 message length, message (little-endian).
    public static let messageKind: UInt8 = 3
    /// The largest channel or message a message frame carries (Redis's largest bulk string).
    public static let maxMessagePart = 512 << 20
    /// A heartbeat's size: kind, u64 LSN, i64 time, u8 flags.
    public static let heartbeatSize = 1 + 8 + 8 + 1

    /// Appends the frame. A record is encoded afresh (`RecordCodec`); the primary sends the
    /// frames of its log files instead (`appendRecord(into:_:)`), which are the same bytes.
    public func encode(into buffer: inout ByteBuffer) {
        switch self {
        case let .record(record):
            buffer.writeInteger(Self.recordKind)
            buffer.writeBytes(RecordCodec.encode(record))
        case let .heartbeat(primaryLSN, primaryTime, ackRequested):
            buffer.writeInteger(Self.heartbeatKind)
            buffer.writeInteger(primaryLSN.rawValue, endianness: .little)
            buffer.writeInteger(primaryTime.rawValue, endianness: .little)
            buffer.writeInteger(ackRequested ? 1 : 0 as UInt8)
        case let .message(message):
            buffer.writeInteger(Self.messageKind)
            buffer.writeInteger(message.after.rawValue, endianness: .little)
            buffer.writeInteger(message.namespace.rawValue)
            buffer.writeInteger(UInt32(message.channel.count), endianness: .little)
            buffer.writeBytes(message.channel)
            buffer.writeInteger(UInt32(message.message.count), endianness: .little)
            buffer.writeBytes(message.message)
        }
    }

    /// Appends a record frame around a log frame that `appendLogFrame` appends as it is (read
    /// from a segment, never decoded); returns false, having appended nothing, when it
    /// appended no frame.
    public static func appendRecord(
        into bytes: inout [UInt8], _ appendLogFrame: (inout [UInt8]) throws -> Bool
    ) rethrows -> Bool {
        bytes.append(recordKind)
        guard try appendLogFrame(&bytes) else {
            bytes.removeLast()
            return false
        }
        return true
    }

    /// What the front of a stream holds.
    public enum Decoding {
        /// A whole frame, `byteCount` bytes long (kind byte included).
        case frame(ReplicationFrame, byteCount: Int)
        /// The start of a frame, or nothing.
        case incomplete
        /// Bytes that are no frame: the stream cannot go on.
        case invalid(String)
    }

    /// Decodes the frame at the front of `bytes`.
    public static func decode(_ bytes: UnsafeRawBufferPointer) -> Decoding {
        guard let kind = bytes.first else { return .incomplete }
        switch kind {
        case recordKind:
            switch RecordCodec.decode(UnsafeRawBufferPointer(rebasing: bytes.dropFirst())) {
            case let .found(record, byteCount): return .frame(.record(record), byteCount: 1 + byteCount)
            case .incomplete: return .incomplete
            case let .corrupt(corruption): return .invalid("record frame: \(corruption)")
            }
        case heartbeatKind:
            guard bytes.count >= heartbeatSize else { return .incomplete }
            let lsn = bytes.loadUnaligned(fromByteOffset: 1, as: UInt64.self)
            let time = bytes.loadUnaligned(fromByteOffset: 9, as: Int64.self)
            let flags = bytes[17]
            guard flags <= 1 else { return .invalid("heartbeat frame: unknown flags \(flags)") }
            return .frame(.heartbeat(primaryLSN: LSN(UInt64(littleEndian: lsn)),
                                     primaryTime: UnixMillis(Int64(littleEndian: time)),
                                     ackRequested: flags == 1),
                          byteCount: heartbeatSize)
        case messageKind:
            return decodeMessage(bytes)
        default:
            return .invalid("unknown frame kind \(kind)")
        }
    }
}

extension ReplicationFrame {
    /// A message frame at the front of `bytes` (kind byte included).
    static func decodeMessage(_ bytes: UnsafeRawBufferPointer) -> Decoding {
        let fixed = 1 + 8 + 1 + 4
        guard bytes.count >= fixed else { return .incomplete }
        let after = LSN(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 1, as: UInt64.self)))
        guard let namespace = PublishedMessage.Namespace(rawValue: bytes[9]) else {
            return .invalid("message frame: unknown namespace \(bytes[9])")
        }
        let channelCount = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 10, as: UInt32.self)))
        guard channelCount <= maxMessagePart else { return .invalid("message frame: channel of \(channelCount) bytes") }
        guard bytes.count >= fixed + channelCount + 4 else { return .incomplete }
        let messageStart = fixed + channelCount + 4
        let messageCount = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: fixed + channelCount, as: UInt32.self)))
        guard messageCount <= maxMessagePart else { return .invalid("message frame: message of \(messageCount) bytes") }
        guard bytes.count >= messageStart + messageCount else { return .incomplete }
        let message = PublishedMessage(namespace: namespace, channel: Array(bytes[fixed..<(fixed + channelCount)]),
                                       message: Array(bytes[messageStart..<(messageStart + messageCount)]), after: after)
        return .frame(.message(message), byteCount: messageStart + messageCount)
    }
}

extension ReplicationFrame: Equatable {
    /// Frames are equal when their bytes are (a record holds entries, compared by content).
    public static func == (lhs: ReplicationFrame, rhs: ReplicationFrame) -> Bool {
        var left = ByteBuffer(), right = ByteBuffer()
        lhs.encode(into: &left)
        rhs.encode(into: &right)
        return left == right
    }
}
