@testable import KVClient
import KVWire
import NIOCore
import NIOEmbedded
import Testing

/// The client's handler through an `EmbeddedChannel`: what it writes, how replies find their
/// requests, and the read timeout on a clock the test moves.
@Suite struct RESPRequestHandlerTests {
    /// A connected channel with the handler, and its `ready` already completed.
    static func connected(readTimeout: TimeAmount = .seconds(2)) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        let ready = channel.eventLoop.makePromise(of: Void.self)
        try channel.pipeline.syncOperations.addHandler(RESPRequestHandler(peer: "kv-1:6379", readTimeout: readTimeout, tls: nil, ready: ready))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        try ready.futureResult.wait()
        return channel
    }

    @Test func writesEachRequestAsOneBufferAndHandsRepliesBackInOrder() throws {
        let channel = try Self.connected()
        let first = channel.eventLoop.makePromise(of: [RESPValue].self)
        let second = channel.eventLoop.makePromise(of: [RESPValue].self)
        channel.writeAndFlush(RESPRequest(commands: [["GET", "a"], ["GET", "b"]], promise: first), promise: nil)
        channel.writeAndFlush(RESPRequest(commands: [["PING"]], promise: second), promise: nil)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "*2\r\n$3\r\nGET\r\n$1\r\na\r\n*2\r\n$3\r\nGET\r\n$1\r\nb\r\n"))
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "*1\r\n$4\r\nPING\r\n"))

        try channel.writeInbound(RESPValue.bulkString("1"))
        // A RESP3 push answers no command.
        try channel.writeInbound(RESPValue.push([.bulkString("message"), .bulkString("news"), .bulkString("hi")]))
        try channel.writeInbound(RESPValue.error("ERR no"))
        try channel.writeInbound(RESPValue.simpleString("PONG"))
        #expect(try first.futureResult.wait() == [.bulkString("1"), .error("ERR no")])
        #expect(try second.futureResult.wait() == [.simpleString("PONG")])
        #expect(try channel.finish().isClean)
    }

    @Test func silenceFailsEveryWaitingRequestAndCloses() throws {
        let channel = try Self.connected(readTimeout: .seconds(2))
        let loop = channel.embeddedEventLoop
        let request = loop.makePromise(of: [RESPValue].self)
        // The embedded loop runs callbacks at once: the outcome is known as soon as it exists.
        nonisolated(unsafe) var outcome: Result<[RESPValue], any Error>?
        request.futureResult.whenComplete { outcome = $0 }
        channel.writeAndFlush(RESPRequest(commands: [["GET", "a"], ["GET", "b"]], promise: request), promise: nil)
        loop.advanceTime(by: .milliseconds(1500))
        try channel.writeInbound(RESPValue.bulkString("1"))
        // A byte arrived: the silence counts again from there.
        loop.advanceTime(by: .milliseconds(1500))
        #expect(channel.isActive)
        #expect(outcome == nil)
        loop.advanceTime(by: .milliseconds(600))
        guard case let .failure(error as RESPClientError) = outcome else {
            Issue.record("the request did not fail with a RESPClientError: \(String(describing: outcome))")
            return
        }
        #expect(error.code == .readTimeout)
        #expect(error.message == "no answer from kv-1:6379 within 2 s")
        #expect(!channel.isActive)
    }

    @Test func anIdleConnectionHasNoTimer() throws {
        let channel = try Self.connected(readTimeout: .seconds(2))
        channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(channel.isActive)
        #expect(try channel.finish().isClean)
    }

    @Test func aReplyToNoCommandIsAProtocolError() throws {
        let channel = try Self.connected()
        try channel.writeInbound(RESPValue.simpleString("OK"))
        #expect(!channel.isActive)
    }
}
