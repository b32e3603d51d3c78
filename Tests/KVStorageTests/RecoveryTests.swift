import KVCore
@testable import KVStorage
import Testing

/// Recovery from each kind of damage: repaired with a warning when it is a torn tail of the
/// newest segment, an error naming the file and offset otherwise.
@Suite struct RecoveryTests {
    @Test func emptyDirectoryCreatesAHistory() throws {
        try withTemporaryDirectory { path in
            let chosen = HistoryID(high: 1, low: 2)
            let store = try Recovery.open(StorageOptions(dataDirectory: path + "/nested/data", newHistory: chosen))
            store.log.close()
            #expect(store.createdHistory)
            #expect(store.history == chosen)
            #expect(store.lastLSN == .zero)
            #expect(try fileBytes(path + "/nested/data/history") == Array("00000000000000010000000000000002\n".utf8))
            let again = try recoverAndClose(path + "/nested/data")
            #expect(!again.createdHistory)
            #expect(again.history == chosen)
        }
    }

    /// Cutting the last record at every byte: the partial record is dropped with a warning,
    /// the file is truncated, and the log appends after the last whole record.
    @Test func tornTailAtEveryByteIsCut() throws {
        try withTemporaryDirectory { path in
            var workload = Workload()
            var reference = Keyspace()
            let store = try Recovery.open(StorageOptions(dataDirectory: path))
            for index in 1...4 {
                let operations = workload.nextOperations()
                store.log.append(timestamp: UnixMillis(Int64(index)), operations: operations)
                if index < 4 { for operation in operations { reference.apply(operation) } }
            }
            store.log.close()
            let segment = try DataDirectory(path).segments()[0].path
            let original = try fileBytes(segment)
            let lastStart = try recordOffsets(in: segment).offsets.last!
            for cut in lastStart..<original.count {
                try writeFile(segment, Array(original[..<cut]))
                let recovered = try recoverAndClose(path)
                #expect(recovered.lastLSN == LSN(3), "cut at \(cut)")
                #expect(contents(recovered.dataset) == contents(reference))
                #expect(recovered.warnings.count == (cut == lastStart ? 0 : 1))
                if cut > lastStart {
                    #expect(recovered.warnings[0].contains(segment) && recovered.warnings[0].contains("byte \(lastStart)"))
                    #expect(recovered.warnings[0].contains("dropped \(cut - lastStart) bytes"))
                }
                #expect(try FileSystem.size(of: segment) == lastStart)
            }
            // After the cut the log continues cleanly where the torn record was.
            let resumed = try Recovery.open(StorageOptions(dataDirectory: path))
            #expect(resumed.log.append(timestamp: UnixMillis(9), operations: [put("after", "cut")]) == LSN(4))
            resumed.log.close()
            let final = try recoverAndClose(path)
            #expect(final.lastLSN == LSN(4))
            #expect(final.warnings.isEmpty)
        }
    }

    @Test func garbageAppendedToNewestSegmentIsCut() throws {
        try withTemporaryDirectory { path in
            let workload = try buildStore(path, writes: 30)
            let segment = try DataDirectory(path).segments()[0].path
            let size = try FileSystem.size(of: segment)
            var generator = SeededGenerator(seed: 11)
            try appendToFile(segment, (0..<777).map { _ in UInt8.random(in: 0...255, using: &generator) })
            let recovered = try recoverAndClose(path)
            #expect(recovered.lastLSN == LSN(30))
            #expect(contents(recovered.dataset) == contents(workload.reference))
            #expect(recovered.warnings.count == 1)
            #expect(recovered.warnings.first?.contains("dropped 777 bytes") == true)
            #expect(try FileSystem.size(of: segment) == size)
        }
    }

