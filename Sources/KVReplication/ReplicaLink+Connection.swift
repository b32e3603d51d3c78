import KVCore

/// Clone, stream and reconnect decisions.
extension ReplicaLink {
    mutating func onStart(history: HistoryID?, lsn: LSN, now: ReplicationInstant, into actions: inout [Action]) {
        guard case .idle = state else { return }
        self.history = history
        self.appliedLSN = lsn
        self.lastAckSent = lsn
        self.durableLSN = lsn  // recovery fsyncs what it keeps
        // The link is down until a stream runs, so staleness counts from the start.
        linkDownSince = now
        if history == nil {
            beginClone(now: now, into: &actions)
        } else {
            connectStream(into: &actions)
        }
    }

    /// Enters cloning from the configured source, arming the fallback to the primary.
    mutating func beginClone(now: ReplicationInstant, into actions: inout [Action]) {
        cloneSource = configuration.cloneSource ?? configuration.primary
        if cloneSource != configuration.primary {
            cloneDeadline = now + configuration.cloneTimeout
            actions.append(.scheduleTimer(after: configuration.cloneTimeout, id: .cloneFallback))
        } else {
            cloneDeadline = nil
        }
        connectClone(into: &actions)
    }

    mutating func connectClone(into actions: inout [Action]) {
        state = .cloning(source: cloneSource, accepted: false)
        actions.append(.log(.cloneRequested(source: cloneSource)))
        actions.append(.connect(.clone(source: cloneSource)))
    }

    mutating func connectStream(into actions: inout [Action]) {
        guard let history else { return }
        state = .streaming(primary: configuration.primary, since: nil)
        actions.append(.connect(.stream(primary: configuration.primary, history: history, after: appliedLSN)))
    }

    /// Waits out the next backoff delay, then reconnects (`timerFired(.reconnect)`).
    mutating func retryLater(clone: Bool, now: ReplicationInstant) -> Duration {
        let delay = backoff.next()
        state = .disconnected(retryAt: now + delay, clone: clone)
        return delay
    }

    mutating func onConnectFailed(reason: String, now: ReplicationInstant, into actions: inout [Action]) {
        let address: PeerAddress
        let clone: Bool
        switch state {
        case .cloning(let source, false): (address, clone) = (source, true)
        case .streaming(let primary, nil): (address, clone) = (primary, false)
        default: return  // no connection attempt pending
        }
        let delay = retryLater(clone: clone, now: now)
        actions.append(.log(.connectFailed(address, reason: reason, retryIn: delay)))
        actions.append(.scheduleTimer(after: delay, id: .reconnect))
    }

    mutating func onCloneAccepted(history: HistoryID, lsn: LSN, into actions: inout [Action]) {
        guard case .cloning(let source, false) = state else { return }
        state = .cloning(source: source, accepted: true)
        // A clone that started is not abandoned for the primary.
        cloneDeadline = nil
        pendingClone = (history, lsn)
        actions.append(.log(.cloneStarted(source: source, history: history, lsn: lsn)))
    }

    mutating func onCloneFinished(now: ReplicationInstant, into actions: inout [Action]) {
        guard case .cloning(_, true) = state, let clone = pendingClone else { return }
        pendingClone = nil
        history = clone.history
        appliedLSN = clone.lsn
        lastAckSent = clone.lsn
        durableLSN = clone.lsn  // a clone is fsynced before it is installed
        backoff.reset()
        // Install (persist) before asking for the stream after it.
        actions.append(.installClone(history: clone.history, lsn: clone.lsn))
        actions.append(.log(.cloneInstalled(history: clone.history, lsn: clone.lsn)))
        connectStream(into: &actions)
    }

    mutating func onCloneFailed(reason: String, now: ReplicationInstant, into actions: inout [Action]) {
        guard case .cloning(let source, let accepted) = state else { return }
        pendingClone = nil
        if accepted, source != configuration.primary {
            // The source got going once; give it another full timeout before falling back.
            cloneDeadline = now + configuration.cloneTimeout
            actions.append(.scheduleTimer(after: configuration.cloneTimeout, id: .cloneFallback))
        }
        let delay = retryLater(clone: true, now: now)
        actions.append(.log(.cloneFailed(source: source, reason: reason)))
        actions.append(.scheduleTimer(after: delay, id: .reconnect))
    }

