import KVCore

extension ReplicaLink {
    /// Which connection to open, and what to ask on it.
    public enum ConnectRequest: Hashable, Sendable {
        /// Send `KV.CLONE` to a clone source (any pod).
        case clone(source: PeerAddress)
        /// Send `KV.STREAM <history> <after> <pod-name>` to the primary.
        case stream(primary: PeerAddress, history: HistoryID, after: LSN)
    }

    /// The timers a link keeps; scheduling one replaces the pending timer with the same id.
    public enum TimerID: Hashable, Sendable {
        /// Retry the connection after a backoff.
        case reconnect
        /// Send the batched ack.
        case ackFlush
        /// Give up on the clone source and clone from the primary.
        case cloneFallback
        /// Re-check readiness when `maxStaleness` may have passed without news.
        case staleness
    }

    /// What the shell must do, in order (earlier actions first: install before stream,
    /// wipe before clone).
    public enum Action: Hashable, Sendable {
        /// Open a connection (closing any open one first) and send the request.
        case connect(ConnectRequest)
        /// Close the current replication connection.
        case closeConnection
        /// Verify and install the received clone (`snapshots/clone.kvs.tmp`) as the local data.
        case installClone(history: HistoryID, lsn: LSN)
        /// Wipe the local data (history, snapshots, log); a `connect(.clone)` follows.
        case wipeAndReclone(ResyncReason)
        /// Cut the local log back to end at this LSN and rebuild the data from the snapshot and
        /// the log (the replica stays on its history); report `cutBackFinished` or
        /// `cutBackFailed`.
        case cutBack(to: LSN)
        /// Send `KV.ACK <lsn>` on the stream connection.
        case sendAck(LSN)
        /// Call `timerFired(id)` after `after`; replaces a pending timer with the same id.
        case scheduleTimer(after: Duration, id: TimerID)
        /// Change `/readyz`; the replica keeps serving reads either way.
        case setReady(Bool, reason: Readiness)
        /// Write one log line.
        case log(LinkEvent)
    }

    /// Why the replica is (not) ready.
    public enum Readiness: Hashable, Sendable, CustomStringConvertible {
        /// Clone installed and within `maxReadyLag` of the primary.
        case caughtUp
        /// No data of the primary's history yet (cloning).
        case noData
        /// Has data, but has not heard the primary's LSN yet.
        case primaryUnknown
        /// Further behind the primary's last known LSN than `maxReadyLag`.
        case lagging(records: UInt64)
        /// Has not heard from the primary for longer than `maxStaleness`.
        case stale(Duration)
        /// Its log forked from the primary's; it is being cut back (what it serves meanwhile
        /// holds writes the primary lost).
        case repairingFork

        public var description: String {
            switch self {
            case .caughtUp: "caught up"
            case .noData: "no data (cloning)"
            case .primaryUnknown: "primary LSN not known yet"
            case .lagging(let records): "lagging \(records) records"
            case .stale(let duration): "no news from the primary for \(duration)"
            case .repairingFork: "cutting back a forked log"
            }
        }
    }

    /// One log line's worth of what happened (SPEC: clone progress, stream connect/disconnect,
    /// resync).
    public enum LinkEvent: Hashable, Sendable, CustomStringConvertible {
        case cloneRequested(source: PeerAddress)
        case cloneStarted(source: PeerAddress, history: HistoryID, lsn: LSN)
        case cloneInstalled(history: HistoryID, lsn: LSN)
        case cloneFailed(source: PeerAddress, reason: String)
        case cloneSourceFallback(from: PeerAddress, to: PeerAddress)
        case connectFailed(PeerAddress, reason: String, retryIn: Duration)
        case streamConnected(primary: PeerAddress, after: LSN, primaryLSN: LSN)
        case streamDisconnected(ranFor: Duration, retryIn: Duration)
        case resync(ResyncReason)
        case fork(at: LSN, applied: LSN)
        case cutBack(to: LSN)
        case cutBackFailed(reason: String)

        public var description: String {
            switch self {
            case .cloneRequested(let source): "clone requested from \(source)"
            case .cloneStarted(let source, let history, let lsn): "clone started from \(source): history \(history) lsn \(lsn)"
            case .cloneInstalled(let history, let lsn): "clone installed: history \(history) lsn \(lsn)"
            case .cloneFailed(let source, let reason): "clone from \(source) failed: \(reason)"
            case .cloneSourceFallback(let from, let to): "clone source \(from) unavailable, cloning from \(to)"
            case .connectFailed(let address, let reason, let delay): "connect to \(address) failed: \(reason); retry in \(delay)"
            case .streamConnected(let primary, let after, let lsn): "stream connected to \(primary) after lsn \(after), primary lsn \(lsn)"
            case .streamDisconnected(let ran, let delay): "stream disconnected after \(ran); retry in \(delay)"
            case .resync(let reason): "resync required (\(reason)): wiping data and re-cloning"
            case .fork(let lsn, let applied):
                "resync required (fork \(lsn)): this replica's log forked from the primary's after LSN \(lsn); "
                    + "cutting it back from LSN \(applied), discarding \(applied.rawValue - min(lsn.rawValue, applied.rawValue)) records"
            case .cutBack(let lsn): "log cut back to LSN \(lsn) and data rebuilt: streaming from there"
            case .cutBackFailed(let reason): "cutting the log back failed (\(reason)): wiping data and re-cloning"
            }
        }
    }
}
