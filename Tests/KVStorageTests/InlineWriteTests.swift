import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KVCore
@testable import KVStorage
import Testing

/// `writeStaged`: the appending thread writes its records itself, racing other callers and the
/// flusher for the writer lock.
@Suite struct InlineWriteTests {
    /// What several "event loops" appended, in LSN order, kept to rebuild the expected keyspace.
    final class Journal: Sendable {
        let operations = KVMutex<[[WriteOperation]]>([])
        let storeLock = KVMutex(())

        /// Appends under the store lock, as the server does, and remembers the record.
        @discardableResult
        func append(_ operations: [WriteOperation], to log: WriteLog) -> LSN {
            storeLock.withLock { _ in
                let lsn = log.append(timestamp: UnixMillis(1_700_000_000_000), operations: operations)
                self.operations.withLock {
                    precondition(UInt64($0.count) + 1 == lsn.rawValue)
                    $0.append(operations)
                }
                return lsn
            }
        }

        /// The keyspace after the first `count` records.
        func keyspace(through count: LSN) -> Keyspace {
            var keyspace = Keyspace()
            for record in operations.withLock({ $0.prefix(Int(count.rawValue)) }) {
                for operation in record { keyspace.apply(operation) }
            }
            return keyspace
        }
    }

    /// Callers writing inline (inside `writingInline` scopes, or appending then calling
    /// `writeStaged`), a thread that only appends, the flusher (fsyncing, rolling segments
    /// over) and each other: every record reaches the file once, in LSN order, an acknowledged
    /// record is in the file when the caller is told so, and nothing staged is left behind
    /// unwritten (no lost wake-up when appends inside scopes did not wake the flusher).
    @Test(arguments: [FsyncPolicy.everysec, .no, .always])
    func concurrentCallersAndFlusherKeepEveryRecordInOrder(policy: FsyncPolicy) throws {
        try withTemporaryDirectory { path in
            let segmentBytes = 16 << 10
            let log = try Recovery.open(StorageOptions(dataDirectory: path, fsync: policy, segmentBytes: segmentBytes)).log
            let reports = KVMutex<[LogProgress]>([])
            log.setProgressHandler { progress in reports.withLock { $0.append(progress) } }
            let journal = Journal()
            let problems = KVMutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 5) { client in
                var lastAcknowledged = LSN.zero
                for index in 0..<200 {
                    // A shared key makes the order matter; a value long enough to fill segments.
                    let value = String(repeating: "\(client)", count: 40)
                    let operations = [put("shared", "\(client)-\(index)"), put("c\(client)-\(index)", value)]
                    let lsn: LSN
                    let progress: LogProgress
                    switch client {
                    case 0, 1:
                        (lsn, progress) = log.writingInline { journal.append(operations, to: log) }
                    case 2, 3:
                        lsn = journal.append(operations, to: log)
                        progress = log.writeStaged()
                    default:  // like the expiry sweeper: appends, relies on others or the flusher
                        lsn = journal.append(operations, to: log)
                        progress = log.progress
                    }
                    if progress.acknowledged < lastAcknowledged { problems.withLock { $0.append("acknowledged went back") } }
                    lastAcknowledged = progress.acknowledged
                    // Spot-check that what is acknowledged can be read back from the files.
                    if index % 50 == 49 && progress.acknowledged >= lsn {
                        let cursor = log.records(after: LSN(lsn.rawValue - 1), through: lsn)
                        if (try? cursor.next())??.lsn != lsn { problems.withLock { $0.append("LSN \(lsn) acknowledged, not in the file") } }
                    }
                }
            }
            // Written without anyone asking (no doorbell rung by a wait or close).
            let deadline = MonotonicClock.nanoseconds() + 3_000_000_000
            while log.progress.written < LSN(1000) && MonotonicClock.nanoseconds() < deadline { usleepMilliseconds(5) }
            #expect(log.progress.written == LSN(1000))
            let final = log.close()
            #expect(problems.withLock { $0 } == [])
            #expect(final.written == LSN(1000))
            #expect(final.durable == LSN(1000))
            let seen = reports.withLock { $0 }
            #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.written <= $1.written && $0.durable <= $1.durable })
            #expect(log.statistics.bytesWritten == log.statistics.bytesAppended)
            // How many segments depends on how the batches fell (a loaded machine can make one
            // batch of everything, and a batch never straddles a rollover): not checked here;
            // rollover itself is, deterministically, in WriteLogTests.
            // (cursorReadsRecordsAfterAnLSNAcrossSegments).

            let recovered = try recoverAndClose(path, segmentBytes: segmentBytes)
            #expect(recovered.lastLSN == LSN(1000))
            #expect(recovered.warnings.isEmpty)
            #expect(contents(recovered.dataset) == contents(journal.keyspace(through: LSN(1000))))
        }
    }

    /// With the flusher idle, `writeStaged` writes on the calling thread and reports the
    /// record acknowledged; under `always` it leaves the record to the flusher.
    @Test func writesOnTheCallingThread() throws {
        try withTemporaryDirectory { path in
            let log = try Recovery.open(StorageOptions(dataDirectory: path, fsync: .no)).log
            let callerThread = pthread_self()
            let inline = KVMutex(0)
            log.setProgressHandler { _ in
                if pthread_equal(pthread_self(), callerThread) != 0 { inline.withLock { $0 += 1 } }
            }
            var acknowledgedAtOnce = 0
            for index in 0..<100 {
                // On a loaded machine the flusher, woken by the previous append, may still be
                // in its turn: give it time to go back to sleep now and then.
                if index % 10 == 9 { usleepMilliseconds(5) }
                let lsn = log.append(timestamp: UnixMillis(1), operations: [put("k", "\(index)")])
                if log.writeStaged().acknowledged >= lsn { acknowledgedAtOnce += 1 }
            }
            // The flusher, woken by an append, may win the lock now and then; not every time.
            #expect(acknowledgedAtOnce > 0)
            // Inside a scope the append does not wake it: once it is asleep, this thread writes
            // every time (under `no` nothing else wakes it).
            usleepMilliseconds(100)
            for index in 0..<100 {
                let (lsn, progress) = log.writingInline { log.append(timestamp: UnixMillis(1), operations: [put("s", "\(index)")]) }
                #expect(progress.acknowledged >= lsn)
            }
            #expect(inline.withLock { $0 } > 0)
            // `no` never fsyncs on the write path, whoever writes.
            #expect(log.statistics.fsyncCount == 0)
            #expect(log.close().durable == LSN(200))

            let always = try Recovery.open(StorageOptions(dataDirectory: path, fsync: .always)).log
            let lsn = always.append(timestamp: UnixMillis(2), operations: [put("k", "x")])
            #expect(always.writeStaged().acknowledged <= lsn)
            // Under `always` a scope only runs its body: the flusher writes and fsyncs.
            let (scoped, _) = always.writingInline { always.append(timestamp: UnixMillis(3), operations: [put("k", "y")]) }
            try always.waitUntilWritten(scoped, durable: true)
            try always.waitUntilWritten(lsn, durable: true)
            #expect(always.close().durable == scoped)
        }
    }

    /// A record written inline makes the log dirty: the flusher must still fsync within about
    /// a second, with no further writes to wake it.
    @Test func everysecCadenceHoldsForInlineWrites() throws {
        try withTemporaryDirectory { path in
            let log = try Recovery.open(StorageOptions(dataDirectory: path, fsync: .everysec)).log
            usleepMilliseconds(50)  // let the flusher go to sleep with nothing to do
            var lsn = LSN.zero
            for index in 0..<20 {
                lsn = log.append(timestamp: UnixMillis(1), operations: [put("k", "\(index)")])
                log.writeStaged()
            }
            try log.waitUntilWritten(lsn, durable: false)
            let deadline = MonotonicClock.nanoseconds() + 3_000_000_000
            while log.progress.durable < lsn && MonotonicClock.nanoseconds() < deadline { usleepMilliseconds(20) }
            #expect(log.progress.durable == lsn)
            #expect(log.statistics.fsyncCount <= 3)
            log.close()
        }
    }

    #if os(Linux)
    /// A disk that refuses the caller's write: nothing is acknowledged, the failure is
    /// published, and the flusher retries the kept bytes until the disk takes them.
    @Test func failedInlineWriteIsNotAcknowledgedAndTheFlusherRetries() throws {
        try withTemporaryDirectory { path in
            let disk = try FullDiskLog(path: path, policy: .everysec)
            let log = disk.log
            let reports = KVMutex<[LogProgress]>([])
            log.setProgressHandler { progress in reports.withLock { $0.append(progress) } }

            log.append(timestamp: UnixMillis(1), operations: [put("a", "1")])
            let first = log.writeStaged()
            #expect(first.acknowledged == .zero)
            // Whether this thread or the flusher tried first, the failure is published.
            let failed = MonotonicClock.nanoseconds() + 2_000_000_000
            while log.failure == nil && MonotonicClock.nanoseconds() < failed { usleepMilliseconds(5) }
            #expect(log.failure?.isOutOfSpace == true)
            log.append(timestamp: UnixMillis(2), operations: [put("b", "2")])
            let second = log.writeStaged()
            #expect(second.acknowledged == .zero)
            #expect(second.failure?.isOutOfSpace == true)
            #expect(reports.withLock { $0 }.allSatisfy { $0.acknowledged == .zero })

            // Space returns: the flusher's retry writes both records.
            #expect(disk.restoreDisk())
            let deadline = MonotonicClock.nanoseconds() + 5_000_000_000
            while log.progress.acknowledged < LSN(2) && MonotonicClock.nanoseconds() < deadline {
                usleepMilliseconds(20)
            }
            #expect(log.progress.acknowledged == LSN(2))
            #expect(log.failure == nil)
            log.append(timestamp: UnixMillis(3), operations: [put("c", "3")])
            log.writeStaged()
            log.close()
            disk.real.file.close()

            let recovered = try recoverAndClose(path)
            #expect(recovered.lastLSN == LSN(3))
            #expect(recovered.warnings.isEmpty)
            #expect(recovered.dataset.count == 3)
        }
    }
    #endif

    /// `close()` while callers keep appending and writing: the log stops cleanly, what it
    /// reports written is exactly what recovery finds, and later calls write nothing.
    @Test func closeWhileCallersWrite() throws {
        try withTemporaryDirectory { path in
            let log = try Recovery.open(StorageOptions(dataDirectory: path, fsync: .everysec, segmentBytes: 8 << 10)).log
            let journal = Journal()
            let final = KVMutex<LogProgress?>(nil)
            DispatchQueue.concurrentPerform(iterations: 4) { worker in
                if worker == 0 {
                    usleepMilliseconds(20)
                    final.withLock { $0 = log.close() }
                    return
                }
                for index in 0..<2000 {
                    let operations = [put("shared", "\(worker)-\(index)"), put("w\(worker)-\(index)", "value")]
                    if worker == 1 {
                        _ = log.writingInline { journal.append(operations, to: log) }
                    } else {
                        journal.append(operations, to: log)
                        log.writeStaged()
                    }
                }
            }
            let closed = try #require(final.withLock { $0 })
            #expect(closed.isClosed)
            #expect(closed.failure == nil)
            #expect(closed.written == closed.durable)
            #expect(log.writeStaged().written == closed.written)

            let recovered = try recoverAndClose(path, segmentBytes: 8 << 10)
            #expect(recovered.lastLSN == closed.written)
            #expect(recovered.warnings.isEmpty)
            #expect(contents(recovered.dataset) == contents(journal.keyspace(through: closed.written)))
        }
    }
}
