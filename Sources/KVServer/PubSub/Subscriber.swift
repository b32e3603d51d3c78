import KVCore
import KVReplicationWire
import Logging
import NIOCore
import Synchronization

/// How a message reaches one connection from any thread: counts the bytes not yet taken by
/// its socket and cuts the connection at the Pub/Sub output limit
/// (`--client-output-buffer-limit-pubsub`), so a subscriber that never reads costs at most
/// that much memory.
final class Subscriber: Sendable {
    let id: Int
    let eventLoop: any EventLoop
    /// The connection's handler; emptied when the connection closes (no cycle through the
    /// session that holds this).
    private let handler: NIOLoopBoundBox<RESPConnectionHandler?>
    /// Bytes of messages handed to the connection and not yet written to its socket.
    let pending = Atomic<Int>(0)
    private let closed = Atomic<Bool>(false)
    /// When the pending bytes went over the soft limit (monotonic microseconds; 0: they are not).
    private let overSoftSince = Atomic<Int>(0)
    /// Messages handed over and not yet given to the handler, and whether a task to do so is
    /// scheduled. The handler also takes them before it runs a command it read, so a message
    /// published before a command arrived is written before that command's reply, as in Redis.
    private let queue = Mutex<(messages: [(parts: [[UInt8]], after: LSN, size: Int)], scheduled: Bool)>(([], false))
    private let queued = Atomic<Int>(0)

    init(id: Int, handler: RESPConnectionHandler, eventLoop: any EventLoop) {
        self.id = id
        self.eventLoop = eventLoop
        self.handler = NIOLoopBoundBox(handler, eventLoop: eventLoop)
    }

    /// The connection closed: drop the handler.
    func detach() {
        eventLoop.assertInEventLoop()
        handler.value = nil
    }

    /// Sends `frame` (its parts; encoded on the connection's loop in its protocol version)
    /// once the log has `after`, unless the connection is over its output limit, which closes it.
    func deliver(_ frame: [[UInt8]], after: LSN, limit: OutputBufferLimit, logger: Logger) {
        guard !closed.load(ordering: .relaxed) else { return }
        let size = frame.reduce(16) { $0 + $1.count + 16 }
        let pending = self.pending.add(size, ordering: .relaxed).newValue
        if let reason = limit.exceeded(pending: pending, overSoftSince: overSoftSince) {
            guard !closed.exchange(true, ordering: .relaxed) else { return }
            logger.warning("closing a Pub/Sub client for overcoming of output buffer limits (\(reason))",
                           metadata: ["client_id": "\(id)", "pending_bytes": "\(pending)"])
            eventLoop.execute { [self] in handler.value?.closeForOutputLimit() }
            return
        }
        let schedule = queue.withLock { queue in
            queue.messages.append((frame, after, size))
            defer { queue.scheduled = true }
            return !queue.scheduled
        }
        queued.add(1, ordering: .releasing)
        if schedule { eventLoop.execute { [self] in flush() } }
    }

    /// Gives the handler the messages handed over so far, in order. Call on the loop.
    func flush() {
        guard queued.load(ordering: .acquiring) > 0 else { return }
        let messages = queue.withLock { queue in
            defer {
                queue.messages = []
                queue.scheduled = false
            }
            return queue.messages
        }
        queued.subtract(messages.count, ordering: .relaxed)
        guard let handler = handler.value else { return }
        for message in messages {
            handler.deliver(message.parts, after: message.after, size: message.size, subscriber: self)
        }
    }
}

/// `--client-output-buffer-limit-pubsub`: Redis's `client-output-buffer-limit pubsub <hard>
/// <soft> <seconds>` (default 32mb 8mb 60). Zero turns a limit off.
public struct OutputBufferLimit: Sendable, Hashable {
    var hard = 32 << 20
    var soft = 8 << 20
    var softSeconds = 60

    /// Why `pending` bytes break the limit now, or nil; tracks how long the soft one has been
    /// exceeded in `overSoftSince`.
    func exceeded(pending: Int, overSoftSince: borrowing Atomic<Int>) -> String? {
        if hard > 0 && pending > hard { return "over the hard limit of \(hard) bytes" }
        guard soft > 0 && pending > soft else {
            overSoftSince.store(0, ordering: .relaxed)
            return nil
        }
        let now = monotonicMicroseconds()
        let since = overSoftSince.load(ordering: .relaxed)
        if since == 0 {
            overSoftSince.store(now, ordering: .relaxed)
            return nil
        }
        return now - since >= softSeconds * 1_000_000 ? "over the soft limit of \(soft) bytes for \(softSeconds) s" : nil
    }

    /// Parses `<hard> <soft> <seconds>` (sizes as `32mb`, `8mb`, `0`).
    public init?(_ text: String) {
        let parts = text.split(separator: " ").map(String.init)
        guard parts.count == 3, let hard = Self.bytes(parts[0]), let soft = Self.bytes(parts[1]),
              let seconds = Int(parts[2]), seconds >= 0 else { return nil }
        self.hard = hard
        self.soft = soft
        self.softSeconds = seconds
    }

    public init() {}

    /// Redis's memory units: b, k, kb, m, mb, g, gb (k = 1000, kb = 1024).
    static func bytes(_ text: String) -> Int? {
        let lower = text.lowercased()
        let units: [(String, Int)] = [("gb", 1 << 30), ("mb", 1 << 20), ("kb", 1 << 10), ("g", 1_000_000_000),
                                      ("m", 1_000_000), ("k", 1000), ("b", 1)]
        for (suffix, factor) in units where lower.hasSuffix(suffix) {
            guard let number = Int(lower.dropLast(suffix.count)), number >= 0 else { return nil }
            return number * factor
        }
        guard let number = Int(lower), number >= 0 else { return nil }
        return number
    }

    /// As CONFIG GET shows it: bytes.
    var description: String { "pubsub \(hard) \(soft) \(softSeconds)" }
}
