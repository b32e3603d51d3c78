/// Reads one RESP2/RESP3 value from the start of some bytes, for `RESPValueDecoder`.
struct RESPValueReader {
    /// Why no value could be read.
    enum Failure: Error {
        /// More bytes are needed: at least `needed` in total, when known.
        case incomplete(needed: Int?)
        /// The bytes are not a valid reply.
        case malformed(RESPProtocolError)
    }

    let bytes: UnsafeRawBufferPointer
    let limits: RESPValueDecoder.Limits
    /// The offset of the next unread byte.
    private(set) var index = 0

    init(bytes: UnsafeRawBufferPointer, limits: RESPValueDecoder.Limits) {
        self.bytes = bytes
        self.limits = limits
    }

    /// Reads the value at `index`; `depth` is the nesting level it sits at.
    mutating func readValue(depth: Int) throws(Failure) -> RESPValue {
        guard index < bytes.count else { throw .incomplete(needed: index + 1) }
        let type = bytes[index]
        let line = try readLine()
        switch type {
        case UInt8(ascii: "+"):
            return .simpleString(text(line))
        case UInt8(ascii: "-"):
            return .error(text(line))
        case UInt8(ascii: ":"):
            guard let value = ASCIIDecimal.parse(bytes, line) else { throw .malformed(Self.invalidInteger) }
            return .integer(value)
        case UInt8(ascii: "$"):
            guard let data = try readBlob(line, nullable: true) else { return .bulkString(nil) }
            return .bulkString(data)
        case UInt8(ascii: "!"):
            return .error(String(decoding: try readBlob(line, nullable: false)!, as: UTF8.self))
        case UInt8(ascii: "="):
            let data = try readBlob(line, nullable: false)!
            guard data.count >= 4, data[3] == UInt8(ascii: ":") else { throw .malformed(Self.invalidVerbatim) }
            return .verbatim(format: String(decoding: data[0..<3], as: UTF8.self), text: Array(data[4...]))
        case UInt8(ascii: "*"):
            guard let count = try aggregateCount(line, depth: depth, nullable: true) else { return .array(nil) }
            return .array(try readElements(count, depth: depth))
        case UInt8(ascii: "~"):
            return .set(try readElements(try aggregateCount(line, depth: depth, nullable: false)!, depth: depth))
        case UInt8(ascii: ">"):
            return .push(try readElements(try aggregateCount(line, depth: depth, nullable: false)!, depth: depth))
        case UInt8(ascii: "%"):
            return .map(try readPairs(try aggregateCount(line, depth: depth, nullable: false)!, depth: depth))
        case UInt8(ascii: "|"):
            // An attribute annotates the value after it; kv's clients have no use for it.
            _ = try readPairs(try aggregateCount(line, depth: depth, nullable: false)!, depth: depth)
            return try readValue(depth: depth)
        case UInt8(ascii: "_"):
            guard line.isEmpty else { throw .malformed(Self.invalidNull) }
            return .null
        case UInt8(ascii: "#"):
            guard line.count == 1 else { throw .malformed(Self.invalidBoolean) }
            switch bytes[line.lowerBound] {
            case UInt8(ascii: "t"): return .boolean(true)
            case UInt8(ascii: "f"): return .boolean(false)
            default: throw .malformed(Self.invalidBoolean)
            }
        case UInt8(ascii: ","):
            guard let value = Double(text(line)) else { throw .malformed(Self.invalidDouble) }
            return .double(value)
        case UInt8(ascii: "("):
            let digits = text(line)
            let magnitude = digits.hasPrefix("-") ? digits.dropFirst() : Substring(digits)
            guard !magnitude.isEmpty, magnitude.allSatisfy(\.isASCII), magnitude.allSatisfy(\.isWholeNumber) else {
                throw .malformed(Self.invalidBigNumber)
            }
            return .bigNumber(digits)
        default:
            let shown = type == ASCII.cr || type == ASCII.lf ? " " : String(Unicode.Scalar(type))
            throw .malformed(RESPProtocolError("Protocol error: unknown reply type '\(shown)'"))
        }
    }

