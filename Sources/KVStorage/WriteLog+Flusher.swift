import KVCore

extension WriteLog {
    /// The open segment and the batch being written: shared by the flusher and threads calling
    /// `writeStaged`, guarded by `writer` (see the lock order on `WriteLog`).
    struct WriterState {
        var segment: OpenSegment
        /// Bytes taken from staging; `batch[..<batchWritten]` has reached the file.
        var batch: [UInt8] = []
        var batchWritten = 0
        var batchFirstLSN = LSN.zero
        var batchLastLSN = LSN.zero
        var written: LSN
        var durable: LSN
        /// Bytes of `segment` the last fsync covered (the segment's header when none has since
        /// it was created: `OpenSegment.create` fsyncs it). Every older segment was fsynced
        /// whole before the log rolled over, so these are the only bytes a machine crash can
        /// take back (`losePower`).
        var durableBytes: Int
        var lastSyncNanoseconds = MonotonicClock.nanoseconds()
        /// Set on the first failed fsync: from then on nothing is written (see `failure`).
        var syncFailed = false
        /// Set when the flusher has closed the segment file: nothing more is written.
        var stopped = false

        /// True after a failed write left bytes behind (a successful write writes them all).
        var hasUnwrittenBytes: Bool { batchWritten < batch.count }
        var isDirty: Bool { written > durable }

        init(segment: OpenSegment, written: LSN, durable: LSN) {
            self.segment = segment
            self.written = written
            self.durable = durable
            // Recovery fsyncs what it keeps; a new segment's header is fsynced when created.
            self.durableBytes = segment.size
        }
    }

    /// What the flusher does after one turn under the writer lock.
    private enum FlusherStep {
        case again
        case sleep(nanoseconds: Int64?)
        case stop
    }

    /// A failed write is retried after this long (or sooner if woken).
    static let retryNanoseconds: Int64 = 1_000_000_000
    /// The `everysec` cadence.
    static let everysecNanoseconds: Int64 = 1_000_000_000
    /// A batch buffer that grew past this is dropped rather than kept for reuse.
    static let batchCapacityToKeep = 16 << 20

    /// The flusher's loop: take staged bytes, write, fsync per policy, publish; sleep when idle.
    /// Each turn holds the writer lock; sleeping does not.
    func runFlusher() {
        while true {
            switch writer.withLock({ flusherTurn(&$0) }) {
            case .again: continue
            case let .sleep(nanoseconds): sleep(nanoseconds: nanoseconds)
            case .stop: return
            }
        }
    }

    private func flusherTurn(_ state: inout WriterState) -> FlusherStep {
        let closing = collect(&state, flusher: true)
        var progressed = false
        if state.hasUnwrittenBytes && !state.syncFailed {
            guard writeBatch(&state) else {
                if closing {  // the disk still refuses: give up, the failure is published
                    stop(&state)
                    return .stop
                }
                return .sleep(nanoseconds: Self.retryNanoseconds)
            }
            progressed = true
        }
        if needsSync(state, closing: closing) {
            sync(&state)
            progressed = true
        }
        if progressed {
            publish(state)
            return .again
        }
        if closing {
            stop(&state)
            return .stop
        }
        let cadence: Int64? = policy == .everysec && state.isDirty
            ? state.lastSyncNanoseconds + Self.everysecNanoseconds - MonotonicClock.nanoseconds()
            : nil
        return .sleep(nanoseconds: cadence)
    }

    /// The flusher's last act: fsync what is written, close the file, publish `stopped`.
    private func stop(_ state: inout WriterState) {
        if state.isDirty && !state.syncFailed { sync(&state) }
        state.segment.file.close()
        state.stopped = true
        positions.withLock { $0.stopped = true }
        publish(state)
    }

    /// Writes what is staged on the calling thread, now, unless another thread is writing;
    /// returns the log's progress afterwards.
    ///
    /// Under `everysec` and `no` a write is acknowledged once `write(2)` returns, so a caller
    /// that just appended records (an event loop at the end of a batch of commands) can call
    /// this and, when `acknowledged` covers its records, reply at once instead of waiting for
    /// the flusher thread to wake, write and report back.
    ///
    /// It never blocks behind the flusher: if the writer lock is taken (the flusher writing
    /// or fsyncing), it returns without writing and the flusher writes the records on its next
    /// turn. It never fsyncs either: fsyncs (the `everysec` cadence, segment rollover, requests
    /// from `waitUntilWritten`) stay on the flusher, which this wakes when there is one to
    /// schedule. Also left to the flusher: a batch that needs a new segment, the retries after
    /// a failed write, and everything under `always`, where the fsync dominates and group
    /// commit on the flusher is what batches writers — this then just returns `progress`.
    ///
    /// A write that fails is handled as on the flusher: the failure is published, nothing past
    /// it is acknowledged, and the flusher retries the kept bytes. Records reach the file in
    /// LSN order whichever thread writes them. The progress handler is called as after a
    /// flusher batch, on this thread. Do not call it from the progress handler.
    @discardableResult
    public func writeStaged() -> LogProgress {
        guard policy != .always else { return progress }
        enum Outcome { case busy, idle, wrote(LogProgress), wakeFlusher }
        let outcome = writer.withLockIfAvailable { state -> Outcome in
            // A failed write's kept bytes are retried by the flusher on its cadence.
            guard !state.stopped, !state.syncFailed, !state.hasUnwrittenBytes else { return .idle }
            // Rolling over fsyncs the full segment: the flusher's job.
            guard state.segment.size < segmentBytes else { return .wakeFlusher }
            collect(&state, flusher: false)
            guard state.hasUnwrittenBytes else { return .idle }
            let wasClean = !state.isDirty
            guard writeBatch(&state) else { return .wakeFlusher }
            let progress = publish(state)
            // The log just became dirty: the flusher must (re)start its everysec countdown.
            return wasClean && policy == .everysec ? .wakeFlusher : .wrote(progress)
        } ?? .busy
        switch outcome {
        case let .wrote(progress): return progress
        case .wakeFlusher: ringDoorbell()
        case .busy:
            // The flusher holds the lock: it collects again before sleeping, unless it already
            // found the staging buffer empty and is about to sleep (appends inside
            // `writingInline` scopes did not wake it): then wake it.
            if staging.withLock({ $0.takeSleepingFlusher() }) { ringDoorbell() }
        case .idle: break
        }
        return progress
    }

