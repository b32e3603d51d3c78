import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KVCore
@testable import KVStorage
import Testing

@Suite struct WriteLogTests {
    @Test func appendCloseRecoverGivesTheSameKeyspace() throws {
        try withTemporaryDirectory { path in
            let store = try Recovery.open(StorageOptions(dataDirectory: path))
            #expect(store.createdHistory)
            #expect(store.lastLSN == .zero)
            var workload = Workload()
            try workload.run(300, on: store.log)
            let final = store.log.close()
            #expect(final.durable == LSN(300))
            #expect(final.acknowledged == LSN(300))
            #expect(final.isClosed)

            let recovered = try recoverAndClose(path)
            #expect(!recovered.createdHistory)
            #expect(recovered.history == store.history)
            #expect(recovered.lastLSN == LSN(300))
            #expect(recovered.recordsReplayed == 300)
            #expect(recovered.warnings.isEmpty)
            #expect(contents(recovered.dataset) == contents(workload.reference))
        }
    }

    @Test func appendsContinueAfterRecovery() throws {
        try withTemporaryDirectory { path in
            var workload = try buildStore(path, writes: 50)
            let store = try Recovery.open(StorageOptions(dataDirectory: path))
            #expect(store.log.append(timestamp: UnixMillis(1), operations: workload.nextOperations()) == LSN(51))
            store.log.close()
            let recovered = try recoverAndClose(path)
            #expect(recovered.lastLSN == LSN(51))
            #expect(contents(recovered.dataset) == contents(workload.reference))
            // Reopened the same segment instead of starting one per restart.
            #expect(try DataDirectory(path).segments().count == 1)
        }
    }

    @Test func progressHandlerReportsAcknowledgedPositions() throws {
        try withTemporaryDirectory { path in
            let store = try Recovery.open(StorageOptions(dataDirectory: path))
            let seen = KVMutex<[LogProgress]>([])
            store.log.setProgressHandler { progress in seen.withLock { $0.append(progress) } }
            let lsn = store.log.append(timestamp: UnixMillis(1), operations: [put("a", "1")])
            try store.log.waitUntilWritten(lsn, durable: true)
            store.log.close()
            let reports = seen.withLock { $0 }
            #expect(reports.contains { $0.acknowledged == lsn && $0.durable == lsn })
            #expect(reports.last?.isClosed == true)
            // Positions only move forward.
            #expect(zip(reports, reports.dropFirst()).allSatisfy { $0.written <= $1.written && $0.durable <= $1.durable })
        }
    }

    /// Many clients appending at once (each waiting for its acknowledgement, as a server would)
    /// share fsyncs: one fsync covers every record that arrived while the previous one ran.
    @Test func groupCommitNeedsFewerFsyncsThanRecords() throws {
        try withTemporaryDirectory { path in
            let log = try Recovery.open(StorageOptions(dataDirectory: path, fsync: .always)).log
            // Stand in for a slow disk (the temp directory may be tmpfs, where fsync is free):
            // the flusher calls the handler between batches, so records pile up meanwhile.
            log.setProgressHandler { _ in usleepMilliseconds(2) }
            let storeLock = KVMutex(())
            let failures = KVMutex(0)
            DispatchQueue.concurrentPerform(iterations: 8) { client in
                for index in 0..<100 {
                    let lsn = storeLock.withLock { _ in
                        log.append(timestamp: UnixMillis(Int64(index)), operations: [put("k\(client)", "\(index)")])
                    }
                    do { try log.waitUntilWritten(lsn, durable: true) } catch { failures.withLock { $0 += 1 } }
                }
            }
            let statistics = log.statistics
            log.close()
            #expect(failures.withLock { $0 } == 0)
            #expect(statistics.recordsAppended == 800)
            #expect(statistics.fsyncCount > 0)
            #expect(statistics.fsyncCount < statistics.recordsAppended)
            #expect(statistics.bytesWritten == statistics.bytesAppended)
            #expect(try recoverAndClose(path).lastLSN == LSN(800))
        }
    }

    /// `everysec` acknowledges once written and fsyncs on its own within about a second, even
    /// with no further writes.
    @Test func everysecSyncsInTheBackground() throws {
        try withTemporaryDirectory { path in
            let store = try Recovery.open(StorageOptions(dataDirectory: path, fsync: .everysec))
            var workload = Workload()
            try workload.run(100, on: store.log)
            try store.log.waitUntilWritten(LSN(100), durable: false)
            #expect(store.log.progress.acknowledged >= LSN(100))
            let deadline = MonotonicClock.nanoseconds() + 3_000_000_000
            while store.log.progress.durable < LSN(100) && MonotonicClock.nanoseconds() < deadline {
                usleepMilliseconds(20)
            }
            #expect(store.log.progress.durable == LSN(100))
            #expect(store.log.statistics.fsyncCount <= 3)
            store.log.close()
            #expect(contents(try recoverAndClose(path).dataset) == contents(workload.reference))
        }
    }

