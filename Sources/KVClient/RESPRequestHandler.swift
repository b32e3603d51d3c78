import KVWire
import NIOCore
import NIOTLS

/// One batch of commands written together, and the promise of their replies.
struct RESPRequest: Sendable {
    var commands: [[String]]
    var promise: EventLoopPromise<[RESPValue]>
}

/// The client's pipeline end: encodes each request's commands, hands the replies back in order
/// (one per command, requests in the order written), and fails everything still waiting when
/// the connection breaks or the peer stays silent past the read timeout. `ready` completes once
/// the connection can carry requests: when it is up, or with TLS when the handshake is done
/// (so that a certificate the client refuses fails the connect, with its reason).
final class RESPRequestHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = RESPRequest
    typealias OutboundOut = ByteBuffer

    private struct Waiting {
        let expected: Int
        var replies: [RESPValue]
        let promise: EventLoopPromise<[RESPValue]>
    }

    private let peer: String
    private let readTimeout: TimeAmount
    private var waiting = CircularBuffer<Waiting>()
    /// Set once the connection failed: later requests fail with it at once.
    private var failure: RESPClientError?
    private var timer: Scheduled<Void>?
    /// Completed when requests can flow; nil once completed.
    private var ready: EventLoopPromise<Void>?
    private let tls: (any ClientTransportSecurity)?
    private var awaitsHandshake: Bool { tls != nil }
    /// Replies received on this connection, to tell a peer that never answered.
    private var repliesReceived = 0

    init(peer: String, readTimeout: TimeAmount, tls: (any ClientTransportSecurity)?, ready: EventLoopPromise<Void>) {
        self.peer = peer
        self.readTimeout = readTimeout
        self.tls = tls
        self.ready = ready
    }

    func channelActive(context: ChannelHandlerContext) {
        if awaitsHandshake {
            // The handshake's answer is awaited like a reply.
            armTimer(context: context)
        } else {
            ready?.succeed(())
            ready = nil
        }
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSUserEvent {
            ready?.succeed(())
            ready = nil
            if waiting.isEmpty {
                timer?.cancel()
                timer = nil
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let failure {
            request.promise.fail(failure)
            promise?.fail(failure)
            return
        }
        guard !request.commands.isEmpty else {
            request.promise.succeed([])
            promise?.succeed(())
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: 64 * request.commands.count)
        for command in request.commands { buffer.writeCommand(command) }
        waiting.append(Waiting(expected: request.commands.count, replies: [], promise: request.promise))
        if timer == nil && ready == nil { armTimer(context: context) }
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = unwrapInboundIn(data)
        // Out-of-band data (RESP3 pushes) answers no command.
        if case .push = value { return }
        guard !waiting.isEmpty else {
            fail(context: context, RESPClientError(.protocolError, "\(peer) sent a reply to no command"))
            return
        }
        repliesReceived += 1
        waiting[waiting.startIndex].replies.append(value)
        if waiting[waiting.startIndex].replies.count == waiting[waiting.startIndex].expected {
            let done = waiting.removeFirst()
            done.promise.succeed(done.replies)
        }
        // Something arrived: the silence counts from now, if anything is still awaited.
        timer?.cancel()
        timer = nil
        if !waiting.isEmpty { armTimer(context: context) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let received = waiting.first?.replies.count ?? 0
        var message = "\(peer) closed the connection" + (waiting.first.map { " after \(received) of \($0.expected) replies" } ?? "")
        if repliesReceived == 0 && tls == nil && !waiting.isEmpty {
            // What a kv pod with TLS on does to a plain connection.
            message += " (does it speak TLS?)"
        }
        fail(context: context, RESPClientError(.closed, message))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let failure: RESPClientError
        switch error {
        case let error as RESPClientError:
            failure = error
        case let error as RESPProtocolError:
            failure = RESPClientError(.protocolError, "\(peer) does not speak RESP: \(error.message)", underlying: error)
        default:
            if let explained = tls?.explain(error) {
                failure = RESPClientError(.connectionFailed, "TLS with \(peer) failed: \(explained)", underlying: error)
            } else {
                failure = RESPClientError(.connectionFailed, "the connection to \(peer) failed: \(error)", underlying: error)
            }
        }
        fail(context: context, failure)
    }

    private func armTimer(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let timeout = readTimeout
        let peer = self.peer
        timer = context.eventLoop.scheduleTask(in: readTimeout) {
            let (handler, context) = loopBound.value
            handler.timer = nil
            handler.fail(context: context, RESPClientError(.readTimeout, "no answer from \(peer) within \(Self.seconds(timeout))"))
        }
    }

    /// Fails every waiting request and every later one, and closes the connection (once).
    private func fail(context: ChannelHandlerContext, _ error: RESPClientError) {
        timer?.cancel()
        timer = nil
        let first = failure == nil
        if first { failure = error }
        ready?.fail(failure ?? error)
        ready = nil
        while let next = waiting.popFirst() { next.promise.fail(failure ?? error) }
        if first { context.close(promise: nil) }
    }

    private static func seconds(_ amount: TimeAmount) -> String {
        let milliseconds = amount.nanoseconds / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }
}
