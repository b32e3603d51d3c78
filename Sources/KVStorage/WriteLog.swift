import KVCore
import Synchronization

/// The primary's (and a replica's) durable write log: records go in through `append`, are
/// written to segment files by a dedicated flusher thread (with group commit) or, under
/// `everysec` and `no`, by the appending thread itself through `writeStaged`, and progress
/// comes back through the progress handler.
///
/// Threads and locks:
/// - `append` runs on the caller's thread while the caller holds the store's lock, so LSN order
///   is apply order. It only encodes into the in-memory staging buffer under `staging` (a
///   `Mutex` held for one record's encoding) — no syscall, unless the flusher is asleep and
///   must be woken (and not even then inside a `writingInline` scope, whose end writes).
/// - `writer` guards the open segment file and the batch being written. Whoever holds it
///   swaps the staging buffer for an empty one, writes it, publishes positions under
///   `positions` and calls the progress handler, all before releasing it — so records reach
///   the file in LSN order and positions and progress reports only move forward, whichever
///   thread writes. The flusher thread takes it for each turn (write, fsync per the policy,
///   rollover); `writeStaged` only *tries* it, so a caller never waits behind an fsync, and
///   never fsyncs.
/// - `positions` (a mutex with a condition variable) also lets `waitUntilWritten` sleep until
///   a position is reached.
/// - Counters are atomics, read without locks.
///
/// Lock order: `writer` → `staging` → `positions` → `progressHandler` (each taken and
/// released inside the one before; `staging` and `positions` are never held together —
/// `publish` reads `lastAssigned` before taking `positions`). `append`, `progress`,
/// `waitUntilWritten` and `close` never take `writer`, and nobody sleeps on the `doorbell` or
/// `positions` condition while holding another lock; so no cycle, no deadlock. The progress
/// handler runs with `writer` held: it must not call `writeStaged`, `waitUntilWritten` or
/// `close`.
public final class WriteLog: Sendable {
    /// The data directory the log writes into.
    public let directory: DataDirectory
    /// The history every segment of this log carries.
    public let history: HistoryID
    /// When the flusher fsyncs.
    public let policy: FsyncPolicy
    /// Size at which the log starts a new segment (checked between batches, so a segment
    /// may exceed it by one batch).
    public let segmentBytes: Int

    /// What `append` and the flusher hand each other; guarded by the mutex.
    struct Staging {
        /// Encoded records not yet taken by a writer (the flusher or `writeStaged`).
        var buffer: [UInt8] = []
        /// LSN of the first record in `buffer` (meaningful when it is not empty).
        var firstLSN = LSN.zero
        var lastAssigned: LSN
        var recordsAppended: UInt64 = 0
        var bytesAppended: UInt64 = 0
        /// Set by the flusher when it found nothing to do and is about to sleep: the next
        /// `append` must ring the doorbell. While the flusher is busy, appends need not: it
        /// collects again before sleeping.
        var flusherSleeping = false
        /// Open `writingInline` scopes: while any is open, appends need not wake the flusher,
        /// because the scope's end writes what is staged or wakes it.
        var inlineWriters = 0
        /// Set by `close()`: the flusher drains, fsyncs and exits.
        var closing = false
    }

    /// What the writer publishes; guarded by the lock, waited on by `waitUntilWritten`.
    struct Positions {
        var written: LSN
        var durable: LSN
        var failure: StorageError?
        /// An fsync up to here was asked for by a waiter (policies other than `always`).
        var durableRequested = LSN.zero
        /// The flusher has exited.
        var stopped = false
    }

    let staging: KVMutex<Staging>
    /// The open segment and the batch being written (see `WriterState`).
    let writer: KVMutex<WriterState>
    let positions: ConditionLock<Positions>
    /// Rung (set true, signalled) to wake a sleeping flusher.
    let doorbell = ConditionLock(false)
    /// Boxed, not a bare closure: a function value kept in a `Mutex` and read through its
    /// `inout` access came back wrapped in one more reabstraction thunk per read, so every
    /// call went through a longer chain of thunks (it took half the flusher's CPU after a few
    /// seconds of load).
    let progressHandler = KVMutex<ProgressHandler?>(nil)

    final class ProgressHandler: Sendable {
        let call: @Sendable (LogProgress) -> Void
        init(_ call: @escaping @Sendable (LogProgress) -> Void) { self.call = call }
    }
    let thread = KVMutex<FlusherThread?>(nil)

