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
        if ackRequested {
            actions.append(.sendAck(appliedLSN))
            lastAckSent = appliedLSN
            lastAckAt = now
        }
    }

    mutating func sendAckIfBehind(now: ReplicationInstant, into actions: inout [Action]) {
        guard case .streaming(_, _?) = state, appliedLSN > lastAckSent else { return }
        actions.append(.sendAck(appliedLSN))
        lastAckSent = appliedLSN
        lastAckAt = now
    }

    /// The readiness the current position calls for.
    public func readiness(at now: ReplicationInstant) -> Readiness {
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
