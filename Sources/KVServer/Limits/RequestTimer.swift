import NIOCore

/// `--request-timeout`, the slow-client limit: a request — a RESP command, an HTTP request
/// with its body — must arrive whole within the timeout of its first byte, or the connection
/// is closed. A client that trickles a byte a second cannot hold a connection, its buffer and
/// a client slot forever. (The idle timeout, `--idle-timeout`, is for clients that send
/// nothing at all.)
///
/// One scheduled check per connection at most: moving the start of the pending request
/// (`restart`) only records a time; the check re-arms itself for whatever remains. Loop-bound.
final class RequestTimer {
    private let timeout: TimeAmount
    private let expired: () -> Void
    /// When the first byte of the request still arriving came; nil when nothing is pending.
    private var since: NIODeadline?
    private var check: Scheduled<Void>?

    /// `expired` runs on the loop when a request took too long.
    init(timeout: TimeAmount, expired: @escaping () -> Void) {
        self.timeout = timeout
        self.expired = expired
    }

    /// Part of a request has arrived: the clock runs unless it already does.
    func begin(on loop: any EventLoop) {
        guard since == nil else { return }
        since = .now()
        arm(on: loop, at: since! + timeout)
    }

    /// A request completed and the next one has begun arriving.
    func restart(on loop: any EventLoop) {
        since = .now()
        if check == nil { arm(on: loop, at: since! + timeout) }
    }

    /// Nothing is pending.
    func end() {
        since = nil
    }

    /// The connection closed.
    func cancel() {
        since = nil
        check?.cancel()
        check = nil
    }

    private func arm(on loop: any EventLoop, at deadline: NIODeadline) {
        check?.cancel()
        check = loop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            check = nil
            guard let since else { return }
            let due = since + timeout
            if NIODeadline.now() >= due {
                self.since = nil
                expired()
            } else {
                arm(on: loop, at: due)
            }
        }
    }
}

/// The request timer for HTTP, in front of NIO's HTTP decoder (a slow head never reaches
/// the handlers after it): any bytes start the clock, `HTTPConnectionHandler` stops it with
/// `RequestArrived` when a request's end arrives. A late request gets `408` and is closed.
final class HTTPRequestTimerHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = Any

    /// Sent (as an outbound user event) by the HTTP handler when a whole request arrived.
    struct RequestArrived {}

    private let timeout: TimeAmount
    /// For the `KV-Pod` header every HTTP reply carries.
    private let podName: String
    private var timer: RequestTimer?

    init(timeout: TimeAmount, podName: String) {
        self.timeout = timeout
        self.podName = podName
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let podName = podName
        timer = RequestTimer(timeout: timeout) {
            // Written from here, under the HTTP encoder: the request may be half a head.
            let message = "the request did not arrive whole within --request-timeout\n"
            let response = "HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain\r\nContent-Length: \(message.utf8.count)\r\nKV-Pod: \(podName)\r\nConnection: close\r\n\r\n\(message)"
            context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: response))).whenComplete { _ in
                context.close(promise: nil)
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        timer?.begin(on: context.eventLoop)
        context.fireChannelRead(data)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        if event is RequestArrived {
            timer?.end()
            promise?.succeed()
        } else {
            context.triggerUserOutboundEvent(event, promise: promise)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // The timer's closure holds the context: drop it, or the connection never goes.
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }
}
