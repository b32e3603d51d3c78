import KVCore

/// Records, heartbeats, ack batching and readiness.
extension ReplicaLink {
    mutating func heard(primaryLSN lsn: LSN, now: ReplicationInstant) {
        primaryLSN = max(primaryLSN ?? .zero, lsn)
        lastHeard = now
    }

    mutating func onRecordApplied(lsn: LSN, now: ReplicationInstant, into actions: inout [Action]) {
        guard case .streaming(_, _?) = state, lsn > appliedLSN else { return }
        appliedLSN = lsn
        heard(primaryLSN: lsn, now: now)
        // Batch: one ack per ack interval while records flow, the rest on the flush timer.
        guard !ackFlushPending else { return }
        if let last = lastAckAt, now - last < configuration.ackInterval {
            ackFlushPending = true
            actions.append(.scheduleTimer(after: configuration.ackInterval - (now - last), id: .ackFlush))
        } else {
            sendAckIfBehind(now: now, into: &actions)
        }
    }

    mutating func onHeartbeat(primaryLSN lsn: LSN, ackRequested: Bool, now: ReplicationInstant, into actions: inout [Action]) {
        guard case .streaming(_, _?) = state else { return }
        heard(primaryLSN: lsn, now: now)
        // WAIT is blocked on this answer: send at once, even if nothing changed.
        if ackRequested { sendAck(now: now, into: &actions) }
    }

    mutating func sendAckIfBehind(now: ReplicationInstant, into actions: inout [Action]) {
        guard case .streaming(_, _?) = state, appliedLSN > lastAckSent else { return }
        sendAck(now: now, into: &actions)
    }

    /// An ack of `appliedLSN` and, in the same command, the durable position (`ackedDurableLSN`).
    mutating func sendAck(now: ReplicationInstant, into actions: inout [Action]) {
        actions.append(.sendAck(appliedLSN))
        lastAckSent = appliedLSN
        lastDurableSent = ackedDurableLSN
        lastAckAt = now
    }

    /// What an ack reports as fsynced: never more than it reports applied.
    public var ackedDurableLSN: LSN { min(durableLSN, appliedLSN) }

    /// The local log fsynced more: report it at once when that moves what acks say (a WAITAOF
    /// on the primary may be waiting for it), even with nothing new applied.
    mutating func onLogDurable(lsn: LSN, now: ReplicationInstant, into actions: inout [Action]) {
        durableLSN = max(durableLSN, lsn)
        guard case .streaming(_, _?) = state, ackedDurableLSN > lastDurableSent else { return }
        sendAck(now: now, into: &actions)
    }

    /// The readiness the current position calls for.
    public func readiness(at now: ReplicationInstant) -> Readiness {
        if case .cuttingBack = state { return .repairingFork }
        guard history != nil, !isCloning else { return .noData }
        guard let primaryLSN, let lastHeard else { return .primaryUnknown }
        if let bound = configuration.maxStaleness, now - lastHeard > bound {
            return .stale(now - lastHeard)
        }
        let behind = primaryLSN > appliedLSN ? primaryLSN.rawValue - appliedLSN.rawValue : 0
        return behind > configuration.maxReadyLag ? .lagging(records: behind) : .caughtUp
    }

    var isCloning: Bool {
        if case .cloning = state { return true }
        if case .disconnected(_, true) = state { return true }
        return false
    }

    /// Emits `setReady` when readiness flips, and keeps a staleness timer armed while
    /// readiness depends on the passing of time alone.
    mutating func updateReadiness(now: ReplicationInstant, into actions: inout [Action]) {
        let readiness = readiness(at: now)
        let ready = readiness == .caughtUp
        if ready != isReady {
            isReady = ready
            actions.append(.setReady(ready, reason: readiness))
        }
        if ready, let bound = configuration.maxStaleness,
           !stalenessTimerPending, let lastHeard {
            stalenessTimerPending = true
            let due = lastHeard + bound + .milliseconds(1)
            actions.append(.scheduleTimer(after: due - now, id: .staleness))
        }
    }
}