    /// Runs `body`, whose appends (from any thread) do not wake the flusher, then writes what
    /// is staged on this thread as `writeStaged` does — or, if it cannot, wakes the flusher —
    /// and returns `body`'s result with the log's progress afterwards.
    ///
    /// This is the event loop's path under `everysec` and `no`: append the batch's records,
    /// write them, and reply at once if `acknowledged` covers them — the flusher thread stays
    /// asleep (until its next fsync is due). Under `always` it runs `body` and returns
    /// `progress`, leaving everything to the flusher.
    public func writingInline<R>(_ body: () throws -> R) rethrows -> (result: R, progress: LogProgress) {
        guard policy != .always else { return (try body(), progress) }
        staging.withLock { $0.inlineWriters += 1 }
        var ended = false
        defer { if !ended { endInlineScope() } }  // body threw: its records still get written
        let result = try body()
        ended = true
        return (result, endInlineScope())
    }

    /// Opens an inline scope that outlives one call: appends do not wake the flusher until
    /// `closeInlineScope()`. For a caller that batches several rounds of appends — an event
    /// loop writing once per turn — where `writingInline`'s closure does not fit. No-op under
    /// `always`. Every open must be matched by exactly one close.
    public func openInlineScope() {
        guard policy != .always else { return }
        staging.withLock { $0.inlineWriters += 1 }
    }

    /// Closes a scope from `openInlineScope()` and writes what is staged, as `writingInline`
    /// does at its end; returns the log's progress afterwards.
    public func closeInlineScope() -> LogProgress {
        guard policy != .always else { return progress }
        return endInlineScope()
    }

    /// Closes a `writingInline` scope. The count drops first, so that any record staged after
    /// the write below collects is either covered by another open scope or woke the flusher.
    private func endInlineScope() -> LogProgress {
        staging.withLock { $0.inlineWriters -= 1 }
        return writeStaged()
    }

    /// Moves staged bytes into the batch; returns whether the log is closing. When the flusher
    /// finds nothing to do it marks itself as sleeping, so that the next `append` wakes it.
    @discardableResult
    private func collect(_ state: inout WriterState, flusher: Bool) -> Bool {
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
            } else if flusher && !state.hasUnwrittenBytes {
                staging.flusherSleeping = true
            }
            return staging.closing
        }
    }

    /// Writes the rest of the batch, rolling over to a new segment first if the current one is
    /// full. Returns false (with the failure published) if the disk refused.
    private func writeBatch(_ state: inout WriterState) -> Bool {
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
    private func rollOver(_ state: inout WriterState) throws {
        if state.isDirty {
            sync(&state)
            if state.syncFailed { throw positions.withLock { $0.failure! } }
        }
        let next = try OpenSegment.create(in: directory, history: history, firstLSN: state.batchFirstLSN)
        state.segment.file.close()
        state.segment = next
        state.durableBytes = next.size
        segmentsCreated.add(1, ordering: .relaxed)
    }

    private func needsSync(_ state: WriterState, closing: Bool) -> Bool {
        guard state.isDirty, !state.syncFailed else { return false }
        if policy == .always || closing { return true }
        if positions.withLock({ $0.durableRequested }) > state.durable { return true }
        return policy == .everysec
            && MonotonicClock.nanoseconds() - state.lastSyncNanoseconds >= Self.everysecNanoseconds
    }

    /// One fsync covering every record written so far: that is the group commit.
    private func sync(_ state: inout WriterState) {
        let start = MonotonicClock.nanoseconds()
        do {
            try state.segment.file.sync()
            state.durable = state.written
            state.durableBytes = state.segment.size
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

    /// Publishes the writer's positions, wakes waiters, and calls the progress handler. Called
    /// with the writer lock held, so positions and handler calls come in order.
    @discardableResult
    private func publish(_ state: WriterState) -> LogProgress {
        let lastAssigned = self.lastAssigned
        let progress = positions.withLock { positions -> LogProgress in
            positions.written = state.written
            positions.durable = state.durable
            return makeProgress(lastAssigned: lastAssigned, positions)
        }
        positions.broadcast()
        progressHandler.withLock { $0 }?.call(progress)
        return progress
    }

    /// Sleeps until the doorbell rings or `nanoseconds` pass (forever when nil).
    private func sleep(nanoseconds: Int64?) {
        doorbell.withLock(waitingUntil: { $0 }, timeoutNanoseconds: nanoseconds.map { max(0, $0) }) { $0 = false }
    }
}
