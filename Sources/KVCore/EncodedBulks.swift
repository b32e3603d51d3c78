/// Bulk strings already written in RESP form (`$<length>\r\n<bytes>\r\n` each, one after the
/// other, in one buffer): a large reply of a collection's elements (LRANGE, SMEMBERS,
/// HGETALL…) built with one allocation instead of one per element, and copied to the socket
/// as is. The body is the same in RESP2 and RESP3; only the aggregate's header differs, by
/// `shape`.
public struct EncodedBulks: Sendable {
    /// How the bulk strings are framed.
    public enum Shape: Sendable {
        /// `*n` in both protocols.
        case array
        /// RESP3 `~n`; RESP2 `*n`.
        case set
        /// Key, value, key, value…: RESP3 `%n/2`; RESP2 `*n`.
        case map
    }

    public let shape: Shape
    /// The number of bulk strings in `body`.
    public private(set) var count = 0
    /// The bulk strings, in RESP form.
    public private(set) var body: [UInt8] = []

    /// An empty reply; `bytes` is room to reserve for the body.
    public init(_ shape: Shape, reservingBytes bytes: Int = 0) {
        self.shape = shape
        body.reserveCapacity(bytes)
    }

    /// Appends one bulk string.
    @inline(__always)
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        body.append(UInt8(ascii: "$"))
        Self.appendDecimal(bytes.count, to: &body)
        body.append(13)
        body.append(10)
        body.append(contentsOf: bytes)
        body.append(13)
        body.append(10)
        count += 1
    }

    /// Appends one bulk string.
    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The bulk strings' bytes, decoded again (tests, scripts, HTTP: not the hot path).
    public var elements: [[UInt8]] {
        var result: [[UInt8]] = []
        result.reserveCapacity(count)
        var position = 0
        while position < body.count {
            position += 1  // "$"
            var length = 0
            while body[position] != 13 {
                length = length * 10 + Int(body[position] - UInt8(ascii: "0"))
                position += 1
            }
            position += 2
            result.append(Array(body[position..<position + length]))
            position += length + 2
        }
        return result
    }

    /// The same reply in the structured form.
    public var expanded: Reply {
        let items = elements.map { Reply.bulk($0) }
        switch shape {
        case .array: return .array(items)
        case .set: return .set(items)
        case .map: return .map(stride(from: 0, to: items.count - 1, by: 2).map { (items[$0], items[$0 + 1]) })
        }
    }

    @inline(__always)
    private static func appendDecimal(_ value: Int, to buffer: inout [UInt8]) {
        if value < 10 {
            buffer.append(UInt8(truncatingIfNeeded: value) &+ 48)
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // up to 24 digits, written backwards
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { raw in
            while rest > 0 {
                raw[23 - count] = UInt8(truncatingIfNeeded: rest % 10) &+ 48
                rest /= 10
                count += 1
            }
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[(24 - count)...]))
        }
    }
}
