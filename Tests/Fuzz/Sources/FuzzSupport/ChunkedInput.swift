/// A fuzz input that says how to cut its own payload into chunks, so that one input tests a
/// decoder fed the same bytes whole and in pieces (as TCP delivers them).
///
/// ```
/// byte 0        flags: bits 0–2 = k, the number of cut bytes that follow; bits 3–7 for the target
/// bytes 1…k     chunk lengths, each byte b giving a chunk of b + 1 bytes, used in turn, cyclically
/// the rest      the payload
/// ```
/// With k = 0 the payload arrives in one chunk. Seed files start with `0x00`.
public struct ChunkedInput {
    /// Bits 3–7 of the first byte, for the target's own choices (limits, modes).
    public let flags: UInt8
    /// The bytes to decode.
    public let payload: UnsafeRawBufferPointer
    private let cuts: [Int]

    public init(_ data: UnsafePointer<UInt8>, _ size: Int) {
        let bytes = UnsafeRawBufferPointer(start: data, count: size)
        guard let first = bytes.first else {
            flags = 0
            payload = UnsafeRawBufferPointer(rebasing: bytes[0..<0])
            cuts = []
            return
        }
        flags = first >> 3
        let count = min(Int(first & 7), size - 1)
        cuts = bytes[1..<(1 + count)].map { Int($0) + 1 }
        payload = UnsafeRawBufferPointer(rebasing: bytes[(1 + count)...])
    }

    /// The payload's chunks, in order; they cover the payload exactly.
    public var chunks: [UnsafeRawBufferPointer] { chunks(of: payload) }

    /// Other bytes (the payload, changed) cut at the same lengths.
    public func chunks(of payload: UnsafeRawBufferPointer) -> [UnsafeRawBufferPointer] {
        guard !cuts.isEmpty else { return [payload] }
        var result: [UnsafeRawBufferPointer] = []
        var start = 0
        var index = 0
        while start < payload.count {
            let end = min(payload.count, start + cuts[index % cuts.count])
            result.append(UnsafeRawBufferPointer(rebasing: payload[start..<end]))
            start = end
            index += 1
        }
        return result
    }

    /// The payload as an array.
    public var bytes: [UInt8] { Array(payload) }
}

/// Stops the fuzzer with a message: libFuzzer reports it as a crash and saves the input.
public func fuzzFailure(_ message: String, file: StaticString = #file, line: UInt = #line) -> Never {
    fatalError(message, file: file, line: line)
}

/// A property check: a violated one is a crash.
public func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                      file: StaticString = #file, line: UInt = #line) {
    if !condition() { fuzzFailure(message(), file: file, line: line) }
}
