import KVCore
import KVReplication
import KVReplicationWire
import KVStorage
import Logging
import NIOCore
import NIOPosix

/// The replica's end of one replication connection: sends `AUTH` (when a password is set)
/// and `KV.CLONE` or `KV.STREAM`, reads the answer, then receives the snapshot into a
/// `CloneWriter` or the record stream into the store, reporting to the `ReplicaController`.
/// Every byte is written and read by the replication codec (`KVReplicationWire`); this
/// handler only switches on what it decodes.
///
/// Runs on the controller's loop, so it calls the controller directly; every report carries
/// the connection's number, and the controller ignores reports of a connection it replaced.
final class ReplicaConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Mode {
        case clone
        case stream(history: HistoryID, after: LSN, epoch: Epoch?, podName: String, listeningPort: Int)
        /// A starting primary fetching the records a peer holds past its own end.
        case fetch(FetchRequest)

        /// The request that opens the connection.
        var request: ReplicationRequest {
            switch self {
            case .clone: .clone
            case let .stream(history, after, epoch, podName, listeningPort):
                .stream(StreamRequest(history: history, after: after, epoch: epoch, podName: podName,
                                      listeningPort: listeningPort))
            case let .fetch(request): .fetch(request)
            }
        }
    }

    private enum Phase {
        /// Waiting for the answer line(s); `authReplies` AUTH answers still to skip.
        case answer(authReplies: Int)
        /// Receiving the snapshot.
        case cloning(CloneWriter, total: UInt64)
        /// The snapshot is complete; being fsynced.
        case finishing
        /// Receiving frames.
        case streaming
        /// Nothing more is read.
        case done
    }

    private let mode: Mode
    private let number: UInt64
    private let controller: any ReplicationConnectionDelegate
    private let password: String?
    /// The error that closed the connection, if one did.
    private var closeReason: String?
    private let directory: DataDirectory
    private let logger: Logger
    private var phase: Phase
    private var input: ByteBuffer?
    private var answers = ReplicationAnswerDecoder()
    /// Also holds the frames of the records being applied, reused between reads.
    private var frames = ReplicationFrameDecoder()
    private var lastProgressLog = ContinuousClock.now
    private var cloneStarted = ContinuousClock.now

    init(mode: Mode, number: UInt64, controller: any ReplicationConnectionDelegate, password: String?,
         directory: DataDirectory, logger: Logger) {
        self.mode = mode
        self.number = number
        self.controller = controller
        self.password = password
        self.directory = directory
        self.logger = logger
        self.phase = .answer(authReplies: password == nil ? 0 : 1)
    }

    func channelActive(context: ChannelHandlerContext) {
        controller.feedIfCurrent(number, .connected)
        var request = context.channel.allocator.buffer(capacity: 128)
        mode.request.encode(into: &request, authenticatingWith: password)
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        switch phase {
        case let .cloning(writer, _):
            writer.abandon()
            controller.feedIfCurrent(number, .cloneFailed(reason: "connection closed after \(writer.byteCount) bytes"))
        case .answer:
            controller.feedIfCurrent(number, .connectFailed(reason: closeReason.map { "connection failed: \($0)" } ?? "connection closed before an answer"))
        case .streaming:
            controller.feedIfCurrent(number, .disconnected)
        case .finishing, .done:
            break
        }
        phase = .done
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // The first error names what went wrong (a TLS handshake the peer's certificate
        // failed, a reset) in the retry's log line instead of a bare "closed".
        if closeReason == nil { closeReason = "\(error)" }
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            fail(context: context, "nothing received from the peer in time; closing the connection")
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if input == nil { input = bytes } else { input!.writeBuffer(&bytes) }
        guard var buffer = input else { return }
        input = nil
        do {
            try process(&buffer, context: context)
        } catch {
            fail(context: context, "\(error)")
            return
        }
        if buffer.readableBytes > 0 {
            if buffer.readerIndex > 1 << 20 { buffer.discardReadBytes() }
            input = buffer
        }
    }

    private func process(_ buffer: inout ByteBuffer, context: ChannelHandlerContext) throws {
        while buffer.readableBytes > 0 {
            switch phase {
            case let .answer(authReplies):
                guard let answer = try answers.decode(buffer: &buffer) else { return }
                if authReplies > 0 {
                    guard answer == .ok else { return fail(context: context, "AUTH refused: \(answer.line)") }
                    phase = .answer(authReplies: authReplies - 1)
                } else {
                    try accept(answer, context: context)
                }
            case let .cloning(writer, total):
                try buffer.withUnsafeReadableBytes { try writer.append($0) }
                buffer.moveReaderIndex(to: buffer.writerIndex)
                logProgress(writer, total: total)
                if writer.isComplete { finishClone(writer, context: context) }
            case .streaming:
                try stream(&buffer, context: context)
                return
            case .finishing, .done:
                buffer.moveReaderIndex(to: buffer.writerIndex)
                return
            }
        }
    }

    /// The answer to KV.CLONE, KV.STREAM or KV.FETCH.
    private func accept(_ answer: ReplicationAnswer, context: ChannelHandlerContext) throws {
        switch (mode, answer) {
        case let (.clone, .clone(history, lsn, total)):
            let writer = try CloneWriter(directory: directory)
            phase = .cloning(writer, total: total)
            cloneStarted = .now
            controller.feedIfCurrent(number, .cloneAccepted(history: history, lsn: lsn))
        case let (.stream, .stream(history, primaryLSN)):
            phase = .streaming
            controller.feedIfCurrent(number, .streamAccepted(history: history, primaryLSN: primaryLSN))
        case let (.stream, .resync(reason)), let (.fetch, .resync(reason)):
            phase = .done
            controller.feedIfCurrent(number, .resyncRequired(reason))
        case let (.stream(_, _, epoch?, _, _), .error(error)) where error.message.hasPrefix("ERR KV.STREAM needs a history id"):
            // A primary from before lineage refuses the epoch argument.
            controller.primaryPredatesLineage(number)
            fail(context: context, "the primary refused the stream request with epoch \(epoch): \(error.message)")
        case let (.fetch, .fetch(history, lastLSN)):
            phase = .streaming
            controller.feedIfCurrent(number, .streamAccepted(history: history, primaryLSN: lastLSN))
        default:
            fail(context: context, "peer answered '\(answer.line.prefix(200))'")
        }
    }

    private func logProgress(_ writer: CloneWriter, total: UInt64) {
        let now = ContinuousClock.now
        guard now - lastProgressLog >= .seconds(1) || writer.isComplete else { return }
        lastProgressLog = now
        let percent = total == 0 ? 100 : Int(writer.entryCount * 100 / max(total, 1))
        logger.info("clone progress", metadata: [
            "keys": "\(writer.entryCount)/\(total)", "percent": "\(percent)", "bytes": "\(writer.byteCount)",
            "seconds": "\(KVService.seconds(since: cloneStarted))",
        ])
    }

    private func finishClone(_ writer: CloneWriter, context: ChannelHandlerContext) {
        phase = .finishing
        let number = self.number
        let controller = self.controller
        let handover = Handover(writer)
        NIOThreadPool.singleton.runIfActive(eventLoop: controller.loop) { try handover.value.finish() }
            .whenComplete { result in
                switch result {
                case let .success(snapshot):
                    controller.cloneArrived(number, snapshot)
                    controller.feedIfCurrent(number, .cloneFinished)
                case let .failure(error): controller.feedIfCurrent(number, .cloneFailed(reason: "\(error)"))
                }
            }
        context.close(promise: nil)
    }

    /// Decodes whole frames, applies their records as one batch, then the heartbeats.
    private func stream(_ buffer: inout ByteBuffer, context: ChannelHandlerContext) throws {
        var records: [LogRecord] = []
        var heartbeats: [ReplicaLink.Event] = []
        frames.recordFrames.removeAll(keepingCapacity: true)
        while let frame = try frames.decode(buffer: &buffer) {
            switch frame {
            case let .message(message):
                // Delivered once the records before it are applied.
                try controller.apply(records, encoded: frames.recordFrames, number: number)
                records.removeAll(keepingCapacity: true)
                frames.recordFrames.removeAll(keepingCapacity: true)
                controller.deliver(message, number: number)
            case let .record(record):
                if let previous = records.last?.lsn, record.lsn != previous.next {
                    throw ReplicationProtocolError("record \(record.lsn) does not follow \(previous)")
                }
                records.append(record)
            case let .heartbeat(lsn, time, ackRequested):
                heartbeats.append(.heartbeat(primaryLSN: lsn, primaryTime: time, ackRequested: ackRequested))
            }
        }
        // The records' frames as the primary logged them, for this replica's own log.
        try controller.apply(records, encoded: frames.recordFrames, number: number)
        for heartbeat in heartbeats { controller.feedIfCurrent(number, heartbeat) }
    }

    private func fail(context: ChannelHandlerContext, _ reason: String) {
        let event: ReplicaLink.Event
        switch phase {
        case let .cloning(writer, _):
            writer.abandon()
            event = .cloneFailed(reason: reason)
        case .streaming:
            event = .disconnected
            logger.warning("replication stream error: \(reason)")
        case .finishing, .done:
            return
        default:
            event = .connectFailed(reason: reason)
        }
        phase = .done
        controller.feedIfCurrent(number, event)
        context.close(promise: nil)
    }
}