    /// Any garbage tail, whatever its bytes and length, is cut off and recovery finishes:
    /// 400 seeded tails from 1 to 3000 bytes (the end-to-end test appends random bytes too).
    @Test(arguments: 0..<8)
    func randomGarbageTailsAreCut(batch: Int) throws {
        try withTemporaryDirectory { path in
            let workload = try buildStore(path, writes: 30)
            let segment = try DataDirectory(path).segments()[0].path
            let original = try fileBytes(segment)
            for seed in (batch * 50)..<(batch * 50 + 50) {
                var generator = SeededGenerator(seed: UInt64(seed) &+ 1000)
                let length = Int(generator.next() % 3000) + 1
                try writeFile(segment, original + (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
                let recovered = try recoverAndClose(path)
                #expect(recovered.lastLSN == LSN(30), "seed \(seed)")
                #expect(contents(recovered.dataset) == contents(workload.reference), "seed \(seed)")
            }
        }
    }

    /// A file system may expose zeros past the last write after a crash.
    @Test func zeroedTailIsCut() throws {
        try withTemporaryDirectory { path in
            let workload = try buildStore(path, writes: 30)
            let segment = try DataDirectory(path).segments()[0].path
            try appendToFile(segment, [UInt8](repeating: 0, count: 8192))
            let recovered = try recoverAndClose(path)
            #expect(recovered.lastLSN == LSN(30))
            #expect(contents(recovered.dataset) == contents(workload.reference))
            #expect(recovered.warnings.first?.contains("dropped 8192 bytes") == true)
        }
    }

    /// A damaged record followed by valid ones is not a torn write: recovery must stop.
    @Test func corruptionInTheMiddleOfTheNewestSegmentIsAnError() throws {
        try withTemporaryDirectory { path in
            try buildStore(path, writes: 30)
            let segment = try DataDirectory(path).segments()[0].path
            let damaged = try recordOffsets(in: segment).offsets[12]
            try patchFile(segment, at: damaged + 20) { $0 ^ 0x01 }
            let error = try #require(throws: StorageError.self) { try recoverAndClose(path) }
            #expect(error.code == .corruption)
            #expect(error.path == segment)
            #expect(error.offset == damaged + 4)  // the checksum that did not match
            #expect(error.description.contains(segment) && error.description.contains("at byte \(damaged + 4)"))
            // Nothing was cut.
            #expect(try recordOffsets(in: segment).offsets.count == 12)
            #expect(try FileSystem.size(of: segment) > damaged + 100)
        }
    }

    @Test func corruptionInAnOlderSegmentIsAnError() throws {
        try withTemporaryDirectory { path in
            try buildStore(path, writes: 200, segmentBytes: 2048)
            let segments = try DataDirectory(path).segments()
            #expect(segments.count >= 3)
            // Even a "torn tail" is corruption in a segment that is no longer the newest.
            let older = segments[1].path
            let offsets = try recordOffsets(in: older)
            try writeFile(older, Array(try fileBytes(older)[..<(offsets.end - 3)]))
            let error = try #require(throws: StorageError.self) { try recoverAndClose(path, segmentBytes: 2048) }
            #expect(error.code == .corruption)
            #expect(error.path == older)
            #expect(error.offset == offsets.offsets.last!)
        }
    }

    @Test func badSegmentHeaderIsAnError() throws {
        try withTemporaryDirectory { path in
            try buildStore(path, writes: 5)
            let segment = try DataDirectory(path).segments()[0].path
            try patchFile(segment, at: 26) { $0 ^ 0x40 }
            let error = try #require(throws: StorageError.self) { try recoverAndClose(path) }
            #expect(error.code == .corruption)
            #expect(error.path == segment)
            #expect(error.offset == 32)
        }
    }

    @Test func missingSegmentIsALogGap() throws {
        try withTemporaryDirectory { path in
            try buildStore(path, writes: 200, segmentBytes: 2048)
            let segments = try DataDirectory(path).segments()
            try FileSystem.remove(segments[1].path)
            let error = try #require(throws: StorageError.self) { try recoverAndClose(path) }
            #expect(error.code == .logGap)
            #expect(error.path == segments[2].path)
            #expect(error.description.contains(segments[2].path))
        }
    }

    @Test func segmentOfAnotherHistoryIsAnError() throws {
        try withTemporaryDirectory { path in
            try buildStore(path, writes: 5)
            try DataDirectory(path).writeHistory(HistoryID(high: 9, low: 9))
            let error = try #require(throws: StorageError.self) { try recoverAndClose(path) }
            #expect(error.code == .historyMismatch)
            #expect(error.path == (try DataDirectory(path).segments()[0].path))
        }
    }

    @Test func snapshotOfAnotherHistoryIsAnError() throws {
        try withTemporaryDirectory { path in
            try buildStore(path, writes: 5)
            _ = try SnapshotWriter(directory: DataDirectory(path), history: HistoryID(high: 3, low: 4))
                .write(Keyspace().snapshot(), at: LSN(5), lineage: Lineage())
            let error = try #require(throws: StorageError.self) { try recoverAndClose(path) }
            #expect(error.code == .historyMismatch)
            #expect(error.path == DataDirectory(path).snapshotPath(lsn: LSN(5)))
        }
    }

    @Test func dataWithoutHistoryFileIsAnError() throws {
        try withTemporaryDirectory { path in
            try buildStore(path, writes: 5)
            try FileSystem.remove(DataDirectory(path).historyPath)
            let error = try #require(throws: StorageError.self) { try recoverAndClose(path) }
            #expect(error.code == .missingHistory)
        }
    }

    /// The newest snapshot does not verify and the log no longer covers it: an error naming it,
    /// never a silent fallback to older data.
    @Test func corruptNewestSnapshotIsAnError() throws {
        try withTemporaryDirectory { path in
            let store = try Recovery.open(StorageOptions(dataDirectory: path, segmentBytes: 2048))
            var workload = Workload()
            try workload.run(150, on: store.log, waitEvery: 3)
            let (snapshot, compaction) = try store.log.writeSnapshot(workload.reference.snapshot(), at: LSN(150), lineage: Lineage())
            #expect(!compaction.deletedSegments.isEmpty)
            store.log.close()
            try patchFile(snapshot.path, at: snapshot.byteCount / 2) { $0 ^ 0x10 }
            let error = try #require(throws: StorageError.self) { try recoverAndClose(path) }
            #expect(error.code == .corruption)
            #expect(error.path == snapshot.path)
            #expect(error.offset != nil)
        }
    }

    /// …but when the log still holds every record from an older snapshot (here: from the
    /// start) past the corrupt one, recovery uses them and says so.
    @Test func corruptNewestSnapshotIsBypassedWhenTheLogCoversIt() throws {
        try withTemporaryDirectory { path in
            let store = try Recovery.open(StorageOptions(dataDirectory: path))
            var workload = Workload()
            try workload.run(40, on: store.log)
            try store.log.waitUntilWritten(LSN(40), durable: true)
            let snapshot = try SnapshotWriter(directory: DataDirectory(path), history: store.history)
                .write(workload.reference.snapshot(), at: LSN(40), lineage: Lineage())
            try workload.run(10, on: store.log)
            store.log.close()
            try patchFile(snapshot.path, at: snapshot.byteCount - 2) { $0 ^ 0x10 }
            let recovered = try recoverAndClose(path)
            #expect(recovered.snapshotLSN == .zero)
            #expect(recovered.lastLSN == LSN(50))
            #expect(contents(recovered.dataset) == contents(workload.reference))
            #expect(recovered.warnings.count == 1)
            #expect(recovered.warnings.first?.contains(snapshot.path) == true)
        }
    }

    @Test func leftoverTemporaryFilesAreDeletedAndIgnored() throws {
        try withTemporaryDirectory { path in
            let workload = try buildStore(path, writes: 20)
            let directory = DataDirectory(path)
            let leftovers = [
                directory.historyPath + ".tmp",
                directory.snapshotPath(lsn: LSN(20)) + ".tmp",
                directory.segmentPath(firstLSN: LSN(21)) + ".tmp",
            ]
            for leftover in leftovers { try writeFile(leftover, Array("half-written".utf8)) }
            let recovered = try recoverAndClose(path)
            #expect(recovered.lastLSN == LSN(20))
            #expect(recovered.snapshotLSN == .zero)
            #expect(contents(recovered.dataset) == contents(workload.reference))
            #expect(recovered.warnings.count == leftovers.count)
            for leftover in leftovers { #expect(!FileSystem.exists(leftover)) }
        }
    }

    /// Under `everysec` a snapshot may be published with the log only written, not fsynced; if
    /// the log's tail is then lost, recovery continues after the snapshot in a new segment.
    @Test func logEndingBeforeTheSnapshotContinuesAfterIt() throws {
        try withTemporaryDirectory { path in
            let store = try Recovery.open(StorageOptions(dataDirectory: path))
            var workload = Workload()
            try workload.run(30, on: store.log)
            store.log.close()
            let segment = try DataDirectory(path).segments()[0].path
            let offsets = try recordOffsets(in: segment)
            try writeFile(segment, Array(try fileBytes(segment)[..<offsets.offsets[25]]))  // lose LSN 26…30
            let recovered = try recoverAndClose(path)
            #expect(recovered.lastLSN == LSN(25))
        }
        try withTemporaryDirectory { path in
            let store = try Recovery.open(StorageOptions(dataDirectory: path))
            var workload = Workload()
            try workload.run(30, on: store.log)
            try store.log.writeSnapshot(workload.reference.snapshot(), at: LSN(30), lineage: Lineage())
            store.log.close()
            let segment = try DataDirectory(path).segments()[0].path
            let offsets = try recordOffsets(in: segment)
            try writeFile(segment, Array(try fileBytes(segment)[..<offsets.offsets[25]]))
            let recovered = try Recovery.open(StorageOptions(dataDirectory: path))
            #expect(recovered.lastLSN == LSN(30))
            #expect(recovered.warnings.contains { $0.contains("before the snapshot") })
            #expect(recovered.log.append(timestamp: UnixMillis(1), operations: [put("next", "1")]) == LSN(31))
            recovered.log.close()
            #expect(try DataDirectory(path).segments().map(\.firstLSN) == [LSN(1), LSN(31)])
            let again = try recoverAndClose(path)
            #expect(again.lastLSN == LSN(31))
            #expect(again.warnings.isEmpty)
        }
    }
}
