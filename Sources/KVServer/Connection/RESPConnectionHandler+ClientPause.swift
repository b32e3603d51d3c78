import NIOCore

/// A connection held by CLIENT PAUSE: its next command stays unparsed in `input` until the
/// pause ends (a timer at its end) or CLIENT UNPAUSE wakes it; then it is parsed and checked
/// again — a pause extended meanwhile holds it again.
extension RESPConnectionHandler {
    func startPostponement(until: ContinuousClock.Instant, context: ChannelHandlerContext) {
        guard !closing, let record else { return }
        context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        record.activity.withLock { $0.postponed = true }
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        let loop = context.eventLoop
        let delay = until - ContinuousClock.now
        let nanoseconds = max(0, delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000)
        postponedTimer = loop.scheduleTask(in: .nanoseconds(nanoseconds)) {
            bound.value.handler.endPostponement(context: bound.value.context)
        }
        server.pauses.wait(client: record.id) {
            loop.execute { bound.value.handler.endPostponement(context: bound.value.context) }
        }
    }

    /// The pause ended or was lifted: run what waited (once, whichever wake comes first).
    private func endPostponement(context: ChannelHandlerContext) {
        guard let timer = postponedTimer else { return }
        timer.cancel()
        postponedTimer = nil
        if let record {
            server.pauses.stopWaiting(client: record.id)
            record.activity.withLock { $0.postponed = false }
        }
        resume(with: nil, context: context)
    }
}
