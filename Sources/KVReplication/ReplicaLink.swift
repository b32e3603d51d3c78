import KVCore

/// The replica side of replication as a sans-IO state machine: clones, streams, acks,
/// reconnects and readiness, decided from events and instants the shell passes in.
///
/// `idle → cloning(source) → streaming(primary) ↔ disconnected(backoff)`, and back to
/// cloning (after a wipe) from anywhere on `-KVRESYNC`. There is at most one replication
/// connection at a time; the shell reports `disconnected` for an open stream and the end of a
/// clone connection as `cloneFinished` / `cloneFailed`.
public struct ReplicaLink: Sendable {
    /// The knobs from the command line.
    public struct Configuration: Hashable, Sendable {
        /// The primary (kv-0).
        public var primary: PeerAddress
        /// Where to clone from first; the primary when nil.
        public var cloneSource: PeerAddress?
        /// `--clone-timeout`: how long to try the clone source before cloning from the primary.
        public var cloneTimeout: Duration = .seconds(10)
        /// Reconnect delays.
        public var backoff = Backoff()
        /// A stream that ran this long resets the backoff.
        public var backoffResetAfter: Duration = .seconds(10)
        /// Acks go out at most this often while records flow.
        public var ackInterval: Duration = .milliseconds(10)
        /// `--max-ready-lag`, in records.
        public var maxReadyLag: UInt64 = 1000
        /// `--max-staleness`: unready after this long without news from the primary; off when nil.
        public var maxStaleness: Duration?

        public init(primary: PeerAddress, cloneSource: PeerAddress? = nil) {
            self.primary = primary
            self.cloneSource = cloneSource
        }
    }

    /// Where the link is.
    public enum State: Hashable, Sendable {
        /// Not started.
        case idle
        /// Asking `source` for a clone; `accepted` once it answered `+CLONE`.
        case cloning(source: PeerAddress, accepted: Bool)
        /// Connected (or connecting) to the primary; `since` is set once it answered `+STREAM`.
        case streaming(primary: PeerAddress, since: ReplicationInstant?)
        /// Waiting out a backoff before reconnecting; `clone` says which connection comes next.
        case disconnected(retryAt: ReplicationInstant, clone: Bool)
        /// The local log forked from the primary's after `to` (`-KVRESYNC fork`): the shell cuts
        /// it back there and rebuilds the data from the snapshot and the log, then streams.
        case cuttingBack(to: LSN)
    }

    /// What the shell observed.
    public enum Event: Hashable, Sendable {
        /// The process started with this local data (`history` nil: empty data dir).
        case start(history: HistoryID?, lsn: LSN)
        /// The connection asked for opened (the request is being sent).
        case connected
        /// The connection could not be opened, or the peer refused (`-KVNOTREADY`).
        case connectFailed(reason: String)
        /// `+CLONE <history> <lsn> …`: the snapshot follows.
        case cloneAccepted(history: HistoryID, lsn: LSN)
        /// The snapshot arrived whole and its trailer verified (in `clone.kvs.tmp`).
        case cloneFinished
        /// The clone connection broke or the snapshot did not verify.
        case cloneFailed(reason: String)
        /// `+STREAM <history> <primary-lsn>`.
        case streamAccepted(history: HistoryID, primaryLSN: LSN)
        /// `-KVRESYNC …`.
        case resyncRequired(ResyncReason)
        /// The log was cut back and the data rebuilt; the data now ends at `lsn`.
        case cutBackFinished(lsn: LSN)
        /// The log could not be cut back (a snapshot lies past the fork, a file did not
        /// verify): the data must be re-cloned.
        case cutBackFailed(reason: String)
        /// A streamed record was applied (and persisted) locally.
        case recordApplied(lsn: LSN, primaryTime: UnixMillis)
        /// A heartbeat frame.
        case heartbeat(primaryLSN: LSN, primaryTime: UnixMillis, ackRequested: Bool)
        /// The local log fsynced every record up to `lsn` (WAITAOF counts this replica once it
        /// reports it).
        case logDurable(lsn: LSN)
        /// The stream connection closed.
        case disconnected
        /// A timer scheduled with `scheduleTimer` is due.
        case timerFired(TimerID)
    }