    /// `no` never fsyncs on the write path; asking for durability (a snapshot does) or closing does.
    @Test func noPolicyFsyncsOnlyWhenAsked() throws {
        try withTemporaryDirectory { path in
            let store = try Recovery.open(StorageOptions(dataDirectory: path, fsync: .no))
            var workload = Workload()
            try workload.run(200, on: store.log, waitEvery: 10)
            try store.log.waitUntilWritten(LSN(200), durable: false)
            usleepMilliseconds(1200)
            #expect(store.log.statistics.fsyncCount == 0)
            #expect(store.log.progress.durable == .zero)
            #expect(store.log.progress.acknowledged == LSN(200))
            try store.log.waitUntilWritten(LSN(150), durable: true)
            #expect(store.log.progress.durable >= LSN(150))
            #expect(store.log.statistics.fsyncCount == 1)
            #expect(store.log.close().durable == LSN(200))
            #expect(contents(try recoverAndClose(path).dataset) == contents(workload.reference))
        }
    }

    @Test func segmentsRollOverAndRecoverAcrossThem() throws {
        try withTemporaryDirectory { path in
            let workload = try buildStore(path, writes: 400, segmentBytes: 4096)
            let segments = try DataDirectory(path).segments()
            #expect(segments.count > 3)
            #expect(segments.first?.firstLSN == LSN(1))
            // Each segment is named by its first record.
            for segment in segments {
                let offsets = try recordOffsets(in: segment.path)
                guard let first = offsets.offsets.first,
                      case let .found(record, _) = RecordCodec.decode(try fileBytes(segment.path), at: first)
                else { continue }
                #expect(record.lsn == segment.firstLSN)
            }
            let recovered = try recoverAndClose(path, segmentBytes: 4096)
            #expect(recovered.lastLSN == LSN(400))
            #expect(contents(recovered.dataset) == contents(workload.reference))
        }
    }

    @Test func bigValuesSurviveTheLog() throws {
        try withTemporaryDirectory { path in
            let store = try Recovery.open(StorageOptions(dataDirectory: path))
            let big = (0..<2_500_000).map { UInt8(truncatingIfNeeded: $0) }
            store.log.append(timestamp: UnixMillis(1), operations: [.put(Entry.make(key: Array("big".utf8), value: big, expiresAt: nil))])
            store.log.append(timestamp: UnixMillis(2), operations: [put("small", "x")])
            store.log.close()
            let recovered = try recoverAndClose(path)
            #expect(recovered.dataset.count == 2)
            #expect(recovered.dataset[0].snapshot().first { $0.key == Array("big".utf8) }?.value == big)
        }
    }

