import FuzzSupport
import KVCore
import KVWire
import NIOCore

// RESPCommandParser (arrays of bulk strings and inline commands), as the server runs it on
// what a client sends. Checks, for every command in the payload:
// - the parser fed the payload in chunks (remembering where it stopped) finds what the
//   memoryless parse of the whole payload finds;
// - a command's arguments, re-encoded as a RESP array, parse back to the same arguments;
// - RESPCommandDecoder (the ByteToMessageDecoder form) agrees.
// Flags bit 0: the limits before AUTH; bit 1: small limits (so that the fuzzer reaches them).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRESPCommand(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = ChunkedInput(data, size)
    var limits = RESPLimits()
    if input.flags & 1 != 0 { limits.requiresAuthentication = true }
    if input.flags & 2 != 0 {
        limits = RESPLimits(maxBulkLength: 16, maxArgumentCount: 8, maxInlineLength: 32, maxRequestLength: 96)
    }
    let whole = parseAll(input.payload, limits: limits)
    let chunked = parseChunked(input.chunks, limits: limits)
    fuzzCheck(whole.count == chunked.count, "whole found \(whole.count) results, chunked \(chunked.count)")
    for (a, b) in zip(whole, chunked) {
        fuzzCheck(a == b, "whole: \(a), chunked: \(b)")
    }
    for found in whole {
        if case let .command(arguments) = found { checkReencoding(arguments) }
        if case let .inline(arguments) = found { checkReencoding(arguments) }
    }
    checkDecoder(input.payload, limits: limits, expected: whole)
    return 0
}

/// What one parse found, with the arguments copied out.
enum Found: Equatable {
    case command([[UInt8]])
    case inline([[UInt8]])
    case empty(Int)
    case malformed(String)
}

/// Parses commands one after the other from the whole payload.
func parseAll(_ bytes: UnsafeRawBufferPointer, limits: RESPLimits) -> [Found] {
    var found: [Found] = []
    var offset = 0
    var bounds: [ArgumentBounds] = []
    while offset < bytes.count {
        bounds.removeAll()
        let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
        let result = RESPCommandParser.parse(rest, limits: limits, into: &bounds)
        guard let (item, consumed) = describe(result, rest, bounds) else { break }
        found.append(item)
        if consumed == 0 { break }
        fuzzCheck(consumed <= rest.count, "consumed \(consumed) of \(rest.count) bytes")
        offset += consumed
    }
    return found
}

/// Parses commands with one parser, growing the buffered bytes a chunk at a time, as a
/// connection does; consumed bytes are dropped (the buffer moves, offsets are relative).
func parseChunked(_ chunks: [UnsafeRawBufferPointer], limits: RESPLimits) -> [Found] {
    var parser = RESPCommandParser(limits: limits)
    var buffered: [UInt8] = []
    var found: [Found] = []
    var bounds: [ArgumentBounds] = []
    var neededHint = 0
    for chunk in chunks {
        buffered.append(contentsOf: chunk)
        // The parser said it cannot progress with fewer bytes: skip, as the server does.
        if buffered.count < neededHint { continue }
        while !buffered.isEmpty {
            bounds.removeAll()
            let (result, item, consumed) = buffered.withUnsafeBytes { raw in
                let result = parser.parse(raw, into: &bounds)
                let described = describe(result, raw, bounds)
                return (result, described?.0, described?.1 ?? 0)
            }
            if case let .incomplete(needed) = result {
                neededHint = needed ?? 0
                fuzzCheck(needed.map { $0 > buffered.count } ?? true, "needs \(String(describing: needed)) but has \(buffered.count)")
                break
            }
            neededHint = 0
            found.append(item!)
            if case .malformed = result { return found }
            buffered.removeFirst(consumed)
        }
    }
    return found
}

/// The result as a `Found` and the bytes it consumed; nil when incomplete. A malformed
/// command consumes nothing: the connection closes.
func describe(_ result: RESPParseResult, _ bytes: UnsafeRawBufferPointer, _ bounds: [ArgumentBounds]) -> (Found, Int)? {
    switch result {
    case let .command(consumed):
        fuzzCheck(consumed > 0 && consumed <= bytes.count, "command consumed \(consumed) of \(bytes.count)")
        fuzzCheck(!bounds.isEmpty, "a command without arguments")
        let arguments = bounds.map { bound -> [UInt8] in
            fuzzCheck(bound.offset >= 0 && bound.count >= 0 && bound.offset + bound.count <= consumed,
                      "argument \(bound) outside the \(consumed) bytes consumed")
            return Array(bytes[bound.offset..<bound.offset + bound.count])
        }
        return (.command(arguments), consumed)
    case let .inline(consumed, arguments):
        fuzzCheck(consumed > 0 && consumed <= bytes.count, "inline consumed \(consumed) of \(bytes.count)")
        return (.inline(arguments.withArguments { a in (0..<a.count).map { a.bytes($0) } }), consumed)
    case let .empty(consumed):
        fuzzCheck(consumed > 0 && consumed <= bytes.count, "empty consumed \(consumed) of \(bytes.count)")
        return (.empty(consumed), consumed)
    case .incomplete:
        return nil
    case let .malformed(error):
        return (.malformed("\(error)"), 0)
    }
}

/// Arguments written as a client writes them parse back to the same arguments, consuming
/// exactly what was written.
func checkReencoding(_ arguments: [[UInt8]]) {
    guard !arguments.isEmpty else { return }
    var buffer = ByteBuffer()
    buffer.writeCommand(arguments)
    let encoded = Array(buffer.readableBytesView)
    var bounds: [ArgumentBounds] = []
    let result = encoded.withUnsafeBytes { RESPCommandParser.parse($0, limits: RESPLimits(), into: &bounds) }
    guard case let .command(consumed) = result else { fuzzFailure("re-encoded \(arguments) parses as \(result)") }
    fuzzCheck(consumed == encoded.count, "re-encoded command consumed \(consumed) of \(encoded.count)")
    let parsed = bounds.map { Array(encoded[$0.offset..<$0.offset + $0.count]) }
    fuzzCheck(parsed == arguments, "re-encoded \(arguments) parses as \(parsed)")
}

/// RESPCommandDecoder finds the same commands (it skips empty ones, throws on malformed ones).
func checkDecoder(_ bytes: UnsafeRawBufferPointer, limits: RESPLimits, expected: [Found]) {
    var decoder = RESPCommandDecoder(limits: limits)
    var buffer = ByteBuffer(bytes: bytes)
    var decoded: [[[UInt8]]] = []
    var threw = false
    do {
        while let command = try decoder.decode(buffer: &buffer) {
            decoded.append(command.withArguments { a in (0..<a.count).map { a.bytes($0) } })
        }
    } catch {
        threw = true
    }
    var wanted: [[[UInt8]]] = []
    var malformed = false
    for item in expected {
        switch item {
        case let .command(arguments), let .inline(arguments): wanted.append(arguments)
        case .empty: break
        case .malformed: malformed = true
        }
    }
    fuzzCheck(decoded == wanted, "decoder found \(decoded), parser \(wanted)")
    fuzzCheck(threw == malformed, "decoder threw: \(threw), parser found a malformed command: \(malformed)")
}
