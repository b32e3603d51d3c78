import NIOCore

/// `--request-timeout`, the slow-client limit: a request — a RESP command, an HTTP request
/// with its body — must arrive whole within the timeout of its first byte, or the connection
/// is closed. A client that trickles a byte a second cannot hold a connection, its buffer and
/// a client slot forever. (The idle timeout, `--idle-timeout`, is for clients that send
/// nothing at all.)
///
/// The shell of `RequestDeadline`, which decides; this schedules the one check it asks for on
/// the connection's loop and calls `expired` when it says so. Loop-bound.
final class RequestTimer {
    private var deadline: RequestDeadline<ContinuousClock.Instant>
    private let expired: () -> Void
    /// The progress measure a check compares with (see `RequestDeadline`); 0 when none.
    private let progress: () -> Int
    private var check: Scheduled<Void>?

    /// `expired` runs on the loop when a request took too long. `progress`, when given, is a
    /// measure that goes down while the peer makes progress (bytes still buffered for it).
    init(timeout: Duration, progress: @escaping () -> Int = { 0 }, expired: @escaping () -> Void) {
        self.deadline = RequestDeadline(timeout: timeout)
        self.progress = progress
        self.expired = expired
    }

    /// Part of a request has arrived: the clock runs unless it already does.
    func begin(on loop: any EventLoop) {
        perform(deadline.begin(now: .now, mark: progress()), on: loop)
    }

    /// A request completed and the next one has begun arriving.
    func restart(on loop: any EventLoop) {
        perform(deadline.restart(now: .now), on: loop)
    }

    /// Nothing is pending.
    func end() {
        deadline.end()
    }

    /// The connection closed.
    func cancel() {
        deadline.cancel()
        check?.cancel()
        check = nil
    }

    private func perform(_ action: RequestDeadline<ContinuousClock.Instant>.Action, on loop: any EventLoop) {
        switch action {
        case .none:
            return
        case .expire:
            expired()
        case let .arm(at):
            check?.cancel()
            // At most a day ahead: a check that comes early re-arms (`RequestDeadline`).
            let delay = min(max(at - .now, .zero), .seconds(86_400))
            check = loop.assumeIsolated().scheduleTask(in: .nanoseconds(Int64(delay / .nanoseconds(1)))) { [self] in
                check = nil
                perform(deadline.checkFired(now: .now, mark: progress()), on: loop)
            }
        }
    }
}

/// The request timer for HTTP, in front of NIO's HTTP decoder (a slow head never reaches
/// the handlers after it): any bytes start the clock, `HTTPConnectionHandler` stops it with
/// `RequestArrived` when a request's end arrives. A late request gets `408` and the
/// connection ends (`HTTPLingeringClose`).
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
        timer = RequestTimer(timeout: .nanoseconds(timeout.nanoseconds)) {
            // Written from here, under the HTTP encoder: the request may be half a head.
            let response = HTTPRefusal.timedOut.response.encoded(podName: podName)
            context.writeAndFlush(NIOAny(context.channel.allocator.buffer(bytes: response)), promise: nil)
            context.triggerUserOutboundEvent(HTTPLingeringClose.Begin(), promise: nil)
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
