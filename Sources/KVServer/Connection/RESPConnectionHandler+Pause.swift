import KVCore
import KVReplication
import KVReplicationWire
import KVWire
import NIOCore

/// The commands that hold a connection after their batch's replies: WAIT and KV.WAITLSN
/// (answered later, then the connection goes on), KV.CLONE and KV.STREAM (the connection
/// becomes a replication connection).
extension RESPConnectionHandler {
    /// Runs the command that holds the connection after its batch's replies were sent.
    func startPause(_ pause: CommandOutcome, context: ChannelHandlerContext) {
        context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        switch pause {
        case let .waitForReplicas(count, timeout):
            startWait(count: count, kind: .applied, timeoutMilliseconds: timeout, context: context)
        case let .waitForFsync(local, count, timeout):
            startWait(count: count, kind: .durable(local: local), timeoutMilliseconds: timeout, context: context)
        case let .waitForLSN(lsn, timeout):
            let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
            let loop = context.eventLoop
            let applied = server.applied
            // At most ~100 years: TimeAmount counts nanoseconds in an Int64.
            applied.wait(for: lsn, timeout: .milliseconds(Int64(min(timeout, 3_153_600_000_000))), on: loop) { reached in
                loop.execute {
                    let current = applied.current
                    bound.value.handler.resume(with: reached
                        ? .integer(Int64(current.rawValue))
                        : .error(CommandError("TIMEOUT LSN \(lsn) not applied within \(timeout) ms (this pod is at \(current))")),
                        context: bound.value.context)
                }
            }
        case .waitForSnapshot:
            let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
            let loop = context.eventLoop
            switch server.snapshots.start(completion: { succeeded in
                loop.execute {
                    bound.value.handler.resume(with: succeeded ? .ok : .error(CommandError("ERR the snapshot failed: see the server's log")),
                                               context: bound.value.context)
                }
            }) {
            case .started: break
            case .alreadyRunning: resume(with: .error(PersistenceCommands.alreadyRunning), context: context)
            case .unavailable: resume(with: .error(PersistenceCommands.unavailable), context: context)
            }
        case let .shutdown(save):
            startShutdown(save: save, context: context)
        case let .block(client):
            startBlock(client, context: context)
        case let .runScript(request):
            startScript(request, context: context)
        case .startMonitor:
            // After its +OK: the lines it is sent follow that reply.
            resume(with: .ok, context: context)
            if let record { server.monitors.add(client: record.id, channel: context.channel) }
        case .serveClone:
            closing = true
            CloneSender.serve(channel: context.channel, server: server)
        case let .serveStream(history, after, epoch, podName, listeningPort):
            startStream(history: history, after: after, epoch: epoch, podName: podName, listeningPort: listeningPort,
                        context: context)
        case let .serveFetch(history, after, epoch):
            startFetch(FetchRequest(history: history, after: after, epoch: epoch), context: context)
        case .reply, .replyAndClose, .refuseCrossProtocol:
            resume(with: nil, context: context)
        }
    }

    /// A blocking command (BLPOP, …): answered when a write serves it (once the log has
    /// acknowledged the pop's record, as any write's reply) or when its timeout passes.
    private func startBlock(_ client: BlockedClient, context: ChannelHandlerContext) {
        // Closed while the batch's replies waited for the log: `channelInactive` took the
        // client out of the registry already.
        guard !closing else { return }
        blockedOn = client
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        let loop = context.eventLoop
        if let timeout = client.timeout {
            let id = session.id
            let database = server.database
            blockedTimer = loop.scheduleTask(in: .nanoseconds(Int64(clamping: timeout.components.seconds * 1_000_000_000
                                                                     + timeout.components.attoseconds / 1_000_000_000))) {
                // Served meanwhile (under the same lock): the delivery answers instead.
                guard database.withLock({ $0.blocked.remove(id) }) != nil else { return }
                bound.value.handler.finishBlock(with: client.timeoutReply, after: .zero, context: bound.value.context)
            }
        }
        client.attach { reply, lsn in
            loop.execute { bound.value.handler.finishBlock(with: reply, after: lsn, context: bound.value.context) }
        }
    }

    /// Ends a blocking command: its reply once the log acknowledged `lsn`, then the commands
    /// that came after it.
    private func finishBlock(with reply: Reply, after lsn: LSN, context: ChannelHandlerContext) {
        guard blockedOn != nil else { return }
        blockedOn = nil
        session.blockedOnKeys = false
        blockedTimer?.cancel()
        blockedTimer = nil
        session.lastWriteLSN = max(session.lastWriteLSN, lsn)
        if server.database.log.progress.acknowledged >= lsn {
            resume(with: reply, context: context)
        } else {
            waitForLog(lsn) { [self] in resume(with: reply, context: context) }
        }
    }

    /// Sends the held command's reply and goes on with the commands that came after it.
    func resume(with reply: Reply?, context: ChannelHandlerContext) {
        guard blocked, !closing else { return }
        blocked = false
        pendingWait = nil
        if let reply {
            var buffer = context.channel.allocator.buffer(capacity: 16)
            buffer.writeReply(reply, version: session.version)
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        }
        context.channel.setOption(ChannelOptions.autoRead, value: context.channel.isWritable).whenFailure { _ in }
        processInput(context: context)
    }

