import KVCore
import KVStorage
import NIOCore

/// What flows down a replication stream after `+STREAM`: `u8 kind`, then the body
/// (docs/replication.md). Records travel exactly as they sit in a log segment, so the replica
/// verifies each one's checksum before applying it.
enum ReplicationFrame {
    /// One log record: apply it.
    case record(LogRecord)
    /// The primary is alive; its LSN and time, and whether it asks for an ack at once (WAIT).
    case heartbeat(primaryLSN: LSN, primaryTime: UnixMillis, ackRequested: Bool)

    static let recordKind: UInt8 = 1
    static let heartbeatKind: UInt8 = 2
    /// kind, u64 LSN, i64 time, u8 flags.
    static let heartbeatSize = 1 + 8 + 8 + 1

    /// Appends a heartbeat frame.
    static func writeHeartbeat(primaryLSN: LSN, primaryTime: UnixMillis, ackRequested: Bool, into buffer: inout ByteBuffer) {
        buffer.writeInteger(heartbeatKind)
        buffer.writeInteger(primaryLSN.rawValue, endianness: .little)
        buffer.writeInteger(primaryTime.rawValue, endianness: .little)
        buffer.writeInteger(ackRequested ? 1 : 0 as UInt8)
    }

    /// What the front of a stream holds.
    enum Decoding {
        case frame(ReplicationFrame, byteCount: Int)
        case incomplete
        case invalid(String)
    }

    /// Decodes the frame at the front of `bytes`.
    static func decode(_ bytes: UnsafeRawBufferPointer) -> Decoding {
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
        default:
            return .invalid("unknown frame kind \(kind)")
        }
    }
}
