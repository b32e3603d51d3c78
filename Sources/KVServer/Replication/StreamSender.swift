import KVCore
import KVReplication
import KVReplicationWire
import KVStorage
import KVWire
import Logging
import NIOCore
import Synchronization

/// The primary's end of one replica's stream, in place of the connection's RESP handler after
/// `+STREAM`: sends every record after the replica's LSN from the log files, then each new
/// write as the log acknowledges it; heartbeats when idle; reads `KV.ACK <lsn>` back.
///
/// Records are read from the files (not from the writers' memory) on the connection's event
/// loop, at most `StreamPacing.maxBytesPerTurn` per loop turn, and only while the socket takes
/// them: a slow replica slows its own stream, never the primary's writes. The pacing and the
/// heartbeats are `StreamPacing`'s decisions.
final class StreamSender: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let heartbeatInterval = Duration.milliseconds(100)

    private let hub: ReplicationHub
    private let cursor: LogCursor
    private let podName: String
    /// The port the replica serves clients on (as Redis's `REPLCONF listening-port`).
    private let listeningPort: Int?
    private let logger: Logger
    private let clock: any WallClock
    private var id: ReplicaRegistry.ConnectionID?
    private var handle: StreamHandle?
    private var context: ChannelHandlerContext?
    private var heartbeat: RepeatedTask?
    /// How much a turn sends, whether to go on, when to heartbeat: `StreamPacing` decides.
    private var pacing = StreamPacing(now: ContinuousClock.now, heartbeatInterval: StreamSender.heartbeatInterval)
    private var acks = AckReader()
    private var input: ByteBuffer?
    private var scratch: [UInt8] = []
    /// Pub/Sub messages taken from the handle, waiting for the record they follow to be sent.
    private var messages: [PublishedMessage] = []
    private var messageBytes = 0

    init(hub: ReplicationHub, after: LSN, podName: String, listeningPort: Int?, logger: Logger, clock: any WallClock) {
        self.hub = hub
        self.listeningPort = listeningPort
        self.cursor = hub.log.records(after: after, through: after)
        self.podName = podName
        self.logger = logger
        self.clock = clock
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let handle = StreamHandle(eventLoop: context.eventLoop, sender: NIOLoopBound(self, eventLoop: context.eventLoop))
        self.handle = handle
        let address = context.channel.remoteAddress.map { "\($0.ipAddress ?? "?"):\(listeningPort ?? $0.port ?? 0)" } ?? "?"
        id = hub.register(name: podName, address: address, after: cursor.after, stream: handle)
        logger.info("replica stream started", metadata: ["replica": "\(podName)", "address": "\(address)", "after_lsn": "\(cursor.after)"])
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let interval = TimeAmount.nanoseconds(Int64(Self.heartbeatInterval / .nanoseconds(1)))
        heartbeat = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            bound.value.heartbeatTick()
        }
        pump()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    private func stop() {
        heartbeat?.cancel()
        heartbeat = nil
        if let id {
            hub.unregister(id)
            logger.info("replica stream ended", metadata: ["replica": "\(podName)", "sent_lsn": "\(cursor.position)"])
        }
        id = nil
        context = nil
        handle = nil  // the handle holds this sender: break the cycle so the cursor's file closes
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { pump() }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// Sends what the log has acknowledged and this stream has not sent yet.
    func pump() {
        // Not writable: the socket has enough queued; `channelWritabilityChanged` resumes.
        guard let context else { return }
        if let handle {
            let (taken, droppedOnQueue) = handle.takeMessages()
            messageBytes += taken.reduce(0) { $0 + $1.frameSize }
            messages.append(contentsOf: taken)
            var dropped = droppedOnQueue
            if messageBytes > StreamHandle.messageLimit {
                // Messages are best-effort; the records are not: a stream that lags (a replica
                // catching up, or not reading) drops what waits rather than being closed,
                // which would slow its records down further.
                dropped += messages.count
                messages = []
                messageBytes = 0
            }
            if dropped > 0 {
                logger.warning("dropped \(dropped) Pub/Sub messages for the replica stream of \(podName): more than \(StreamHandle.messageLimit >> 20) MiB of them waited for it (it lags or does not read)")
            }
        }
        guard context.channel.isActive, context.channel.isWritable else { return }
        let acknowledged = hub.log.progress.acknowledged
        if acknowledged > cursor.limit { cursor.limit = acknowledged }
        scratch.removeAll(keepingCapacity: true)
        do {
            // Frames go out as they are in the log files: no decoding, no re-encoding. A
            // message goes right after the record it follows.
            appendDueMessages()
            while pacing.batchHasRoom(scratch.count),
                  try ReplicationFrame.appendRecord(into: &scratch, { try cursor.nextFrame(into: &$0) != nil }) {
                appendDueMessages()
            }
        } catch {
            logger.error("replica stream to \(podName) stopped: \(error)")
            context.close(promise: nil)
            return
        }
        guard !scratch.isEmpty else { return }
        var buffer = context.channel.allocator.buffer(capacity: scratch.count)
        buffer.writeBytes(scratch)
        context.writeAndFlush(NIOAny(buffer), promise: nil)
        if pacing.sent(now: .now, ready: cursor.position < cursor.limit, writable: context.channel.isWritable) {
            // More to send: yield the loop to other connections first.
            context.eventLoop.assumeIsolated().execute { [self] in pump() }
        }
    }

    /// Appends the waiting messages whose record has been sent, in publish order.
    private func appendDueMessages() {
        guard let first = messages.first, first.after <= cursor.position else { return }
        var count = 0
        var buffer = ByteBuffer()
        for message in messages {
            guard message.after <= cursor.position else { break }
            ReplicationFrame.message(message).encode(into: &buffer)
            messageBytes -= message.frameSize
            count += 1
        }
        buffer.withUnsafeReadableBytes { scratch.append(contentsOf: $0) }
        messages.removeFirst(count)
    }

    /// Every heartbeat interval: a heartbeat when nothing else was sent meanwhile.
    func heartbeatTick() {
        if case let .send(askForAck) = pacing.onTick(now: .now, waitBlocked: hub.wantsAcks) {
            sendHeartbeat(ackRequested: askForAck)
        }
    }

    /// Sends a heartbeat now (after whatever records are ready), asking for an ack if `ackRequested`.
    func sendHeartbeat(ackRequested: Bool) {
        guard let context, context.channel.isActive else { return }
        var buffer = context.channel.allocator.buffer(capacity: ReplicationFrame.heartbeatSize)
        ReplicationFrame.heartbeat(primaryLSN: hub.log.progress.acknowledged, primaryTime: clock.now(),
                                   ackRequested: ackRequested).encode(into: &buffer)
        context.writeAndFlush(NIOAny(buffer), promise: nil)
        _ = pacing.sent(now: .now)
    }

    /// A WAIT is blocked: send what is ready, then ask for an ack.
    func requestAck() {
        pump()
        sendHeartbeat(ackRequested: true)
    }

    // MARK: - Acks from the replica

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if input == nil { input = bytes } else { input!.writeBuffer(&bytes) }
        guard var buffer = input else { return }
        defer { input = buffer.readableBytes == 0 ? nil : buffer }
        do {
            while let ack = try acks.decode(buffer: &buffer) {
                if let id { hub.onAck(id, ack) }
            }
        } catch {
            logger.warning("replica \(podName) sent something other than an ack (\(error)); closing its stream")
            context.close(promise: nil)
        }
    }
}