    let bytesWritten = Atomic<UInt64>(0)
    let fsyncCount = Atomic<UInt64>(0)
    let fsyncMicrosecondsTotal = Atomic<UInt64>(0)
    let fsyncMicrosecondsLast = Atomic<UInt64>(0)
    let segmentsCreated = Atomic<UInt64>(0)
    /// `bytesAppended` when the latest snapshot was taken.
    let bytesAppendedAtSnapshot = Atomic<UInt64>(0)
    let snapshotLSN: Atomic<UInt64>

    /// Opens the log to continue after `lastLSN`: appends to `segment` (an existing segment
    /// whose records end at `lastLSN`), or to a new segment starting at `lastLSN + 1`.
    /// Normally called by `Recovery.open`, which decides which.
    init(directory: DataDirectory, history: HistoryID, policy: FsyncPolicy, segmentBytes: Int,
         lastLSN: LSN, snapshotLSN: LSN, reopening segment: OpenSegment?) throws {
        let first = try segment ?? OpenSegment.create(in: directory, history: history, firstLSN: lastLSN.next)
        self.directory = directory
        self.history = history
        self.policy = policy
        self.segmentBytes = max(segmentBytes, SegmentHeader.size + RecordCodec.frameHeaderSize)
        staging = KVMutex(Staging(lastAssigned: lastLSN))
        // Everything recovered from disk counts as written and durable: recovery fsyncs what
        // it keeps.
        positions = ConditionLock(Positions(written: lastLSN, durable: lastLSN))
        writer = KVMutex(WriterState(segment: first, written: lastLSN, durable: lastLSN))
        self.snapshotLSN = Atomic(snapshotLSN.rawValue)
        if segment == nil { segmentsCreated.add(1, ordering: .relaxed) }
        let started = FlusherThread.start(name: "kv-log-flusher") { [self] in
            runFlusher()
        }
        thread.withLock { $0 = started }
    }

    /// Assigns the next LSN to a write and stages its record; returns the LSN.
    ///
    /// Call it while holding the store's lock, right after applying the operations, so that
    /// LSN order is apply order. It does not wait for the disk: the write may be acknowledged
    /// once the progress handler reports `acknowledged >= lsn`. Appends after `close()` get an
    /// LSN but are never written.
    @discardableResult
    public func append(timestamp: UnixMillis, operations: [WriteOperation]) -> LSN {
        appendRecords(timestamp: timestamp, operations: operations)
    }

    /// How many records (LSNs) `append` will take for `operations`: one, unless they pass
    /// the record bound (see `RecordCodec.parts`).
    public static func recordCount(for operations: [WriteOperation]) -> Int {
        RecordCodec.parts(of: operations)?.count ?? 1
    }

    private func appendRecords(timestamp: UnixMillis, operations: [WriteOperation]) -> LSN {
        let parts = RecordCodec.parts(of: operations)
        let (lsn, wake) = staging.withLock { staging -> (LSN, Bool) in
            if let parts {
                for part in parts { stage(lsn: staging.lastAssigned.next, timestamp: timestamp, operations: part, in: &staging) }
                return (staging.lastAssigned, staging.takeSleepingFlusherUnlessInline())
            }
            let lsn = staging.lastAssigned.next
            stage(lsn: lsn, timestamp: timestamp, operations: operations, in: &staging)
            return (lsn, staging.takeSleepingFlusherUnlessInline())
        }
        if wake { ringDoorbell() }
        return lsn
    }

    /// Stages a record that already has its LSN — a replica persisting what the primary sent.
    /// Throws `invalidArgument` unless `record.lsn` follows the last LSN of this log.
    public func append(_ record: LogRecord) throws {
        let bytes = RecordCodec.encode(record)
        try bytes.withUnsafeBytes { try append(encoded: $0, first: record.lsn, last: record.lsn, count: 1) }
    }

    /// Stages records that arrive already encoded — a replica persisting the primary's frames
    /// byte for byte. `bytes` holds `count` whole frames, LSNs `first` through `last` in order
    /// (the caller decoded and checked them). Throws `invalidArgument` unless `first` follows
    /// the last LSN of this log.
    public func append(encoded bytes: UnsafeRawBufferPointer, first: LSN, last: LSN, count: Int) throws {
        let wake = try staging.withLock { staging throws -> Bool in
            guard first == staging.lastAssigned.next, last.rawValue - first.rawValue + 1 == UInt64(count) else {
                throw StorageError(.invalidArgument,
                                   "records \(first)...\(last) do not follow the log's last LSN \(staging.lastAssigned)")
            }
            if staging.buffer.isEmpty { staging.firstLSN = first }
            staging.buffer.append(contentsOf: bytes)
            staging.lastAssigned = last
            staging.recordsAppended += UInt64(count)
            staging.bytesAppended += UInt64(bytes.count)
            return staging.takeSleepingFlusherUnlessInline()
        }
        if wake { ringDoorbell() }
    }