    public let configuration: Configuration
    /// Where the link is.
    public internal(set) var state: State = .idle
    /// The history of the local data; nil while there is none (empty, or wiped for a re-clone).
    public internal(set) var history: HistoryID?
    /// The last LSN applied locally.
    public internal(set) var appliedLSN: LSN = .zero
    /// The last LSN the local log fsynced (`logDurable`); acks report it, capped at `appliedLSN`.
    public internal(set) var durableLSN: LSN = .zero
    /// The primary's LSN as last heard (stream answer, record or heartbeat).
    public internal(set) var primaryLSN: LSN?
    /// When the primary was last heard from.
    public internal(set) var lastHeard: ReplicationInstant?
    /// Since when the stream is down (`master_link_down_since`); nil while it is up.
    public internal(set) var linkDownSince: ReplicationInstant?
    /// Whether `/readyz` is currently 200.
    public internal(set) var isReady = false

    var backoff: Backoff
    /// The clone source in use (switches to the primary after the clone timeout).
    var cloneSource: PeerAddress
    /// When to give up on the clone source; nil once a clone started or after falling back.
    var cloneDeadline: ReplicationInstant?
    /// The clone being received (from `+CLONE`), installed on `cloneFinished`.
    var pendingClone: (history: HistoryID, lsn: LSN)?
    var lastAckSent: LSN = .zero
    /// The durable LSN the last ack reported.
    var lastDurableSent: LSN = .zero
    var lastAckAt: ReplicationInstant?
    var ackFlushPending = false
    var stalenessTimerPending = false

    public init(configuration: Configuration) {
        self.configuration = configuration
        self.backoff = configuration.backoff
        self.cloneSource = configuration.cloneSource ?? configuration.primary
    }

    /// Feeds one event; returns what the shell must do, in order.
    public mutating func on(_ event: Event, at now: ReplicationInstant) -> [Action] {
        var actions: [Action] = []
        switch event {
        case .start(let history, let lsn): onStart(history: history, lsn: lsn, now: now, into: &actions)
        case .connected: break  // nothing to decide until the peer answers
        case .connectFailed(let reason): onConnectFailed(reason: reason, now: now, into: &actions)
        case .cloneAccepted(let history, let lsn): onCloneAccepted(history: history, lsn: lsn, into: &actions)
        case .cloneFinished: onCloneFinished(now: now, into: &actions)
        case .cloneFailed(let reason): onCloneFailed(reason: reason, now: now, into: &actions)
        case .streamAccepted(let history, let lsn): onStreamAccepted(history: history, primaryLSN: lsn, now: now, into: &actions)
        case .resyncRequired(let reason): onResync(reason, now: now, into: &actions)
        case .cutBackFinished(let lsn): onCutBackFinished(lsn: lsn, now: now, into: &actions)
        case .cutBackFailed(let reason): onCutBackFailed(reason: reason, now: now, into: &actions)
        case .recordApplied(let lsn, _): onRecordApplied(lsn: lsn, now: now, into: &actions)
        case .heartbeat(let lsn, _, let ackRequested): onHeartbeat(primaryLSN: lsn, ackRequested: ackRequested, now: now, into: &actions)
        case .logDurable(let lsn): onLogDurable(lsn: lsn, now: now, into: &actions)
        case .disconnected: onDisconnected(now: now, into: &actions)
        case .timerFired(let id): onTimer(id, now: now, into: &actions)
        }
        updateReadiness(now: now, into: &actions)
        return actions
    }

    /// How long the primary has not been heard from (`master_link_down_since_seconds`,
    /// `KV-Staleness`); zero while the stream is up.
    public func staleness(at now: ReplicationInstant) -> Duration? {
        guard linkDownSince != nil else { return lastHeard == nil ? nil : .zero }
        return lastHeard.map { now - $0 } ?? linkDownSince.map { now - $0 }
    }
}