/// Who a replication connection reports to, on `loop`: the `ReplicaController`, or a
/// one-off clone (`PrimaryRestore`) or fetch (`PrimaryCatchUp`).
protocol ReplicationConnectionDelegate: AnyObject {
    var loop: any EventLoop { get }
    /// An event of connection `number` (ignored when that connection was replaced).
    func feedIfCurrent(_ number: UInt64, _ event: ReplicaLink.Event)
    /// The clone received on connection `number` arrived whole and verified (`.cloneFinished`
    /// follows).
    func cloneArrived(_ number: UInt64, _ snapshot: PreloadedSnapshot)
    /// Records streamed on connection `number`, to apply in order; `encoded` holds their
    /// frames as received, for the local log.
    func apply(_ records: [LogRecord], encoded: [UInt8], number: UInt64) throws
    /// The primary refused `KV.STREAM` with an epoch (it predates lineage).
    func primaryPredatesLineage(_ number: UInt64)
    /// A Pub/Sub message streamed on connection `number`, after the records before it.
    func deliver(_ message: PublishedMessage, number: UInt64)
}

extension ReplicationConnectionDelegate {
    /// One-off connections (a clone, a fetch) never stream.
    func primaryPredatesLineage(_ number: UInt64) {}
    /// One-off connections carry no messages.
    func deliver(_ message: PublishedMessage, number: UInt64) {}
}
