import KVCore
import KVWire
import NIOCore
import NIOTestUtils
import Testing

@Suite struct CommandDecoderTests {
    @Test func passesTheDecoderVerifier() throws {
        let frames = arrayFrames + inlineFrames
        let pairs = frames.map { frame in
            (ByteBuffer(bytes: frame.input), [OwnedArguments(frame.arguments)])
        }
        // Empty commands produce nothing, and a command split around one still comes out whole.
        let skipped = [
            (ByteBuffer(string: "*0\r\n"), [OwnedArguments]()),
            (ByteBuffer(string: "\r\n*-1\r\n*1\r\n$4\r\nPING\r\n"), [OwnedArguments(["PING"])]),
        ]
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs + skipped) {
            RESPCommandDecoder()
        }
    }

    @Test func pipelinedCommandsComeOutInOrder() throws {
        var decoder = RESPCommandDecoder()
        var buffer = ByteBuffer(string: "*1\r\n$4\r\nPING\r\nECHO hi\r\n*0\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$")
        var decoded: [OwnedArguments] = []
        while let command = try decoder.decode(buffer: &buffer) { decoded.append(command) }
        #expect(decoded == [OwnedArguments(["PING"]), OwnedArguments(["ECHO", "hi"]), OwnedArguments(["GET", "k"])])
        #expect(buffer.readableBytes == 5)
    }

    @Test(arguments: malformedFrames)
    func throwsTheProtocolError(frame: MalformedFrame) {
        var decoder = RESPCommandDecoder(limits: frame.limits)
        var buffer = ByteBuffer(bytes: frame.input)
        #expect(throws: frame.error) { try decoder.decode(buffer: &buffer) }
    }

    @Test func roundTripsWriteCommand() throws {
        let arguments = [bytes("SET"), allBytes, [], bytes("*1\r\n$3\r\n")]
        var buffer = ByteBuffer()
        buffer.writeCommand(arguments)
        var decoder = RESPCommandDecoder()
        #expect(try decoder.decode(buffer: &buffer) == OwnedArguments(arguments))
        #expect(buffer.readableBytes == 0)
    }

    @Test func writeCommandBytes() {
        var buffer = ByteBuffer()
        buffer.writeCommand(["SET", "k", ""])
        #expect(String(buffer: buffer) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n")
    }
}
