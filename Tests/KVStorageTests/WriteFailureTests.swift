#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KVCore
@testable import KVStorage
import Testing

/// A disk that refuses writes: the log must not acknowledge, must say why, and must write the
/// kept bytes once the disk takes them again.
@Suite struct WriteFailureTests {
    #if os(Linux)
    @Test func fullDiskStopsAcknowledgingAndRecoversWhenSpaceReturns() throws {
        try withTemporaryDirectory { path in
            // The log's descriptor first points at /dev/full, where every write fails with ENOSPC.
            let disk = try FullDiskLog(path: path, policy: .always)
            let log = disk.log
            let reports = KVMutex<[LogProgress]>([])
            log.setProgressHandler { progress in reports.withLock { $0.append(progress) } }

            let lsn = log.append(timestamp: UnixMillis(1), operations: [put("a", "1")])
            let error = #expect(throws: StorageError.self) { try log.waitUntilWritten(lsn, durable: true) }
            #expect(error?.isOutOfSpace == true)
            #expect(log.failure?.isOutOfSpace == true)
            #expect(log.progress.acknowledged == .zero)
            // Waiters wake before the handler runs: give it a moment.
            let reported = MonotonicClock.nanoseconds() + 2_000_000_000
            while !reports.withLock({ $0.contains { $0.failure != nil } }) && MonotonicClock.nanoseconds() < reported {
                usleepMilliseconds(5)
            }
            #expect(reports.withLock { $0 }.contains { $0.failure?.isOutOfSpace == true })
            #expect(reports.withLock { $0 }.allSatisfy { $0.acknowledged == .zero })
            log.append(timestamp: UnixMillis(2), operations: [put("b", "2")])

            // Space returns: the same descriptor now writes to the real segment.
            #expect(disk.restoreDisk())
            let deadline = MonotonicClock.nanoseconds() + 5_000_000_000
            while log.progress.durable < LSN(2) && MonotonicClock.nanoseconds() < deadline {
                usleepMilliseconds(20)
            }
            #expect(log.progress.durable == LSN(2))
            #expect(log.failure == nil)
            log.close()
            disk.real.file.close()

            let recovered = try recoverAndClose(path)
            #expect(recovered.lastLSN == LSN(2))
            #expect(recovered.warnings.isEmpty)
            #expect(recovered.dataset.count == 2)
        }
    }
    #endif
}