/// How the hub reaches a stream from any thread: wakes coalesce into one `pump` per loop turn.
final class StreamHandle: Sendable {
    let eventLoop: any EventLoop
    private let sender: NIOLoopBound<StreamSender>
    private let wakePending = Atomic<Bool>(false)

    init(eventLoop: any EventLoop, sender: NIOLoopBound<StreamSender>) {
        self.eventLoop = eventLoop
        self.sender = sender
    }

    /// Bytes of Pub/Sub messages a stream may hold; past it messages are dropped for that
    /// stream (a replica that lags or does not read), counted and logged, never the stream.
    static let messageLimit = 64 << 20

    private let queued = KVMutex<(messages: [PublishedMessage], bytes: Int, dropped: Int)>(([], 0, 0))

    /// Queues a message for the stream and wakes it; drops it when too many wait.
    func enqueue(_ message: PublishedMessage) {
        queued.withLock { queued in
            if queued.bytes + message.frameSize > Self.messageLimit {
                queued.dropped += 1
            } else {
                queued.bytes += message.frameSize
                queued.messages.append(message)
            }
        }
        wake()
    }

    /// The messages queued since the last call, and how many were dropped meanwhile.
    func takeMessages() -> (messages: [PublishedMessage], dropped: Int) {
        queued.withLock { queued in
            defer {
                queued.messages = []
                queued.bytes = 0
                queued.dropped = 0
            }
            return (queued.messages, queued.dropped)
        }
    }

    /// New records may be ready.
    func wake() {
        guard !wakePending.exchange(true, ordering: .acquiringAndReleasing) else { return }
        eventLoop.execute { [self] in
            wakePending.store(false, ordering: .releasing)
            sender.value.pump()
        }
    }

    /// Ask the replica for an ack at once.
    func requestAck() {
        eventLoop.execute { [self] in sender.value.requestAck() }
    }
}
