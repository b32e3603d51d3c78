import KVReplicationWire
import KVWire
import NIOCore
import NIOPosix

/// Sends a few commands to a peer and returns its replies (a short-lived client connection).
enum PeerRequest {
    /// Succeeds with one reply per command, or fails (no connection, closed early, no
    /// answer within 2 s). Futures only: it runs entirely on one event loop.
    static func send(_ commands: [[String]], to host: String, port: Int, tls: (any TransportSecurity)?,
                     group: any EventLoopGroup) -> EventLoopFuture<[RESPValue]> {
        let loop = group.next()
        let promise = loop.makePromise(of: [RESPValue].self)
        let expected = commands.count
        ClientBootstrap(group: loop)
            .connectTimeout(.seconds(1))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try tls.addClientHandlers(to: channel.pipeline.syncOperations, host: host)
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPValueDecoder()))
                    try channel.pipeline.syncOperations.addHandler(ReplyCollector(expected: expected, promise: promise))
                }
            }
            .connect(host: host, port: port)
            .whenComplete { result in
                switch result {
                case let .failure(error):
                    promise.fail(error)
                case let .success(channel):
                    var buffer = channel.allocator.buffer(capacity: 128)
                    for command in commands { buffer.writeCommand(command) }
                    channel.writeAndFlush(buffer, promise: nil)
                    let timeout = loop.scheduleTask(in: .seconds(2)) { promise.fail(ReplicationProtocolError("no answer within 2 s")) }
                    promise.futureResult.whenComplete { _ in
                        timeout.cancel()
                        channel.close(promise: nil)
                    }
                }
            }
        return promise.futureResult
    }

    final class ReplyCollector: ChannelInboundHandler {
        typealias InboundIn = RESPValue
        private let expected: Int
        private let promise: EventLoopPromise<[RESPValue]>
        private var replies: [RESPValue] = []

        init(expected: Int, promise: EventLoopPromise<[RESPValue]>) {
            self.expected = expected
            self.promise = promise
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            replies.append(unwrapInboundIn(data))
            if replies.count == expected { promise.succeed(replies) }
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.fail(ReplicationProtocolError("connection closed after \(replies.count) replies"))
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.fail(error)
            context.close(promise: nil)
        }
    }
}
