import KVCore
import KVWire
import NIOCore

/// A connection while a Lua script runs: its own scripts go to the script thread, and its
/// commands never wait on the database lock behind another client's script.
extension RESPConnectionHandler {
    /// Runs `request` on the script thread (`ScriptActivity`); its reply is sent once the log
    /// has what the script wrote, then the connection goes on with the commands after it.
    func startScript(_ request: ScriptRequest, context: ChannelHandlerContext) {
        guard let record, !closing else { return }
        let dispatcher = CommandDispatcher(server: server, record: record)
        let caller = ScriptCaller(id: session.id, database: session.database, address: session.address, name: session.name)
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        let loop = context.eventLoop
        let server = self.server
        server.scripts.submit {
            var clock = BatchClock(context: server.database.context())
            let started = monotonicMicroseconds()
            let (reply, written) = server.database.withLock { state -> (Reply, LSN?) in
                var session = caller.session()
                let reply = dispatcher.runScript(request, session: &session, state: &state, clock: &clock)
                dispatcher.logScriptIfSlow(request, microseconds: monotonicMicroseconds() - started, session: session,
                                           state: &state, clock: clock)
                return (reply, session.wroteInBatch ? state.log.lastAssigned : nil)
            }
            loop.execute { bound.value.handler.finishScript(reply, written: written, context: bound.value.context) }
        }
    }

    /// Sends a script's reply: at once when it wrote nothing (or on a replica), else once the
    /// log has acknowledged its record, as any write's reply.
    private func finishScript(_ reply: Reply, written: LSN?, context: ChannelHandlerContext) {
        guard let written, !server.isReplica else {
            resume(with: reply, context: context)
            return
        }
        session.lastWriteLSN = max(session.lastWriteLSN, written)
        if server.database.log.progress.acknowledged >= written {
            resume(with: reply, context: context)
        } else {
            waitForLog(written) { [self] in resume(with: reply, context: context) }
        }
    }

    /// Called before taking the database lock: false when a script runs past
    /// `--busy-reply-threshold` (this connection's commands were answered `-BUSY`) or one was
    /// handed to the script thread (this connection tries again in 2 ms rather than wait on
    /// the lock). A quick script running in place is waited for (`Database.withLock(unlessBusy:)`).
    func mayTakeDatabaseLock(context: ChannelHandlerContext) -> Bool {
        let scripts = server.scripts
        guard scripts.isBusy || scripts.isOffloaded else { return true }
        if scripts.isBusy && held == 0 {
            answerBusy(context: context)
        } else if !retryScheduled {
            retryScheduled = true
            context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(2)) { [self] in
                retryScheduled = false
                processInput(context: context)
            }
        }
        return false
    }

    /// Answers every whole command received without the lock, as Redis answers while a script
    /// is past its time limit: SCRIPT KILL, SHUTDOWN NOSAVE and AUTH's refusal act; anything
    /// else gets `-BUSY`.
    private func answerBusy(context: ChannelHandlerContext) {
        guard var buffer = input else { return }
        var output = context.channel.allocator.buffer(capacity: 256)
        var close = false
        var pause: CommandOutcome?
        let consumed = buffer.withUnsafeReadableBytes { raw -> Int in
            var offset = 0
            parsing: while offset < raw.count {
                let rest = UnsafeRawBufferPointer(rebasing: raw[offset...])
                bounds.removeAll(keepingCapacity: true)
                let outcome: CommandOutcome
                switch parser.parse(rest, into: &bounds) {
                case let .command(used):
                    offset += used
                    outcome = bounds.withUnsafeBufferPointer { bounds in
                        busyOutcome(Arguments(base: rest.baseAddress, bounds: bounds))
                    }
                case let .inline(used, owned):
                    offset += used
                    outcome = owned.withArguments { busyOutcome($0) }
                case let .empty(used):
                    offset += used
                    continue parsing
                case let .incomplete(total):
                    needed = total ?? 0
                    break parsing
                case let .malformed(error):
                    outcome = .replyAndClose(error.reply)
                }
                needed = 0
                switch outcome {
                case let .reply(reply):
                    output.writeReply(reply, version: session.version)
                case let .replyAndClose(reply):
                    output.writeReply(reply, version: session.version)
                    close = true
                    break parsing
                default:
                    pause = outcome
                    break parsing
                }
            }
            return offset
        }
        buffer.moveReaderIndex(forwardBy: consumed)
        input = buffer.readableBytes == 0 ? nil : buffer
        if output.readableBytes > 0 { context.writeAndFlush(wrapOutboundOut(output), promise: nil) }
        if close {
            closing = true
            context.close(promise: nil)
        } else if let pause {
            blocked = true
            startPause(pause, context: context)
        }
    }

    /// What a command gets while a script is busy.
    private func busyOutcome(_ arguments: Arguments) -> CommandOutcome {
        guard arguments.count > 0 else { return .reply(.error(CommandError("ERR empty command"))) }
        let row = ServerCommands.table.lookup(arguments[0])
        if !session.authenticated && !(row?.spec.flags.contains(.noAuth) ?? false) { return .reply(.error(.noAuth)) }
        if arguments.count == 2 && arguments.matches(0, "script") && arguments.matches(1, "kill") {
            return .reply(CommandDispatcher(server: server, record: record!).killScript())
        }
        if arguments.matches(0, "shutdown") && (1..<arguments.count).contains(where: { arguments.matches($0, "nosave") }) {
            server.scripts.stopForShutdown()
            return .shutdown(save: false)
        }
        if session.inTransaction { session.transactionFailed = true }
        return .reply(.error(Self.busyError))
    }

    static let busyError = CommandError("BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.")
}

/// What the script thread needs of the calling client (its session stays on its loop).
struct ScriptCaller: Sendable {
    var id: Int
    var database: Int
    var address: String
    var name: String?

    /// The script's session: the caller's database, not authenticated-gated (the caller was).
    func session() -> ClientSession {
        var session = ClientSession(id: id, passwordRequired: false)
        session.database = database
        session.address = address
        session.name = name
        return session
    }
}
