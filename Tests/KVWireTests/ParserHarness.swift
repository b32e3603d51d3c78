import KVCore
import KVWire
import NIOCore

/// The bytes of `text`, for writing frames as string literals.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// What one parse call produced, with the arguments copied out of the input.
struct Parsed: Equatable, CustomStringConvertible {
    var result: RESPParseResult
    var arguments: [[UInt8]]

    var description: String {
        "\(result) \(arguments.map { String(decoding: $0, as: UTF8.self) })"
    }
}

/// Parses `input` with a fresh parser.
func parseOnce(_ input: [UInt8], limits: RESPLimits = RESPLimits()) -> Parsed {
    var bounds: [ArgumentBounds] = []
    return input.withUnsafeBytes { raw in
        let result = RESPCommandParser.parse(raw, limits: limits, into: &bounds)
        return Parsed(result: result, arguments: arguments(of: result, bounds: bounds, in: raw))
    }
}

/// Parses `input` with `parser`, keeping its memory of an incomplete command.
func parse(_ input: [UInt8], with parser: inout RESPCommandParser) -> Parsed {
    var bounds: [ArgumentBounds] = []
    return input.withUnsafeBytes { raw in
        let result = parser.parse(raw, into: &bounds)
        return Parsed(result: result, arguments: arguments(of: result, bounds: bounds, in: raw))
    }
}

/// The arguments a result stands for: copied from the input for `.command`, taken from the
/// owned arguments for `.inline`.
func arguments(of result: RESPParseResult, bounds: [ArgumentBounds], in raw: UnsafeRawBufferPointer) -> [[UInt8]] {
    switch result {
    case .command:
        return bounds.map { Array(raw[$0.offset..<($0.offset + $0.count)]) }
    case let .inline(_, owned):
        return owned.withArguments { arguments in (0..<arguments.count).map { arguments.bytes($0) } }
    default:
        precondition(bounds.isEmpty, "bounds appended on \(result)")
        return []
    }
}

/// Parses every command in `input`, one after another, as a connection would.
func parseAll(_ input: [UInt8], limits: RESPLimits = RESPLimits()) -> [Parsed] {
    var parsed: [Parsed] = []
    var offset = 0
    while offset < input.count {
        let next = parseOnce(Array(input[offset...]), limits: limits)
        parsed.append(next)
        switch next.result {
        case let .command(consumed), let .inline(consumed, _), let .empty(consumed):
            offset += consumed
        case .incomplete, .malformed:
            return parsed
        }
    }
    return parsed
}

/// A request as `ByteBuffer.writeCommand` encodes it.
func encodedCommand(_ arguments: [[UInt8]]) -> [UInt8] {
    var buffer = ByteBuffer()
    buffer.writeCommand(arguments)
    return Array(buffer.readableBytesView)
}
