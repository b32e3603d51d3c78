import KVWire
import NIOCore
import NIOPosix

/// A RESP server on loopback whose answers a test scripts: `respond` gets every command
/// received so far on the connection and returns the bytes to send now ("" for none yet), or
/// nil to close the connection.
final class FakeRESPServer: Sendable {
    let port: Int
    private let channel: any Channel

    init(respond: @escaping @Sendable (_ received: [[String]]) -> String?) async throws {
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPValueDecoder()))
                    try channel.pipeline.syncOperations.addHandler(Responder(respond: respond))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
    }

    func stop() async {
        try? await channel.close()
    }

    /// A port nothing listens on (bound, then closed).
    static func closedPort() async throws -> Int {
        let server = try await FakeRESPServer { _ in "" }
        await server.stop()
        return server.port
    }

    private final class Responder: ChannelInboundHandler {
        typealias InboundIn = RESPValue
        typealias OutboundOut = ByteBuffer
        let respond: @Sendable ([[String]]) -> String?
        var received: [[String]] = []

        init(respond: @escaping @Sendable ([[String]]) -> String?) {
            self.respond = respond
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case let .array(items?) = unwrapInboundIn(data) else { return }
            received.append(items.map { $0.string ?? "" })
            guard let answer = respond(received) else {
                context.close(promise: nil)
                return
            }
            if !answer.isEmpty { context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: answer)), promise: nil) }
        }
    }
}