    private func stage(lsn: LSN, timestamp: UnixMillis, operations: [WriteOperation], in staging: inout Staging) {
        if staging.buffer.isEmpty { staging.firstLSN = lsn }
        let count = RecordCodec.encode(lsn: lsn, timestamp: timestamp, operations: operations, into: &staging.buffer)
        staging.lastAssigned = lsn
        staging.recordsAppended += 1
        staging.bytesAppended += UInt64(count)
    }

    /// Sets the closure called after each batch written or fsynced, after a failure, and once
    /// more when the flusher stops. It runs on the flusher thread, or on the thread calling
    /// `writeStaged` when that one wrote; never two at once, and in order. Keep it short:
    /// nothing more is written until it returns.
    public func setProgressHandler(_ handler: (@Sendable (LogProgress) -> Void)?) {
        let boxed = handler.map(ProgressHandler.init)
        progressHandler.withLock { $0 = boxed }
    }

    /// The log's current positions.
    public var progress: LogProgress {
        let lastAssigned = staging.withLock { $0.lastAssigned }
        return positions.withLock { makeProgress(lastAssigned: lastAssigned, $0) }
    }

    /// The last LSN handed out by `append`.
    public var lastAssigned: LSN { staging.withLock { $0.lastAssigned } }

    /// Why the log cannot write right now, or nil when it can. While set, nothing more is
    /// acknowledged; the server should refuse new writes. A failed write (disk full) is retried
    /// about once a second with the staged bytes kept in memory, and clears when a retry
    /// succeeds. A failed fsync never clears: after one, the kernel may have dropped the dirty
    /// pages, and retrying would report success for data that is gone — restart and recover.
    public var failure: StorageError? { positions.withLock { $0.failure } }

    /// How many fsyncs ran and how long the latest took, in microseconds: two atomic loads,
    /// cheap enough for the progress handler (LATENCY's fsync event).
    public var latestFsync: (count: UInt64, microseconds: UInt64) {
        (fsyncCount.load(ordering: .relaxed), fsyncMicrosecondsLast.load(ordering: .relaxed))
    }

    /// The counters, for metrics.
    public var statistics: WriteLogStatistics {
        let (records, bytes) = staging.withLock { ($0.recordsAppended, $0.bytesAppended) }
        return WriteLogStatistics(
            recordsAppended: records,
            bytesAppended: bytes,
            bytesWritten: bytesWritten.load(ordering: .relaxed),
            fsyncCount: fsyncCount.load(ordering: .relaxed),
            fsyncMicrosecondsTotal: fsyncMicrosecondsTotal.load(ordering: .relaxed),
            fsyncMicrosecondsLast: fsyncMicrosecondsLast.load(ordering: .relaxed),
            logBytesSinceSnapshot: bytes &- min(bytes, bytesAppendedAtSnapshot.load(ordering: .relaxed)),
            snapshotLSN: LSN(snapshotLSN.load(ordering: .relaxed)),
            segmentsCreated: segmentsCreated.load(ordering: .relaxed)
        )
    }

    func makeProgress(lastAssigned: LSN, _ positions: Positions) -> LogProgress {
        LogProgress(lastAssigned: lastAssigned, written: positions.written, durable: positions.durable,
                    acknowledged: policy == .always ? positions.durable : positions.written,
                    failure: positions.failure, isClosed: positions.stopped)
    }

    func ringDoorbell() {
        doorbell.withLock { $0 = true }
        doorbell.signal()
    }
}

extension WriteLog.Staging {
    /// True (and cleared) when the flusher went to sleep and needs waking.
    mutating func takeSleepingFlusher() -> Bool {
        defer { flusherSleeping = false }
        return flusherSleeping
    }

    /// What `append` asks: wake the flusher, unless an open `writingInline` scope will write
    /// the record (or wake the flusher) when it ends.
    mutating func takeSleepingFlusherUnlessInline() -> Bool {
        inlineWriters == 0 && takeSleepingFlusher()
    }
}
