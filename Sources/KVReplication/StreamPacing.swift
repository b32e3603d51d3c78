/// How the primary paces one replica's stream, without a socket or a clock: how much one loop
/// turn sends, whether to go on in a later turn, and when an idle stream sends a heartbeat
/// (and whether it asks for an ack). `StreamSender` is its shell on the connection's loop.
///
/// - A batch takes records until it holds `maxBytesPerTurn` (it may pass it by one record),
///   so one replica catching up cannot hold its event loop from the other connections.
/// - More is sent in a later loop turn only while records are ready and the socket takes
///   them; otherwise the socket's writability, or the next write, resumes the stream.
/// - Idle for `heartbeatInterval`: a heartbeat, so the replica can tell a quiet primary from
///   a dead one, and knows the primary's LSN; it asks for an ack while a WAIT is blocked.
public struct StreamPacing<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration, Instant: Sendable {
    /// What a heartbeat tick decided.
    public enum Heartbeat: Hashable, Sendable {
        /// Send a heartbeat frame; `askForAck` sets its "ack now" flag.
        case send(askForAck: Bool)
        /// Something was sent within the interval: nothing to do.
        case skip
    }

    /// The most one loop turn sends (one record may carry it past).
    public let maxBytesPerTurn: Int
    public let heartbeatInterval: Duration
    /// When a frame was last sent.
    public private(set) var lastSent: Instant

    public init(now: Instant, maxBytesPerTurn: Int = 1 << 20, heartbeatInterval: Duration = .milliseconds(100)) {
        self.lastSent = now
        self.maxBytesPerTurn = maxBytesPerTurn
        self.heartbeatInterval = heartbeatInterval
    }

    /// Whether a batch holding `bytes` takes another record.
    public func batchHasRoom(_ bytes: Int) -> Bool { bytes < maxBytesPerTurn }

    /// A batch (or a heartbeat) went out at `now`. Returns whether to send more in a later loop
    /// turn: records are still `ready` and the socket is still `writable`.
    public mutating func sent(now: Instant, ready: Bool = false, writable: Bool = true) -> Bool {
        lastSent = now
        return ready && writable
    }

    /// The heartbeat timer ticked at `now`; `waitBlocked` when a client is blocked in WAIT.
    public func onTick(now: Instant, waitBlocked: Bool) -> Heartbeat {
        lastSent.duration(to: now) >= heartbeatInterval ? .send(askForAck: waitBlocked) : .skip
    }
}
