import KVCore
import KVReplication
import KVStorage
import KVWire
import NIOCore

/// One client connection: parses pipelined commands in place, runs a read's worth of them
/// under one hold of the database lock, and sends their replies once the log has what they
/// depend on.
///
/// Replies leave in command order. A batch whose replies must wait for the log (see
/// `LogWaiters`) holds back every later batch of the same connection.
final class RESPConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let server: ServerContext
    let waiters: LogWaiters
    /// Remembers where an incomplete command stopped, so a large one is not re-parsed per read.
    var parser: RESPCommandParser
    var record: ClientRegistry.Record?
    var session: ClientSession
    /// Received bytes not yet parsed into whole commands.
    var input: ByteBuffer?
    /// Total bytes `input` needs before the pending command can be complete.
    var needed = 0
    /// Reused for every command's argument positions.
    var bounds: [ArgumentBounds] = []
    /// Batches of replies waiting for the log.
    var held = 0
    /// How many of them acknowledge a write of this connection.
    private var heldWrites = 0
    /// A WAIT or KV.WAITLSN is in progress: later commands wait for it.
    var blocked = false
    /// The hub's id for a WAIT in progress (cancelled if the client leaves).
    var pendingWait: ReplicaRegistry.WaiterID?
    /// The answer box of a blocking command in progress (BLPOP, …), and its timeout.
    var blockedOn: BlockedClient?
    var blockedTimer: Scheduled<Void>?
    /// Held by CLIENT PAUSE: fires at the pause's end (UNPAUSE wakes the connection sooner).
    var postponedTimer: Scheduled<Void>?
    /// The connection is closing: nothing more is read or run.
    var closing = false
    /// `--request-timeout`: runs while part of a command has arrived.
    private var requestTimer: RequestTimer?
    /// `--request-timeout` for the other direction: runs while the client reads none of its
    /// replies (the socket stays unwritable and its buffered bytes do not go down).
    private var replyTimer: RequestTimer?
    /// The connection's context while it is active (Pub/Sub messages are written to it).
    var context: ChannelHandlerContext?
    /// The last batch stopped early because its replies reached `batchOutputLimit`.
    private var stoppedForOutput = false
    /// Another client's script is running: this connection tries again shortly (see
    /// `mayTakeDatabaseLock`).
    var retryScheduled = false

    /// A batch stops running commands once its replies reach this size; the rest run once
    /// the client has read them. A client that pipelines a thousand GETs of a large value
    /// and reads nothing holds about this much, not a thousand values.
    static let batchOutputLimit = 4 << 20

    init(server: ServerContext, waiters: LogWaiters) {
        self.server = server
        self.waiters = waiters
        let configuration = server.configuration
        var limits = RESPLimits(
            maxBulkLength: configuration.maxValueSize,
            maxArgumentCount: 1024 * 1024,
            maxInlineLength: 64 * 1024,
            maxRequestLength: configuration.maxRequestSize,
            requiresAuthentication: server.passwordRequired
        )
        limits.maxBulkLengthName = "--max-value-size"
        limits.maxRequestLengthName = "--max-request-size"
        self.parser = RESPCommandParser(limits: limits)
        self.session = ClientSession(id: 0, passwordRequired: server.passwordRequired)
    }

    func channelActive(context: ChannelHandlerContext) {
        server.counters.connectionsReceived.add(1, ordering: .relaxed)
        let remote = context.channel.remoteAddress.map(Self.describe) ?? "?"
        let local = context.channel.localAddress.map(Self.describe) ?? "?"
        guard let record = server.clients.register(address: remote, localAddress: local, limit: server.configuration.maxClients) else {
            server.counters.rejectedConnections.add(1, ordering: .relaxed)
            close(context: context, saying: "-ERR max number of clients reached")
            return
        }
        self.record = record
        let channel = context.channel
        record.closer.withLock { $0 = { channel.close(promise: nil) } }
        if ProtectedMode.refuses(context.channel.remoteAddress, server.configuration) {
            server.counters.rejectedConnections.add(1, ordering: .relaxed)
            server.logger.warning("protected mode: refused a client from outside loopback (no password is set)", metadata: ["client": "\(remote)"])
            close(context: context, saying: "-\(ProtectedMode.deniedMessage)")
            return
        }
        session = ClientSession(id: record.id, passwordRequired: server.passwordRequired)
        session.address = remote
        session.subscriber = Subscriber(id: record.id, handler: self, eventLoop: context.eventLoop)
        self.context = context
        if let timeout = server.configuration.requestTimeout {
            requestTimer = RequestTimer(timeout: timeout) { [self] in
                close(context: context, saying: "-ERR the command did not arrive whole within --request-timeout (\(timeout.components.seconds) s): closing the connection")
            }
            // A client reading a large reply slowly is making progress: the bytes buffered for
            // it go down, and the clock starts again (`RequestDeadline`).
            replyTimer = RequestTimer(timeout: timeout, progress: { [self] in bufferedBytes(context) }) { [self] in
                server.logger.notice("closing a client that has not read its replies within --request-timeout",
                                     metadata: ["client": "\(record.address)"])
                close(context: context, saying: nil)
            }
        }
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // Replaced by a replication stream or clone (KV.STREAM, KV.CLONE): no more messages.
        session.subscriber?.detach()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        closing = true
        // The timers' closures hold this handler: drop them, or the handler, its context,
        // pipeline and channel outlive the connection (found by measuring, and by LeakSanitizer).
        requestTimer?.cancel()
        replyTimer?.cancel()
        requestTimer = nil
        replyTimer = nil
        if let pendingWait, let hub = server.hub { hub.cancelWait(pendingWait) }
        pendingWait = nil
        if !session.watching.isEmpty || session.blockedOnKeys {
            let id = session.id
            server.database.withLock { state in
                session.unwatchAll(&state.watched)
                state.blocked.remove(id)
            }
        }
        blockedTimer?.cancel()
        blockedTimer = nil
        blockedOn = nil
        if session.subscriptions.total > 0, let record {
            CommandDispatcher(server: server, record: record).unsubscribeAll(session: &session)
        }
        session.subscriber?.detach()
        postponedTimer?.cancel()
        postponedTimer = nil
        self.context = nil
        if let record {
            server.pauses.stopWaiting(client: record.id)
            server.clients.unregister(record.id)
            server.monitors.remove(client: record.id)
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard !closing else { return }
        server.counters.netInputBytes.add(buffer.readableBytes, ordering: .relaxed)
        if input == nil {
            input = buffer
        } else {
            input!.writeBuffer(&buffer)
        }
        processInput(context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        closing = true
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            closing = true
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // A client that does not read its replies stops being read from, so its replies
        // cannot pile up without bound; if it reads none for --request-timeout, it is closed.
        let writable = context.channel.isWritable
        context.channel.setOption(ChannelOptions.autoRead, value: writable && !blocked)
            .whenFailure { _ in }
        if writable {
            replyTimer?.end()
            if stoppedForOutput { processInput(context: context) }
        } else if let replyTimer {
            replyTimer.begin(on: context.eventLoop)
        }
        context.fireChannelWritabilityChanged()
    }

    // MARK: - Running commands

    private struct BatchResult {
        var output: ByteBuffer
        var gate: LSN
        /// The batch wrote: its replies acknowledge a write.
        var wrote = false
        var close = false
        /// The batch met HTTP sent to this port: it was closed without running the rest.
        var crossProtocol = false
        /// A command that holds the connection after the batch's replies (WAIT, KV.WAITLSN,
        /// KV.CLONE, KV.STREAM).
        var pause: CommandOutcome?
        /// CLIENT PAUSE holds the next command (not run, still in `input`) until then.
        var postponedUntil: ContinuousClock.Instant?
    }

    /// Runs every whole command in `input`.
    func processInput(context: ChannelHandlerContext) {
        guard !blocked, !closing, var buffer = input, let record else { return }
        guard buffer.readableBytes >= needed else { return }
        guard mayTakeDatabaseLock(context: context) else { return }
        // Messages published before these commands arrived go out before their replies.
        if session.subscriptions.total > 0 { session.subscriber?.flush() }
        stoppedForOutput = false
        let dispatcher = CommandDispatcher(server: server, record: record)
        var result = BatchResult(output: context.channel.allocator.buffer(capacity: 512), gate: .zero)
        // Under `everysec` and `no` the batch's records are written on this loop at the end
        // of the turn, together with every other connection's (see `LogWaiters.withinTurn`).
        let ran = waiters.withinTurn {
            buffer.withUnsafeReadableBytes { raw in
                runCommands(in: raw, dispatcher: dispatcher, result: &result)
            }
        }
        guard let consumed = ran else {
            // A script ran past --busy-reply-threshold while this waited for the lock. If it
            // has ended since, nothing retries on its own: run the batch again, next turn.
            if mayTakeDatabaseLock(context: context) {
                context.eventLoop.assumeIsolated().execute { [self] in processInput(context: context) }
            }
            return
        }
        buffer.moveReaderIndex(forwardBy: consumed)
        if buffer.readableBytes == 0 {
            input = nil
        } else {
            if buffer.readerIndex > 64 * 1024 { buffer.discardReadBytes() }
            input = buffer
        }
        if result.close { closing = true }
        if result.crossProtocol { warnCrossProtocol(from: record) }
        if result.pause != nil || result.postponedUntil != nil { blocked = true }
        if result.output.readableBytes >= Self.batchOutputLimit && input != nil && !closing && !blocked {
            // Run the rest once these replies have left: at once if the socket takes them,
            // else when it becomes writable again.
            stoppedForOutput = true
            if context.channel.isWritable {
                context.eventLoop.assumeIsolated().execute { [self] in
                    if stoppedForOutput && context.channel.isWritable { processInput(context: context) }
                }
            }
        }
        if let requestTimer {
            // The clock runs while a command is partly here and this connection could run it.
            if input == nil || closing || blocked || stoppedForOutput {
                requestTimer.end()
            } else if consumed > 0 {
                requestTimer.restart(on: context.eventLoop)
            } else {
                requestTimer.begin(on: context.eventLoop)
            }
        }
        emit(result, progress: server.database.log.progress, context: context)
    }

    /// Parses and runs commands from `raw` under one hold of the database lock; returns the
    /// bytes consumed, or nil when a busy script kept the lock (nothing ran).
    private func runCommands(in raw: UnsafeRawBufferPointer, dispatcher: CommandDispatcher, result: inout BatchResult) -> Int? {
        var offset = 0
        var lastCommand: String?
        var commandContext = server.database.context()
        // While clients are paused nothing is written, not even the delete of a key found
        // expired: it is hidden, as on a replica (Redis 7.0 pauses expiry likewise).
        let pauses = server.pauses
        if pauses.mayHold && pauses.isPaused { commandContext.expiry = .replica }
        var clock = BatchClock(context: commandContext)
        let ran: Void? = server.database.withLock(unlessBusy: server.scripts) { state in
            parsing: while offset < raw.count {
                let rest = UnsafeRawBufferPointer(rebasing: raw[offset...])
                bounds.removeAll(keepingCapacity: true)
                let outcome: CommandOutcome
                parser.limits.requiresAuthentication = !session.authenticated
                switch parser.parse(rest, into: &bounds) {
                case let .command(consumed):
                    if pauses.mayHold, let until = bounds.withUnsafeBufferPointer({ bounds in
                        dispatcher.postponement(Arguments(base: rest.baseAddress, bounds: bounds), session: session, state: state)
                    }) {
                        result.postponedUntil = until
                        break parsing
                    }
                    offset += consumed
                    outcome = bounds.withUnsafeBufferPointer { bounds in
                        let arguments = Arguments(base: rest.baseAddress, bounds: bounds)
                        if lastCommand == nil || offset == raw.count { lastCommand = Self.listedName(arguments) }
                        return dispatcher.run(arguments, session: &session, state: &state, clock: &clock)
                    }
                case let .inline(consumed, owned):
                    if pauses.mayHold, let until = owned.withArguments({ arguments in
                        dispatcher.postponement(arguments, session: session, state: state)
                    }) {
                        result.postponedUntil = until
                        break parsing
                    }
                    offset += consumed
                    outcome = owned.withArguments { arguments in
                        lastCommand = Self.listedName(arguments)
                        return dispatcher.run(arguments, session: &session, state: &state, clock: &clock)
                    }
                case let .empty(consumed):
                    offset += consumed
                    continue parsing
                case let .incomplete(total):
                    needed = total ?? 0
                    break parsing
                case let .malformed(error):
                    server.counters.protocolErrors.add(1, ordering: .relaxed)
                    outcome = .replyAndClose(error.reply)
                }
                needed = 0
                switch outcome {
                case let .reply(reply):
                    if case let .error(error) = reply { state.statistics.recordError(error.message) }
                    result.output.writeReply(reply, version: session.version)
                case let .replyAndClose(reply):
                    result.output.writeReply(reply, version: session.version)
                    result.close = true
                    break parsing
                case .refuseCrossProtocol:
                    // Nothing goes back, not even the replies of this read's earlier lines
                    // (an HTTP request line): Redis frees such a client with its output.
                    result.output.clear()
                    result.close = true
                    result.crossProtocol = true
                    break parsing
                case .waitForReplicas, .waitForFsync, .waitForLSN, .waitForSnapshot, .shutdown, .startMonitor, .serveClone,
                     .serveStream, .serveFetch, .block, .runScript:
                    result.pause = outcome
                    break parsing
                }
                if result.output.readableBytes >= Self.batchOutputLimit { break parsing }
            }
            // A replica's replies need not wait for its own log: what it applied is durable on
            // the primary already, and a replica that loses it streams it again.
            let lastAssigned = state.log.lastAssigned
            result.gate = server.isReplica ? .zero : lastAssigned
            if session.wroteInBatch {
                result.wrote = true
                session.lastWriteLSN = lastAssigned
                session.wroteInBatch = false
            }
        }
        guard ran != nil else { return nil }
        if let lastCommand {
            let inTransaction = session.inTransaction
            let database = session.database
            record?.activity.withLock {
                $0.lastCommand = lastCommand
                $0.lastActivity = .now
                $0.inTransaction = inTransaction
                $0.database = database
            }
        }
        return offset
    }

    // MARK: - Sending replies

    /// Sends a batch's replies now if the log's `acknowledged` position has reached the
    /// batch's gate, or once it does. While the log cannot write, replies that acknowledge no
    /// write are sent at once (see `LogWaiters`).
    private func emit(_ result: BatchResult, progress: LogProgress, context: ChannelHandlerContext) {
        let output = result.output
        let send = { [self] in
            if output.readableBytes > 0 {
                server.counters.netOutputBytes.add(output.readableBytes, ordering: .relaxed)
                context.writeAndFlush(wrapOutboundOut(output), promise: nil)
            }
            if result.close {
                context.close(promise: nil)
            } else if let pause = result.pause {
                startPause(pause, context: context)
            } else if let until = result.postponedUntil {
                startPostponement(until: until, context: context)
            }
        }
        let wrote = result.wrote
        if held == 0 && (progress.acknowledged >= result.gate || (progress.failure != nil && !wrote)) {
            send()
        } else {
            let readOnly = !wrote && heldWrites == 0
            held += 1
            if wrote { heldWrites += 1 }
            waiters.enqueue(result.gate, readOnly: readOnly) { [self] in
                held -= 1
                if wrote { heldWrites -= 1 }
                send()
            }
        }
    }

    /// Calls `release` on this loop once the log has acknowledged `lsn` (a blocked command's
    /// pop, answered outside a batch).
    func waitForLog(_ lsn: LSN, _ release: @escaping () -> Void) {
        waiters.enqueue(lsn, readOnly: false, release)
    }

    /// Closes the connection, after one error line when `error` is given (a refused client,
    /// a slow one); nothing more is read or run.
    private func close(context: ChannelHandlerContext, saying error: String?) {
        guard !closing else { return }
        closing = true
        guard let error else {
            context.close(promise: nil)
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: error.utf8.count + 2)
        buffer.writeString(error + "\r\n")
        context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    /// The command's name as CLIENT LIST's `cmd=` shows it: `client|list` for a subcommand,
    /// as Redis 7 does.
    static func listedName(_ arguments: Arguments) -> String {
        let name = arguments.lowercased(0)
        guard arguments.count > 1, let row = ServerCommands.table.lookup(arguments[0]), !row.subcommands.isEmpty,
              let subcommand = row.subcommand(arguments[1]) else { return name }
        return subcommand.spec.name
    }

    /// Counts a cross-protocol request and logs it, at most once a minute as Redis does, so a
    /// flood of them cannot flood the log.
    private func warnCrossProtocol(from record: ClientRegistry.Record) {
        server.counters.crossProtocolRefused.add(1, ordering: .relaxed)
        let now = Int(monotonicMicroseconds() / 1_000_000)
        let last = server.counters.crossProtocolLoggedAt.load(ordering: .relaxed)
        guard last == Int.min || now - last >= 60,
              server.counters.crossProtocolLoggedAt.compareExchange(expected: last, desired: now, ordering: .relaxed).exchanged
        else { return }
        server.logger.warning(
            "Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to kv. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your kv instance. Connection aborted.",
            metadata: ["client": "\(record.address)"])
    }

    /// Bytes written to the channel and not yet taken by the socket.
    private func bufferedBytes(_ context: ChannelHandlerContext) -> Int {
        (try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
    }

    private static func describe(_ address: SocketAddress) -> String {
        "\(address.ipAddress ?? "?"):\(address.port ?? 0)"
    }
}