    mutating func onStreamAccepted(history: HistoryID, primaryLSN: LSN, now: ReplicationInstant, into actions: inout [Action]) {
        guard case .streaming(let primary, nil) = state else { return }
        state = .streaming(primary: primary, since: now)
        heard(primaryLSN: primaryLSN, now: now)
        linkDownSince = nil
        actions.append(.log(.streamConnected(primary: primary, after: appliedLSN, primaryLSN: primaryLSN)))
    }

    mutating func onResync(_ reason: ResyncReason, now: ReplicationInstant, into actions: inout [Action]) {
        guard case .streaming = state else { return }
        // A fork with a common prefix: cut back to it and stream on, rather than clone anew
        // (the shell re-clones when the snapshot lies past the fork: `cutBackFailed`).
        if case let .fork(lsn) = reason, lsn > .zero {
            actions.append(.log(.fork(at: lsn, applied: appliedLSN)))
            actions.append(.closeConnection)
            state = .cuttingBack(to: lsn)
            actions.append(.cutBack(to: lsn))
            return
        }
        wipeAndReclone(reason, now: now, into: &actions)
    }

    mutating func onCutBackFinished(lsn: LSN, now: ReplicationInstant, into actions: inout [Action]) {
        guard case .cuttingBack = state else { return }
        appliedLSN = lsn
        lastAckSent = lsn
        durableLSN = min(durableLSN, lsn)
        lastDurableSent = min(lastDurableSent, lsn)
        actions.append(.log(.cutBack(to: lsn)))
        connectStream(into: &actions)
    }

    mutating func onCutBackFailed(reason: String, now: ReplicationInstant, into actions: inout [Action]) {
        guard case let .cuttingBack(lsn) = state else { return }
        actions.append(.log(.cutBackFailed(reason: reason)))
        wipeAndReclone(.fork(at: lsn), now: now, into: &actions)
    }

    mutating func wipeAndReclone(_ reason: ResyncReason, now: ReplicationInstant, into actions: inout [Action]) {
        history = nil
        appliedLSN = .zero
        lastAckSent = .zero
        durableLSN = .zero
        lastDurableSent = .zero
        primaryLSN = nil
        actions.append(.log(.resync(reason)))
        actions.append(.closeConnection)
        actions.append(.wipeAndReclone(reason))
        beginClone(now: now, into: &actions)
    }

    mutating func onDisconnected(now: ReplicationInstant, into actions: inout [Action]) {
        switch state {
        case .streaming(_, let since?):
            let ranFor = now - since
            if ranFor >= configuration.backoffResetAfter { backoff.reset() }
            linkDownSince = now
            ackFlushPending = false
            let delay = retryLater(clone: false, now: now)
            actions.append(.log(.streamDisconnected(ranFor: ranFor, retryIn: delay)))
            actions.append(.scheduleTimer(after: delay, id: .reconnect))
        case .streaming(_, nil):
            onConnectFailed(reason: "closed before answering", now: now, into: &actions)
        case .cloning:
            onCloneFailed(reason: "connection closed", now: now, into: &actions)
        case .idle, .disconnected, .cuttingBack:
            break
        }
    }

    mutating func onTimer(_ id: TimerID, now: ReplicationInstant, into actions: inout [Action]) {
        switch id {
        case .reconnect:
            guard case .disconnected(let retryAt, let clone) = state, now >= retryAt else { return }
            if clone { connectClone(into: &actions) } else { connectStream(into: &actions) }
        case .cloneFallback:
            guard let deadline = cloneDeadline, now >= deadline else { return }
            cloneDeadline = nil
            let from = cloneSource
            cloneSource = configuration.primary
            actions.append(.log(.cloneSourceFallback(from: from, to: cloneSource)))
            // The primary is a fresh peer: ask it at once, not after the source's backoff.
            switch state {
            case .cloning(_, false):
                actions.append(.closeConnection)
            case .disconnected(_, true):
                break
            default:
                return
            }
            backoff.reset()
            connectClone(into: &actions)
        case .ackFlush:
            ackFlushPending = false
            sendAckIfBehind(now: now, into: &actions)
        case .staleness:
            stalenessTimerPending = false  // updateReadiness re-arms it if still needed
        }
    }
}
