import KVCore
import NIOCore
import NIOHTTP1

/// Reads one HTTP request at a time (head and body), hands it to the routes, writes the
/// response with the `KV-Pod` header every reply carries.
final class HTTPConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let routes: HTTPRoutes
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var tooLarge = false

    init(routes: HTTPRoutes) {
        self.routes = routes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(requestHead):
            head = requestHead
            body = nil
            tooLarge = false
        case var .body(chunk):
            guard !tooLarge else { return }
            if (body?.readableBytes ?? 0) + chunk.readableBytes > routes.maxBodyBytes {
                tooLarge = true
                body = nil
            } else if body == nil {
                body = chunk
            } else {
                body!.writeBuffer(&chunk)
            }
        case .end:
            context.triggerUserOutboundEvent(HTTPRequestTimerHandler.RequestArrived(), promise: nil)
            guard let head else { return }
            self.head = nil
            let request = HTTPRequest(head: head, body: body.map { Array($0.readableBytesView) } ?? [],
                                      remote: context.channel.remoteAddress, isTLS: routes.server.configuration.tls?.isSecured(context.pipeline.syncOperations) ?? false)
            body = nil
            if tooLarge {
                write(.error(.payloadTooLarge, "request body exceeds --max-value-size"), for: head, context: context)
                return
            }
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            routes.handle(request, on: context.eventLoop).whenSuccess { response in
                let (handler, context) = loopBound.value
                handler.write(response, for: head, context: context)
            }
        }
    }

    private func write(_ response: HTTPResponse, for request: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "KV-Pod", value: routes.podName)
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        headers.add(name: "Content-Length", value: String(response.body.count))
        let keepAlive = request.isKeepAlive
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        let responseHead = HTTPResponseHead(version: request.version, status: response.status, headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        if request.method != .HEAD && !response.body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            done.whenComplete { _ in context.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// A request with its whole body.
struct HTTPRequest {
    var head: HTTPRequestHead
    var body: [UInt8]
    /// The client's address (for protected mode).
    var remote: SocketAddress? = nil
    /// The request came over TLS.
    var isTLS = false

    var method: HTTPMethod { head.method }

    /// The path without the query string.
    var path: Substring { head.uri.prefix { $0 != "?" } }

    /// The value of query parameter `name`, percent-decoded.
    func query(_ name: String) -> String? {
        guard let question = head.uri.firstIndex(of: "?") else { return nil }
        for pair in head.uri[head.uri.index(after: question)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.first.map(String.init) == name {
                return parts.count == 2 ? PercentDecoding.decode(parts[1]).map { String(decoding: $0, as: UTF8.self) } : ""
            }
        }
        return nil
    }

    func header(_ name: String) -> String? { head.headers.first(name: name) }
}

/// `%XX` decoding for keys in URLs.
enum PercentDecoding {
    static func decode(_ text: Substring) -> [UInt8]? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(HexDigit.value), let low = iterator.next().flatMap(HexDigit.value) else { return nil }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        return bytes
    }
}
