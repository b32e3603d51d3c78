import KVCore
@testable import KVStorage
import Testing

/// `WriteLog.losePower`: the log keeps exactly what its fsyncs covered — records up to the
/// durable LSN survive recovery, later ones are gone — and writes nothing afterwards.
@Suite struct PowerLossTests {
    /// Appends `count` writes from `workload`, remembering each record's operations.
    static func append(_ count: Int, to log: WriteLog, _ workload: inout Workload, _ records: inout [[WriteOperation]]) -> LSN {
        var last = LSN.zero
        for _ in 0..<count {
            let operations = workload.nextOperations()
            records.append(operations)
            last = log.append(timestamp: UnixMillis(1_700_000_000_000 + Int64(records.count)), operations: operations)
        }
        return last
    }

    /// The keyspace after the first `count` records.
    static func reference(_ records: [[WriteOperation]], upTo count: LSN) -> Keyspace {
        var keyspace = Keyspace()
        for operations in records.prefix(Int(count.rawValue)) {
            for operation in operations { keyspace.apply(operation) }
        }
        return keyspace
    }

    /// Under `no` nothing is fsynced unless asked: 200 records fsynced, 150 more written, then
    /// the power goes. Recovery finds the 200 and not one more.
    @Test(arguments: [FsyncPolicy.no, .everysec])
    func recordsAfterTheLastFsyncAreGone(policy: FsyncPolicy) throws {
        try withTemporaryDirectory { path in
            var workload = Workload(seed: 7)
            var records: [[WriteOperation]] = []
            let store = try Recovery.open(StorageOptions(dataDirectory: path, fsync: policy))
            let synced = Self.append(200, to: store.log, &workload, &records)
            try store.log.waitUntilWritten(synced, durable: true)
            let written = Self.append(150, to: store.log, &workload, &records)
            try store.log.waitUntilWritten(written, durable: false)
            let staged = Self.append(5, to: store.log, &workload, &records)  // maybe not even written
            let cut = try store.log.losePower { $0 }
            // `everysec` may have fsynced once more in between; `no` never does unless asked.
            if policy == .no { #expect(cut.durable == synced) }
            #expect(cut.durable >= synced && cut.durable <= cut.written)
            #expect(cut.written >= written && cut.lastAssigned == staged)
            #expect(cut.bytesAfter < cut.bytesBefore || cut.durable == cut.written)
            #expect(try FileSystem.size(of: cut.segmentPath) == cut.bytesAfter)
            #expect(store.log.failure != nil)
            // Nothing reaches the file any more, not even at close.
            _ = Self.append(10, to: store.log, &workload, &records)
            store.log.close()
            #expect(try FileSystem.size(of: cut.segmentPath) == cut.bytesAfter)

            let recovered = try recoverAndClose(path, fsync: policy)
            #expect(recovered.lastLSN == cut.durable)
            #expect(recovered.warnings.isEmpty, "the cut falls between records: \(recovered.warnings)")
            #expect(contents(recovered.dataset) == contents(Self.reference(records, upTo: cut.durable)))
        }
    }

    /// Small segments: each rollover fsyncs the full segment, so only the newest one loses
    /// bytes; every record of the older ones survives.
    @Test func onlyTheNewestSegmentLosesItsTail() throws {
        try withTemporaryDirectory { path in
            var workload = Workload(seed: 8)
            var records: [[WriteOperation]] = []
            let store = try Recovery.open(StorageOptions(dataDirectory: path, fsync: .no, segmentBytes: 2048))
            let synced = Self.append(20, to: store.log, &workload, &records)
            try store.log.waitUntilWritten(synced, durable: true)
            var last = synced
            for _ in 0..<40 {  // several batches, so that the log rolls over between them
                last = Self.append(5, to: store.log, &workload, &records)
                try store.log.waitUntilWritten(last, durable: false)
            }
            let segmentsBefore = try DataDirectory(path).segments()
            #expect(segmentsBefore.count > 3)
            let newest = segmentsBefore.last!
            let cut = try store.log.losePower { $0 }
            store.log.close()
            #expect(cut.segmentPath == newest.path)
            #expect(cut.written == last)
            // Everything before the newest segment was fsynced when the log rolled over.
            #expect(cut.durable.next >= newest.firstLSN && cut.durable > synced)

            let recovered = try recoverAndClose(path, fsync: .no, segmentBytes: 2048)
            #expect(recovered.lastLSN == cut.durable)
            #expect(contents(recovered.dataset) == contents(Self.reference(records, upTo: cut.durable)))
            // And the log goes on after the cut.
            let resumed = try Recovery.open(StorageOptions(dataDirectory: path, fsync: .no, segmentBytes: 2048))
            #expect(resumed.log.append(timestamp: UnixMillis(1), operations: [put("after", "power")]) == cut.durable.next)
            resumed.log.close()
            #expect(try recoverAndClose(path).lastLSN == cut.durable.next)
        }
    }

    /// Under `always` an acknowledged record is fsynced: a power loss takes none of them.
    @Test func underAlwaysNothingAcknowledgedIsLost() throws {
        try withTemporaryDirectory { path in
            var workload = Workload(seed: 9)
            var records: [[WriteOperation]] = []
            let store = try Recovery.open(StorageOptions(dataDirectory: path, fsync: .always))
            let acknowledged = Self.append(300, to: store.log, &workload, &records)
            try store.log.waitUntilWritten(acknowledged, durable: false)  // acknowledged = durable under always
            #expect(store.log.progress.acknowledged == acknowledged)
            let cut = try store.log.losePower { $0 }
            store.log.close()
            #expect(cut.durable == acknowledged && cut.droppedBytes == 0)
            #expect(try recoverAndClose(path).lastLSN == acknowledged)
        }
    }
}
