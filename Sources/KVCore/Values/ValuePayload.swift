/// The byte form of a collection, the same in snapshots, in the log's object puts and in DUMP
/// (see docs/storage-format.md):
///
/// ```
/// hash : u32 count | (u32 length | field | u32 length | value)…   in iteration order
/// list : u32 count | (u32 length | element)…                     head to tail
/// set  : u32 count | (u32 length | member)…
/// zset : u32 count | (f64 score | u32 length | member)…           in rank order
/// ```
/// Integers little-endian, a score as its IEEE bits. Decoding rebuilds the object with the
/// encoding its size calls for, and refuses anything malformed (`Malformed`) without trusting
/// a length before it has checked it against the bytes left.
public enum ValuePayload {
    /// A payload that is not a valid encoding of its kind.
    public struct Malformed: Error, Sendable, CustomStringConvertible {
        public let reason: String
        public init(_ reason: String) { self.reason = reason }
        public var description: String { reason }
    }

    /// The payload of `object`.
    public static func encode(_ object: ValueObject) -> [UInt8] {
        var buffer: [UInt8] = []
        object.encodePayload(into: &buffer)
        return buffer
    }

    /// The object of `kind` that `bytes` encode.
    public static func decode(_ kind: ValueKind, _ bytes: UnsafeRawBufferPointer) throws(Malformed) -> ValueObject {
        var reader = Reader(bytes)
        guard let object = ValueObject.empty(kind) else { throw Malformed("a \(kind.name) is not a collection") }
        try object.decodePayload(&reader)
        guard reader.remaining == 0 else { throw Malformed("\(reader.remaining) bytes after the \(kind.name)'s elements") }
        guard object.count > 0 else { throw Malformed("an empty \(kind.name)") }
        return object
    }

    /// Appends `bytes` with their u32 length.
    @inline(__always)
    static func append(_ bytes: UnsafeRawBufferPointer, to buffer: inout [UInt8]) {
        appendCount(bytes.count, to: &buffer)
        buffer.append(contentsOf: bytes)
    }

    @inline(__always)
    static func appendCount(_ count: Int, to buffer: inout [UInt8]) {
        withUnsafeBytes(of: UInt32(count).littleEndian) { buffer.append(contentsOf: $0) }
    }

    /// Reads a payload front to back; every read checks the bytes left.
    public struct Reader {
        let bytes: UnsafeRawBufferPointer
        var position = 0

        init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        var remaining: Int { bytes.count - position }

        mutating func count() throws(Malformed) -> Int {
            guard remaining >= 4 else { throw Malformed("truncated count") }
            let value = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self))
            position += 4
            return Int(value)
        }

        /// An element count: each element takes at least 4 bytes, so a larger count is garbage.
        mutating func elementCount() throws(Malformed) -> Int {
            let value = try count()
            guard value <= remaining / 4 else { throw Malformed("element count \(value) exceeds the payload") }
            return value
        }

        mutating func element() throws(Malformed) -> UnsafeRawBufferPointer {
            let length = try count()
            guard length <= remaining else { throw Malformed("element of \(length) bytes past the end") }
            defer { position += length }
            return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + length)])
        }

        mutating func score() throws(Malformed) -> Double {
            guard remaining >= 8 else { throw Malformed("truncated score") }
            let bits = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self))
            position += 8
            let score = Double(bitPattern: bits)
            guard !score.isNaN else { throw Malformed("a NaN score") }
            return score
        }
    }
}

extension ValueObject {
    /// An empty collection of `kind`; nil for a string.
    static func empty(_ kind: ValueKind) -> ValueObject? {
        switch kind {
        case .string: nil
        case .hash: HashObject()
        case .list: ListObject()
        case .set: SetObject()
        case .zset: SortedSetObject()
        }
    }
}
