import NIOCore

/// Decodes the answer lines a replica reads before a snapshot or a stream starts: one
/// `ReplicationAnswer` per line ending in LF (a CR before it is dropped).
///
/// Used on the replica's connection before it switches to the snapshot's bytes or the
/// stream's frames, so it reads exactly one line per answer and nothing beyond it. A line
/// longer than `maxLineLength` bytes (its line end included) is refused as soon as that many
/// bytes hold no LF, so a peer cannot make a replica buffer without end.
public struct ReplicationAnswerDecoder: NIOSingleStepByteToMessageDecoder {
    /// One answer line.
    public typealias InboundOut = ReplicationAnswer

    /// The longest answer line accepted, LF included.
    public static let maxLineLength = 4096

    /// A decoder.
    public init() {}

    /// Decodes the next whole line, or returns nil until one is buffered.
    public mutating func decode(buffer: inout ByteBuffer) throws -> ReplicationAnswer? {
        let view = buffer.readableBytesView
        guard let newline = view.prefix(Self.maxLineLength).firstIndex(of: UInt8(ascii: "\n")) else {
            if view.count > Self.maxLineLength {
                throw ReplicationProtocolError("answer line longer than \(Self.maxLineLength) bytes")
            }
            return nil
        }
        var end = newline
        if end > view.startIndex, view[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let line = String(decoding: view[view.startIndex..<end], as: UTF8.self)
        buffer.moveReaderIndex(to: newline + 1)
        return try ReplicationAnswer(line: line)
    }

    /// Decodes what is left when the stream ends; a line without its end is dropped.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ReplicationAnswer? {
        try decode(buffer: &buffer)
    }
}
