import NIOCore
import NIOEmbedded
import Testing
@testable import KVServer

/// The end of a refused HTTP connection, on NIO's embedded channel: output closed after the
/// reply, input dropped, the connection closed after `lingerTime`.
@Suite struct HTTPLingeringCloseTests {
    /// In front of the handler: records the closes it asks for, and keeps the embedded
    /// channel (which only closes whole) open on an output close.
    final class Transport: ChannelOutboundHandler {
        typealias OutboundIn = Any
        var closes: [CloseMode] = []
        var reads = 0

        func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
            closes.append(mode)
            if mode == .output {
                promise?.succeed()
            } else {
                context.close(mode: mode, promise: promise)
            }
        }

        func read(context: ChannelHandlerContext) {
            reads += 1
            context.read()
        }
    }

    @Test func afterTheReplyInputIsDroppedAndTheConnectionClosesAfterTheLingerTime() throws {
        let channel = EmbeddedChannel()
        let transport = Transport()
        try channel.pipeline.syncOperations.addHandler(transport)
        try channel.pipeline.syncOperations.addHandler(HTTPLingeringClose())
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()

        try channel.writeInbound(channel.allocator.buffer(string: "GET / HTTP/1.1\r\n"))
        #expect(try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) } == "GET / HTTP/1.1\r\n")

        channel.pipeline.triggerUserOutboundEvent(HTTPLingeringClose.Begin(), promise: nil)
        #expect(transport.closes == [.output])
        #expect(transport.reads >= 1)
        try channel.writeInbound(channel.allocator.buffer(string: "the rest of a body too large"))
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        #expect(channel.isActive)

        channel.embeddedEventLoop.advanceTime(by: HTTPLingeringClose.lingerTime - .milliseconds(1))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(transport.closes == [.output, .all])
        #expect(!channel.isActive)
    }

    @Test func eventsOtherThanBeginPassThrough() throws {
        let channel = EmbeddedChannel(handler: HTTPLingeringClose())
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        channel.pipeline.triggerUserOutboundEvent(HTTPRequestTimerHandler.RequestArrived(), promise: nil)
        try channel.writeInbound(channel.allocator.buffer(string: "x"))
        #expect(try channel.readInbound(as: ByteBuffer.self) != nil)
        #expect(try channel.finish().isClean)
    }
}
