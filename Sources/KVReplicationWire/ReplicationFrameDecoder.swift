import KVStorage
import NIOCore

/// Decodes a replication stream's frames (`ReplicationFrame`): what a replica reads after
/// `+STREAM`. Each record's length and checksum are verified before it is returned; bytes
/// that are no frame are thrown as `ReplicationProtocolError`.
///
/// A replica appends the records it applies to its own log byte for byte as received, so the
/// decoder also collects each record's log frame (the frame after its kind byte) in
/// `recordFrames`, for the caller to take and empty: no re-encoding, no checksum twice.
public struct ReplicationFrameDecoder: NIOSingleStepByteToMessageDecoder {
    /// One frame.
    public typealias InboundOut = ReplicationFrame

    /// The log frames of the records decoded since the caller last emptied it, in order.
    public var recordFrames: [UInt8] = []

    /// A decoder.
    public init() {}

    /// Decodes the next whole frame, or returns nil until one is buffered.
    public mutating func decode(buffer: inout ByteBuffer) throws -> ReplicationFrame? {
        let decoded = buffer.withUnsafeReadableBytes { ReplicationFrame.decode($0) }
        switch decoded {
        case .incomplete:
            return nil
        case let .invalid(reason):
            throw ReplicationProtocolError(reason)
        case let .frame(frame, byteCount):
            if case .record = frame {
                buffer.withUnsafeReadableBytes { recordFrames.append(contentsOf: $0[1..<byteCount]) }
            }
            buffer.moveReaderIndex(forwardBy: byteCount)
            return frame
        }
    }

    /// Decodes what is left when the stream ends; a frame cut short is dropped.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ReplicationFrame? {
        try decode(buffer: &buffer)
    }
}
