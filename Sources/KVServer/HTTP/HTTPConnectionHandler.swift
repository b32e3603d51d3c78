import KVCore
import NIOCore
import NIOHTTP1

/// Reads one HTTP request at a time (head and body), hands it to the routes, writes the
/// response with the `KV-Pod` header every reply carries. A request it cannot take — one
/// NIO's decoder could not parse, a head or a body over the limits — it answers itself with
/// an `HTTPRefusal`, and the connection ends (`HTTPLingeringClose`).
final class HTTPConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let routes: HTTPRoutes
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    /// A refusal was sent: nothing more is read or answered on this connection.
    private var refused = false

    init(routes: HTTPRoutes) {
        self.routes = routes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        switch unwrapInboundIn(data) {
        case let .head(requestHead):
            // A declared length over the limit is refused before its body arrives.
            if HTTPLimits.declaredLength(requestHead, isOver: routes.maxBodyBytes) {
                refuse(.bodyTooLarge(limit: routes.maxBodyBytes), for: requestHead, context: context)
                return
            }
            head = requestHead
            body = nil
        case var .body(chunk):
            // A chunked body is refused as soon as it grows past the limit.
            guard (body?.readableBytes ?? 0) + chunk.readableBytes <= routes.maxBodyBytes else {
                refuse(.bodyTooLarge(limit: routes.maxBodyBytes), for: head, context: context)
                return
            }
            if body == nil {
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
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            routes.handle(request, on: context.eventLoop).whenSuccess { response in
                let (handler, context) = loopBound.value
                handler.write(response, for: head, context: context)
            }
        }
    }

    private func write(_ response: HTTPResponse, for request: HTTPRequestHead, context: ChannelHandlerContext) {
        let keepAlive = request.isKeepAlive
        let responseHead = response.head(version: request.version, podName: routes.podName, keepAlive: keepAlive)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        if request.method != .HEAD && !response.body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            done.whenComplete { _ in context.close(promise: nil) }
        }
    }

    /// Answers `refusal` with `Connection: close` and ends the connection. `request` is the
    /// head being answered, when there is one (none when the head did not parse).
    private func refuse(_ refusal: HTTPRefusal, for request: HTTPRequestHead?, context: ChannelHandlerContext) {
        refused = true
        head = nil
        body = nil
        context.triggerUserOutboundEvent(HTTPRequestTimerHandler.RequestArrived(), promise: nil)
        let response = refusal.response
        let version = request?.version ?? .http1_1
        context.write(wrapOutboundOut(.head(response.head(version: version, podName: routes.podName, keepAlive: false))), promise: nil)
        if request?.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.triggerUserOutboundEvent(HTTPLingeringClose.Begin(), promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // NIO's pipelining handler passes a decoder error on once no response is pending,
        // so a refusal can be written now (to the request whose body did not parse, if any).
        if let error = error as? HTTPParserError, !refused {
            refuse(HTTPRefusal(error), for: head, context: context)
            return
        }
        if refused { return }  // the connection is ending already
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
