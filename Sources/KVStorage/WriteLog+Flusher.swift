import KVCore

extension WriteLog {
    /// The flusher thread's own state; never shared, so unsynchronised.
    struct FlusherState {
        var segment: OpenSegment
        /// Bytes taken from staging; `batch[..<batchWritten]` has reached the file.
        var batch: [UInt8] = []
        var batchWritten = 0
        var batchFirstLSN = LSN.zero
        var batchLastLSN = LSN.zero
        var written: LSN
        var durable: LSN
        var lastSyncNanoseconds = MonotonicClock.nanoseconds()
        /// Set on the first failed fsync: from then on nothing is written (see `failure`).
        var syncFailed = false

        var hasUnwrittenBytes: Bool { batchWritten < batch.count }
        var isDirty: Bool { written > durable }
    }

    /// A failed write is retried after this long (or sooner if woken).
    static let retryNanoseconds: Int64 = 1_000_000_000
    /// The `everysec` cadence.
    static let everysecNanoseconds: Int64 = 1_000_000_000
    /// A batch buffer that grew past this is dropped rather than kept for reuse.
    static let batchCapacityToKeep = 16 << 20

    /// The flusher's loop: take staged bytes, write, fsync per policy, publish; sleep when idle.
    func runFlusher(segment: OpenSegment) {
        let start = positions.withLock { $0.written }
        var state = FlusherState(segment: segment, written: start, durable: start)
        while true {
            let closing = collect(&state)
            var progressed = false
            if state.hasUnwrittenBytes && !state.syncFailed {
                guard writeBatch(&state) else {
                    if closing { break }  // the disk still refuses: give up, the failure is published
                    sleep(nanoseconds: Self.retryNanoseconds)
                    continue
                }
                progressed = true
            }
            if needsSync(state, closing: closing) {
                sync(&state)
                progressed = true
            }
            if progressed {
                publish(state)
                continue
            }
            if closing { break }
            let cadence: Int64? = policy == .everysec && state.isDirty
                ? state.lastSyncNanoseconds + Self.everysecNanoseconds - MonotonicClock.nanoseconds()
                : nil
            sleep(nanoseconds: cadence)
        }
        if state.isDirty && !state.syncFailed { sync(&state) }
        state.segment.file.close()
        positions.withLock { $0.stopped = true }
        publish(state)
    }

    /// Moves staged bytes into the batch; returns whether the log is closing. When there is
    /// nothing to do it marks the flusher as sleeping, so that the next `append` wakes it.
    private func collect(_ state: inout FlusherState) -> Bool {
        staging.withLock { staging in
            guard !state.syncFailed else { return staging.closing }
            if !staging.buffer.isEmpty {
                if state.hasUnwrittenBytes {
                    // A failed write left bytes behind: the new records go after them.
                    state.batch.append(contentsOf: staging.buffer)
                    staging.buffer.removeAll(keepingCapacity: true)
                } else {
                    // Double buffering: staging gets the drained batch buffer back, capacity and all.
                    state.batch.removeAll(keepingCapacity: state.batch.capacity <= Self.batchCapacityToKeep)
                    swap(&state.batch, &staging.buffer)
                    state.batchWritten = 0
                    state.batchFirstLSN = staging.firstLSN
                }
                state.batchLastLSN = staging.lastAssigned
            } else if !state.hasUnwrittenBytes {
                staging.flusherSleeping = true
            }
            return staging.closing
        }
    }

    /// Writes the rest of the batch, rolling over to a new segment first if the current one is
    /// full. Returns false (with the failure published) if the disk refused.
    private func writeBatch(_ state: inout FlusherState) -> Bool {
        do {
            if state.batchWritten == 0 && state.segment.size >= segmentBytes {
                try rollOver(&state)
            }
            let before = state.batchWritten
            defer {
                state.segment.size += state.batchWritten - before
                bytesWritten.add(UInt64(state.batchWritten - before), ordering: .relaxed)
            }
            try state.batch.withUnsafeBytes { try state.segment.file.write($0, written: &state.batchWritten) }
            state.written = state.batchLastLSN
            positions.withLock { positions in
                if !state.syncFailed { positions.failure = nil }  // a retry succeeded
            }
            return true
        } catch {
            let failure = error as? StorageError ?? StorageError(.io, "\(error)", path: state.segment.file.path)
            positions.withLock { $0.failure = failure }
            publish(state)
            return false
        }
    }

    /// Closes the full segment (fsynced, so that `durable` can keep meaning "everything up to
    /// here, in every segment") and opens the next, named by the batch's first LSN.
    private func rollOver(_ state: inout FlusherState) throws {
        if state.isDirty {
            sync(&state)
            if state.syncFailed { throw positions.withLock { $0.failure! } }
        }
        let next = try OpenSegment.create(in: directory, history: history, firstLSN: state.batchFirstLSN)
        state.segment.file.close()
        state.segment = next
        segmentsCreated.add(1, ordering: .relaxed)
    }

    private func needsSync(_ state: FlusherState, closing: Bool) -> Bool {
        guard state.isDirty, !state.syncFailed else { return false }
        if policy == .always || closing { return true }
        if positions.withLock({ $0.durableRequested }) > state.durable { return true }
        return policy == .everysec
            && MonotonicClock.nanoseconds() - state.lastSyncNanoseconds >= Self.everysecNanoseconds
    }

    /// One fsync covering every record written so far: that is the group commit.
    private func sync(_ state: inout FlusherState) {
        let start = MonotonicClock.nanoseconds()
        do {
            try state.segment.file.sync()
            state.durable = state.written
        } catch {
            state.syncFailed = true
            let failure = error as? StorageError ?? StorageError(.io, "\(error)", path: state.segment.file.path)
            positions.withLock { $0.failure = failure }
        }
        let end = MonotonicClock.nanoseconds()
        state.lastSyncNanoseconds = end
        let micros = UInt64(max(0, end - start) / 1000)
        fsyncCount.add(1, ordering: .relaxed)
        fsyncMicrosecondsTotal.add(micros, ordering: .relaxed)
        fsyncMicrosecondsLast.store(micros, ordering: .relaxed)
    }

    /// Publishes the flusher's positions, wakes waiters, and calls the progress handler.
    private func publish(_ state: FlusherState) {
        let lastAssigned = self.lastAssigned
        let progress = positions.withLock { positions -> LogProgress in
            positions.written = state.written
            positions.durable = state.durable
            return makeProgress(lastAssigned: lastAssigned, positions)
        }
        positions.broadcast()
        progressHandler.withLock { $0 }?(progress)
    }

    /// Sleeps until the doorbell rings or `nanoseconds` pass (forever when nil).
    private func sleep(nanoseconds: Int64?) {
        doorbell.withLock(waitingUntil: { $0 }, timeoutNanoseconds: nanoseconds.map { max(0, $0) }) { $0 = false }
    }
}
