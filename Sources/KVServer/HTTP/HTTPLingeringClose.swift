import NIOCore

/// How a connection ends after a refusal (`HTTPRefusal`): once the reply is written the
/// output closes — the client reads the reply, then end of file — while whatever the client
/// still sends (the rest of a body too large, of a head that did not parse) is read and
/// dropped, for at most `lingerTime`; then the connection closes. Closing at once with
/// unread bytes in the socket makes the kernel reset the connection, and a client still
/// sending its body would see the reset instead of the reply. (Apache and nginx call this a
/// lingering close.)
///
/// First in an HTTP connection's pipeline after TLS, so that the bytes it drops reach
/// neither the request timer nor NIO's decoder. Handlers behind it start it with `Begin`.
final class HTTPLingeringClose: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = Any

    /// An outbound user event: the reply that ends the connection has been written.
    struct Begin {}

    /// How long a client may go on sending after the reply.
    static let lingerTime = TimeAmount.seconds(2)

    private var lingering = false
    private var deadline: Scheduled<Void>?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !lingering else { return }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        guard !lingering else {
            // Reads go on even while a handler behind holds them back (NIO's pipelining
            // handler does while a response is pending): the socket has to be drained.
            context.read()
            return
        }
        context.fireChannelReadComplete()
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is Begin else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        promise?.succeed()
        guard !lingering else { return }
        lingering = true
        context.flush()
        // After the pending writes; a transport that cannot half-close closes.
        let outputClosed = context.eventLoop.makePromise(of: Void.self)
        outputClosed.futureResult.whenFailure { _ in context.close(promise: nil) }
        context.close(mode: .output, promise: outputClosed)
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: Self.lingerTime) {
            context.close(promise: nil)
        }
        context.read()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !lingering else {
            context.close(promise: nil)
            return
        }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // The deadline's closure holds the context: drop it with the connection.
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }
}