    @Test func replicaAppendsKeepThePrimarysLSNs() throws {
        try withTemporaryDirectory { path in
            let store = try Recovery.open(StorageOptions(dataDirectory: path))
            try store.log.append(LogRecord(lsn: LSN(1), timestamp: UnixMillis(5), operations: [put("a", "1")]))
            #expect(throws: StorageError.self) {
                try store.log.append(LogRecord(lsn: LSN(3), timestamp: UnixMillis(6), operations: [put("b", "2")]))
            }
            try store.log.append(LogRecord(lsn: LSN(2), timestamp: UnixMillis(6), operations: [put("b", "2")]))
            store.log.close()
            #expect(try recoverAndClose(path).lastLSN == LSN(2))
        }
    }

    /// The primary streams frames as they are in its files; the replica appends them as
    /// received: the replica's log is the primary's, byte for byte.
    @Test func framesReadRawAreAppendedUnchangedAndRecoverTheSameRecords() throws {
        try withTemporaryDirectory { primaryPath in
            try withTemporaryDirectory { replicaPath in
                let primary = try Recovery.open(StorageOptions(dataDirectory: primaryPath, segmentBytes: 2048))
                var workload = Workload()
                try workload.run(90, on: primary.log, waitEvery: 5)
                try primary.log.waitUntilWritten(LSN(90), durable: false)

                let cursor = primary.log.records(after: .zero)
                var frames: [UInt8] = []
                var lsns: [LSN] = []
                while let lsn = try cursor.nextFrame(into: &frames) { lsns.append(lsn) }
                #expect(lsns == (1...90).map { LSN(UInt64($0)) })
                var decoded: [LSN] = []
                var offset = 0
                while offset < frames.count, case let .found(record, count) = RecordCodec.decode(frames, at: offset) {
                    decoded.append(record.lsn)
                    offset += count
                }
                #expect(decoded == lsns, "every frame verifies and decodes")

                let replica = try Recovery.open(StorageOptions(dataDirectory: replicaPath, newHistory: primary.history))
                #expect(throws: StorageError.self) {
                    try frames.withUnsafeBytes { try replica.log.append(encoded: $0, first: LSN(2), last: LSN(91), count: 90) }
                }
                try frames.withUnsafeBytes { try replica.log.append(encoded: $0, first: LSN(1), last: LSN(90), count: 90) }
                primary.log.close()
                replica.log.close()
                let a = try recoverAndClose(primaryPath)
                let b = try recoverAndClose(replicaPath)
                #expect(b.lastLSN == LSN(90))
                #expect(contents(a.dataset) == contents(b.dataset))
            }
        }
    }

    @Test func frameBoundsReadsTheHeaderOnly() throws {
        let bytes = RecordCodec.encode(LogRecord(lsn: LSN(7), timestamp: UnixMillis(1), operations: [put("k", "v")]))
        guard case let .found(lsn, count) = bytes.withUnsafeBytes({ RecordCodec.frameBounds($0) }) else {
            Issue.record("not a frame")
            return
        }
        #expect(lsn == LSN(7) && count == bytes.count)
        if case .incomplete = Array(bytes.prefix(10)).withUnsafeBytes({ RecordCodec.frameBounds($0) }) {} else {
            Issue.record("a cut frame is incomplete")
        }
        if case .corrupt = [UInt8](repeating: 0xFF, count: 40).withUnsafeBytes({ RecordCodec.frameBounds($0) }) {} else {
            Issue.record("an impossible length is corrupt")
        }
    }

    @Test func closeIsIdempotentAndWaitsFailAfterwards() throws {
        try withTemporaryDirectory { path in
            let store = try Recovery.open(StorageOptions(dataDirectory: path))
            store.log.append(timestamp: UnixMillis(1), operations: [put("a", "1")])
            let first = store.log.close()
            let second = store.log.close()
            #expect(first == second)
            #expect(first.durable == LSN(1))
            let late = store.log.append(timestamp: UnixMillis(2), operations: [put("b", "2")])
            #expect(throws: StorageError.self) { try store.log.waitUntilWritten(late, durable: false) }
            #expect(throws: StorageError.self) { try store.log.waitUntilWritten(LSN(99), durable: false) }
        }
    }

    @Test func cursorReadsRecordsAfterAnLSNAcrossSegments() throws {
        try withTemporaryDirectory { path in
            let store = try Recovery.open(StorageOptions(dataDirectory: path, segmentBytes: 2048))
            var workload = Workload()
            try workload.run(120, on: store.log, waitEvery: 4)
            try store.log.waitUntilWritten(LSN(120), durable: false)
            #expect(try DataDirectory(path).segments().count > 2)

            let cursor = store.log.records(after: LSN(37))
            var lsns: [UInt64] = []
            while let record = try cursor.next() { lsns.append(record.lsn.rawValue) }
            #expect(lsns == Array(38...120))

            // A bounded cursor stops at its limit and reads on once raised.
            let bounded = store.log.records(after: .zero, through: LSN(10))
            var count = 0
            while try bounded.next() != nil { count += 1 }
            #expect(count == 10)
            store.log.append(timestamp: UnixMillis(9), operations: [put("late", "1")])
            try store.log.waitUntilWritten(LSN(121), durable: false)
            bounded.limit = LSN(121)
            while try bounded.next() != nil { count += 1 }
            #expect(count == 121)
            store.log.close()
        }
    }

    @Test func statisticsCountAppendsAndWrites() throws {
        try withTemporaryDirectory { path in
            let store = try Recovery.open(StorageOptions(dataDirectory: path))
            var workload = Workload()
            try workload.run(10, on: store.log)
            store.log.close()
            let statistics = store.log.statistics
            #expect(statistics.recordsAppended == 10)
            #expect(statistics.bytesWritten == statistics.bytesAppended)
            #expect(statistics.logBytesSinceSnapshot == statistics.bytesAppended)
            #expect(statistics.fsyncCount >= 1)
            #expect(statistics.fsyncMicrosecondsTotal >= statistics.fsyncMicrosecondsLast)
        }
    }
}

func usleepMilliseconds(_ milliseconds: Int) {
    var spec = timespecFor(milliseconds: milliseconds)
    nanosleep(&spec, nil)
}

private func timespecFor(milliseconds: Int) -> timespec {
    timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
}