    /// WAIT and WAITAOF: answer once `count` replicas acknowledged this client's last write
    /// (applied it, or fsynced it — and this pod fsynced it, for WAITAOF 1), or when the
    /// timeout ends (never, for timeout 0, as in Redis) with how many did. Both are the
    /// registry's decisions (`ReplicaRegistry.registerWait`, `onTick`); the hub arms the timer.
    private func startWait(count: Int, kind: ReplicaRegistry.WaitKind, timeoutMilliseconds: Int, context: ChannelHandlerContext) {
        let reply = { @Sendable (acked: Int, local: Bool) -> Reply in
            switch kind {
            case .applied: .integer(Int64(acked))
            case .durable: .array([.integer(local ? 1 : 0), .integer(Int64(acked))])
            }
        }
        guard let hub = server.hub else { return resume(with: reply(0, false), context: context) }
        let target = session.lastWriteLSN
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        let loop = context.eventLoop
        let timeout: Duration? = timeoutMilliseconds > 0 ? .milliseconds(timeoutMilliseconds) : nil
        switch hub.registerWait(target: target, count: count, kind: kind, timeout: timeout, on: loop, complete: { completion in
            loop.execute {
                bound.value.handler.resume(with: reply(completion.acked, completion.local), context: bound.value.context)
            }
        }) {
        case let .done(acked, local):
            resume(with: reply(acked, local), context: context)
        case let .waiting(id):
            pendingWait = id
        }
    }

    /// SHUTDOWN: a snapshot first with SAVE (a failed one cancels the shutdown, as Redis), then
    /// the graceful shutdown SIGTERM starts. Nothing is answered on success: the connection
    /// closes with the server, as Redis's does.
    private func startShutdown(save: Bool, context: ChannelHandlerContext) {
        let failed = Reply.error(CommandError("ERR Errors trying to SHUTDOWN. Check logs."))
        server.logger.notice("SHUTDOWN requested by a client", metadata: ["client": "\(session.address)", "save": "\(save)"])
        guard save else {
            if !server.shutdown.request() { resume(with: failed, context: context) }
            return
        }
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        let loop = context.eventLoop
        let shutdown = server.shutdown
        let started = server.snapshots.start { succeeded in
            loop.execute {
                if !succeeded || !shutdown.request() { bound.value.handler.resume(with: failed, context: bound.value.context) }
            }
        }
        if started != .started { resume(with: failed, context: context) }
    }

    /// KV.FETCH: refuses (`-KVRESYNC …`, the connection goes on) or hands the connection to a
    /// `LogSender`, which sends the records and closes it.
    private func startFetch(_ request: FetchRequest, context: ChannelHandlerContext) {
        let (refusal, through) = LogSender.decide(request, server: server)
        if let refusal {
            server.logger.warning("refused a fetch: \(refusal)", metadata: [
                "after_lsn": "\(request.after)", "after_epoch": "\(request.epoch)",
            ])
            return resume(with: ReplicationAnswer.resync(refusal).reply, context: context)
        }
        closing = true
        if let record { server.clients.unregister(record.id) }
        record = nil
        LogSender.serve(channel: context.channel, server: server, after: request.after, through: through)
    }

    /// KV.STREAM: answers the replica (`+STREAM …` or `-KVRESYNC …`, written by the replication
    /// codec) and, when it may stream, hands the connection to a `StreamSender`.
    private func startStream(history: HistoryID, after: LSN, epoch: Epoch, podName: String, listeningPort: Int?,
                             context: ChannelHandlerContext) {
        guard let hub = server.hub else { return resume(with: .error(CommandError("ERR not the primary")), context: context) }
        let (refusal, primaryLSN) = hub.decideStream(history: history, after: after, epoch: epoch)
        if let refusal {
            server.logger.warning("refused a stream: \(refusal)", metadata: [
                "replica": "\(podName)", "after_lsn": "\(after)", "after_epoch": "\(epoch)",
            ])
            return resume(with: ReplicationAnswer.resync(refusal).reply, context: context)
        }
        closing = true
        // No longer a client: the stream is listed under INFO replication instead.
        if let record { server.clients.unregister(record.id) }
        record = nil
        var answer = context.channel.allocator.buffer(capacity: 64)
        ReplicationAnswer.stream(history: hub.log.history, primaryLSN: primaryLSN).encode(into: &answer)
        context.writeAndFlush(wrapOutboundOut(answer), promise: nil)
        let sender = StreamSender(hub: hub, after: after, podName: podName, listeningPort: listeningPort,
                                  logger: server.logger, clock: server.database.clock)
        do {
            try context.pipeline.syncOperations.addHandler(sender, position: .after(self))
            let removed = context.eventLoop.makePromise(of: Void.self)
            let channel = context.channel
            removed.futureResult.whenFailure { [server] error in
                server.logger.error("could not hand the connection to the replica stream: \(error)")
                channel.close(promise: nil)
            }
            context.pipeline.syncOperations.removeHandler(context: context, promise: removed)
        } catch {
            context.close(promise: nil)
            return
        }
        context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
    }
}
