import KVCore
import KVWire
import Testing

/// A whole command and the arguments it carries.
struct Frame: Sendable, CustomTestStringConvertible {
    var input: [UInt8]
    var arguments: [[UInt8]]
    var testDescription: String { String(decoding: input, as: UTF8.self).debugDescription }

    init(_ input: String, _ arguments: [String]) {
        self.input = bytes(input)
        self.arguments = arguments.map(bytes)
    }

    init(input: [UInt8], arguments: [[UInt8]]) {
        self.input = input
        self.arguments = arguments
    }
}

/// Every byte value, embedded CR LF included: arguments are binary-safe.
let allBytes = [UInt8](0...255) + bytes("\r\n\r\n")

let arrayFrames: [Frame] = [
    Frame("*1\r\n$4\r\nPING\r\n", ["PING"]),
    Frame("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n", ["GET", "key"]),
    Frame("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n", ["SET", "k", ""]),
    Frame("*2\r\n$4\r\nECHO\r\n$6\r\na\r\nb\r\n\r\n", ["ECHO", "a\r\nb\r\n"]),
    Frame("*2\r\n$4\r\nECHO\r\n$12\r\n$3\r\n*1\r\nfoo!\r\n", ["ECHO", "$3\r\n*1\r\nfoo!"]),
    Frame(input: bytes("*2\r\n$4\r\nECHO\r\n$260\r\n") + allBytes + bytes("\r\n"), arguments: [bytes("ECHO"), allBytes]),
]

@Suite struct CommandParserTests {
    @Test(arguments: arrayFrames)
    func parsesWholeArray(frame: Frame) {
        #expect(parseOnce(frame.input) == Parsed(result: .command(consumed: frame.input.count), arguments: frame.arguments))
    }

    /// Every proper prefix is incomplete, and any `needed` it names is more than it has and
    /// no more than the whole command.
    @Test(arguments: arrayFrames)
    func everySplitPointIsIncomplete(frame: Frame) {
        for length in 0..<frame.input.count {
            let parsed = parseOnce(Array(frame.input[..<length]))
            guard case let .incomplete(needed) = parsed.result else {
                Issue.record("prefix of \(length) bytes gave \(parsed)")
                continue
            }
            if let needed {
                #expect(needed > length && needed <= frame.input.count, "prefix of \(length) bytes")
            }
        }
    }

    /// A parser that remembers where it stopped reaches the same command whichever way the
    /// bytes are cut, and never touches the caller's bounds before it is complete.
    @Test(arguments: arrayFrames)
    func resumesAtEverySplitPoint(frame: Frame) {
        for cut in 0..<frame.input.count {
            var parser = RESPCommandParser()
            var bounds = [ArgumentBounds(offset: 7, count: 7)]
            frame.input.withUnsafeBytes { raw in
                let first = parser.parse(UnsafeRawBufferPointer(rebasing: raw[..<cut]), into: &bounds)
                #expect(first.isIncomplete, "cut at \(cut)")
                #expect(bounds == [ArgumentBounds(offset: 7, count: 7)])
                let second = parser.parse(raw, into: &bounds)
                #expect(second == .command(consumed: frame.input.count), "cut at \(cut)")
                let parsed = bounds.dropFirst().map { Array(raw[$0.offset..<($0.offset + $0.count)]) }
                #expect(parsed == frame.arguments, "cut at \(cut)")
            }
        }
    }

    @Test func dripFeedsOneByteAtATime() {
        for frame in arrayFrames {
            var parser = RESPCommandParser()
            for length in 1...frame.input.count {
                let parsed = parse(Array(frame.input[..<length]), with: &parser)
                if length < frame.input.count {
                    #expect(parsed.result.isIncomplete)
                } else {
                    #expect(parsed == Parsed(result: .command(consumed: length), arguments: frame.arguments))
                }
            }
        }
    }

    @Test func pipelinedCommandsInOneBuffer() {
        let input = bytes("PING\r\n*1\r\n$4\r\nPING\r\n*0\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n\r\n*1\r\n$3\r\nGET")
        let parsed = parseAll(input)
        #expect(parsed.map(\.arguments) == [["PING"], ["PING"], [], ["ECHO", "hi"], [], []].map { $0.map(bytes) })
        #expect(parsed.map(\.result) == [
            .inline(consumed: 6, arguments: OwnedArguments(["PING"])),
            .command(consumed: 14), .empty(consumed: 4), .command(consumed: 22), .empty(consumed: 2),
            .incomplete(needed: 13),
        ])
    }

    @Test(arguments: [("*0\r\n", 4), ("*-1\r\n", 5), ("*-10\r\n", 6)])
    func emptyArraysAreSkipped(input: String, consumed: Int) {
        #expect(parseOnce(bytes(input) + bytes("*1\r\n")).result == .empty(consumed: consumed))
    }

    @Test func appendsToExistingBounds() {
        var bounds = [ArgumentBounds(offset: 1, count: 2)]
        let input = bytes("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
        let result = input.withUnsafeBytes { RESPCommandParser.parse($0, limits: RESPLimits(), into: &bounds) }
        #expect(result == .command(consumed: input.count))
        #expect(bounds == [ArgumentBounds(offset: 1, count: 2), ArgumentBounds(offset: 8, count: 3),
                           ArgumentBounds(offset: 17, count: 1)])
    }

    /// A large value arriving in many reads: once its header is known, `needed` names the
    /// whole command, so the caller need not call again until it is all there.
    @Test func largeValueNeedsItsWholeLengthOnceTheHeaderIsKnown() {
        let value = [UInt8](repeating: 0x61, count: 1 << 20)
        let input = bytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048576\r\n") + value + bytes("\r\n")
        var parser = RESPCommandParser()
        var calls = 0
        var available = 0
        while true {
            available = min(input.count, available + 4096)
            let parsed = parse(Array(input[..<available]), with: &parser)
            calls += 1
            if case let .incomplete(needed) = parsed.result {
                if available > 40 { #expect(needed == input.count) }
                if let needed { available = needed - 4096 }
                continue
            }
            #expect(parsed.arguments == [bytes("SET"), bytes("k"), value])
            break
        }
        #expect(calls <= 3)
    }

    /// A command of many small arguments arriving in many reads parses to the same result as
    /// in one read (the resumed parser never rereads what it has read).
    @Test func manyArgumentsInManyReads() {
        var expected: [[UInt8]] = [bytes("MSET")]
        for index in 0..<20_000 { expected.append(bytes("key:\(index)")) }
        let buffer = encodedCommand(expected)
        var parser = RESPCommandParser()
        var length = 0
        var result: Parsed?
        while result == nil {
            length = min(buffer.count, length + 997)
            let parsed = parse(Array(buffer[..<length]), with: &parser)
            if !parsed.result.isIncomplete { result = parsed }
        }
        #expect(result == Parsed(result: .command(consumed: buffer.count), arguments: expected))
    }
}

extension RESPParseResult {
    var isIncomplete: Bool {
        if case .incomplete = self { return true }
        return false
    }
}