    /// Reads the line at `index` and returns its content after the type byte; `index` moves
    /// past its CRLF.
    private mutating func readLine() throws(Failure) -> Range<Int> {
        let start = index
        switch LineEnd.search(bytes, for: ASCII.cr, start: start, from: start + 1, maxLength: limits.maxLineLength) {
        case let .found(cr):
            guard cr + 1 < bytes.count else { throw .incomplete(needed: cr + 2) }
            guard bytes[cr + 1] == ASCII.lf else { throw .malformed(Self.missingLineFeed) }
            index = cr + 2
            return (start + 1)..<cr
        case .pending:
            throw .incomplete(needed: nil)
        case .tooLong:
            throw .malformed(Self.lineTooLong)
        }
    }

    /// Reads the data of a `$`, `!` or `=` value whose length line is `line`; nil for `-1`.
    private mutating func readBlob(_ line: Range<Int>, nullable: Bool) throws(Failure) -> [UInt8]? {
        guard let length = ASCIIDecimal.parse(bytes, line), length >= -1, length <= limits.maxBulkLength else {
            throw .malformed(RESPProtocolError.invalidBulkLength)
        }
        if length == -1 {
            guard nullable else { throw .malformed(RESPProtocolError.invalidBulkLength) }
            return nil
        }
        let end = index + Int(length)
        guard end + 2 <= bytes.count else { throw .incomplete(needed: end + 2) }
        guard bytes[end] == ASCII.cr, bytes[end + 1] == ASCII.lf else {
            throw .malformed(RESPProtocolError.missingBulkTerminator)
        }
        let data = Array(bytes[index..<end])
        index = end + 2
        return data
    }

    /// The element count of an aggregate whose header line is `line`; nil for `-1`.
    private func aggregateCount(_ line: Range<Int>, depth: Int, nullable: Bool) throws(Failure) -> Int? {
        guard let count = ASCIIDecimal.parse(bytes, line), count >= -1, count <= limits.maxElementCount else {
            throw .malformed(RESPProtocolError.invalidMultibulkLength)
        }
        if count == -1 {
            guard nullable else { throw .malformed(RESPProtocolError.invalidMultibulkLength) }
            return nil
        }
        guard depth <= limits.maxDepth else { throw .malformed(Self.tooDeep) }
        return Int(count)
    }

    private mutating func readElements(_ count: Int, depth: Int) throws(Failure) -> [RESPValue] {
        var elements: [RESPValue] = []
        // The count is only a claim until the elements arrive: reserve a bounded amount.
        elements.reserveCapacity(min(count, 1024))
        for _ in 0..<count { elements.append(try readValue(depth: depth + 1)) }
        return elements
    }

    private mutating func readPairs(_ count: Int, depth: Int) throws(Failure) -> [(key: RESPValue, value: RESPValue)] {
        var pairs: [(key: RESPValue, value: RESPValue)] = []
        pairs.reserveCapacity(min(count, 1024))
        for _ in 0..<count {
            let key = try readValue(depth: depth + 1)
            pairs.append((key, try readValue(depth: depth + 1)))
        }
        return pairs
    }

    private func text(_ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    static let invalidInteger = RESPProtocolError("Protocol error: invalid integer")
    static let invalidDouble = RESPProtocolError("Protocol error: invalid double")
    static let invalidBoolean = RESPProtocolError("Protocol error: invalid boolean")
    static let invalidNull = RESPProtocolError("Protocol error: invalid null")
    static let invalidBigNumber = RESPProtocolError("Protocol error: invalid big number")
    static let invalidVerbatim = RESPProtocolError("Protocol error: invalid verbatim string")
    static let missingLineFeed = RESPProtocolError("Protocol error: expected CRLF at line end")
    static let lineTooLong = RESPProtocolError("Protocol error: too long line")
    static let tooDeep = RESPProtocolError("Protocol error: nesting too deep")
}
