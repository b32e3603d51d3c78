import KVCore
import KVWire
import NIOCore

extension RESPConnectionHandler {
    /// Writes one Pub/Sub message (`message`, `pmessage`, `smessage` and its parts), in the
    /// connection's protocol version, after the replies already waiting for the log and once
    /// the log has `after` — a subscriber on the primary sees a message only after the writes
    /// that preceded its PUBLISH are acknowledged. Called on the connection's loop.
    func deliver(_ parts: [[UInt8]], after: LSN, size: Int, subscriber: Subscriber) {
        guard let context, !closing else {
            subscriber.pending.subtract(size, ordering: .relaxed)
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: size)
        buffer.writeReply(.push(parts.map { .bulk($0) }), version: session.version)
        let send = { [self] in
            server.counters.netOutputBytes.add(buffer.readableBytes, ordering: .relaxed)
            context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in
                subscriber.pending.subtract(size, ordering: .relaxed)
            }
        }
        if held == 0 && (after == .zero || server.database.log.progress.acknowledged >= after) {
            send()
        } else {
            held += 1
            waiters.enqueue(after, readOnly: true) { [self] in
                held -= 1
                send()
            }
        }
    }

    /// The subscriber fell past `--client-output-buffer-limit-pubsub`: closed at once, what
    /// is buffered for it dropped (Redis frees such a client the same way).
    func closeForOutputLimit() {
        guard let context, !closing else { return }
        closing = true
        context.close(promise: nil)
    }
}
