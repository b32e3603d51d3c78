import KVClient
import NIOCore
import NIOPosix

/// `GET /status` on a pod's HTTP port, over TLS when the pods speak it (the HTTP port serves
/// `/status` only over TLS then), verified as the RESP connections are.
enum StatusRequest {
    /// The response's body, or why there is none (no connection, not 200, no answer in time).
    static func fetch(host: String, port: Int, tls: (any ClientTransportSecurity)?, password: String?,
                      timeout: TimeAmount = .seconds(3)) throws -> [UInt8] {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let promise = loop.makePromise(of: [UInt8].self)
        let peer = "\(host):\(port)"
        let connected = ClientBootstrap(group: loop)
            .connectTimeout(.seconds(2))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try tls?.addClientHandlers(to: channel.pipeline.syncOperations, host: host)
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(peer: peer, promise: promise))
                }
            }
            .connect(host: host, port: port)
        connected.whenComplete { result in
            switch result {
            case let .failure(error):
                promise.fail(RESPClientError(.cannotConnect, "cannot connect to \(peer) (HTTP): \(error)", underlying: error))
            case let .success(channel):
                var request = "GET /status HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n"
                if let password { request += "Authorization: Bearer \(password)\r\n" }
                channel.writeAndFlush(ByteBuffer(string: request + "\r\n"), promise: nil)
                let timer = loop.scheduleTask(in: timeout) { promise.fail(ClientError("no HTTP answer from \(peer) in time")) }
                promise.futureResult.whenComplete { _ in
                    timer.cancel()
                    channel.close(promise: nil)
                }
            }
        }
        let response = try promise.futureResult.wait()
        return try body(of: response)
    }

    /// The body of a whole `200` response; any other status is an error naming it.
    static func body(of response: [UInt8]) throws -> [UInt8] {
        guard let split = response.firstRange(of: Array("\r\n\r\n".utf8)) else { throw ClientError("no HTTP response") }
        let head = String(decoding: response[..<split.lowerBound], as: UTF8.self)
        guard head.hasPrefix("HTTP/1.1 200") else {
            throw ClientError(head.split(separator: "\r\n").first.map(String.init) ?? "bad response")
        }
        return Array(response[split.upperBound...])
    }

    /// The number of bytes a response takes once its head is in (`Content-Length`), or nil.
    static func expectedLength(_ response: [UInt8]) -> Int? {
        guard let split = response.firstRange(of: Array("\r\n\r\n".utf8)) else { return nil }
        let head = String(decoding: response[..<split.lowerBound], as: UTF8.self)
        for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
            if let length = Int(String(line.dropFirst("content-length:".count)).trimmingCharacters(in: " ")) {
                return split.upperBound + length
            }
        }
        return nil
    }

    /// Collects the response until it is whole (its `Content-Length`) or the server closes.
    final class ResponseCollector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        private let peer: String
        private let promise: EventLoopPromise<[UInt8]>
        private var response: [UInt8] = []

        init(peer: String, promise: EventLoopPromise<[UInt8]>) {
            self.peer = peer
            self.promise = promise
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            response += unwrapInboundIn(data).readableBytesView
            if let length = StatusRequest.expectedLength(response), response.count >= length {
                promise.succeed(Array(response.prefix(length)))
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            if response.isEmpty {
                promise.fail(ClientError("\(peer) closed the connection without an HTTP answer"))
            } else {
                promise.succeed(response)
            }
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            // A TLS peer that closes without close_notify after the whole response is fine.
            if let length = StatusRequest.expectedLength(response), response.count >= length {
                promise.succeed(Array(response.prefix(length)))
            } else {
                promise.fail(ClientError("HTTP from \(peer) failed: \(error)"))
            }
            context.close(promise: nil)
        }
    }
}
