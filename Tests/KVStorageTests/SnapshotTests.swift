import KVCore
@testable import KVStorage
import Testing

@Suite struct SnapshotTests {
    static func sampleKeyspace(count: Int = 500) -> Keyspace {
        var keyspace = Keyspace()
        var generator = SeededGenerator(seed: 3)
        for index in 0..<count {
            let value = (0..<Int.random(in: 0..<300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            keyspace.insert(Entry.make(key: Array("key:\(index)".utf8), value: value,
                                       expiresAt: index % 7 == 0 ? UnixMillis(1_900_000_000_000 + Int64(index)) : nil))
        }
        keyspace.insert(Entry.make(key: [], value: [], expiresAt: nil))
        return keyspace
    }

    @Test func writeReadRoundTrip() throws {
        try withTemporaryDirectory { path in
            let directory = DataDirectory(path)
            try directory.create()
            let history = HistoryID.random()
            let keyspace = Self.sampleKeyspace()
            let info = try SnapshotWriter(directory: directory, history: history)
                .write(keyspace.snapshot(), at: LSN(77), lineage: Lineage())
            #expect(info.path == directory.snapshotPath(lsn: LSN(77)))
            #expect(info.entryCount == UInt64(keyspace.count))
            #expect(try FileSystem.size(of: info.path) == info.byteCount)
            #expect(!FileSystem.exists(info.path + ".tmp"))

            let (header, loaded) = try SnapshotReader.load(info.path, history: history)
            #expect(header == SnapshotHeader(history: history, lsn: LSN(77), entryCount: UInt64(keyspace.count)))
            #expect(contents(loaded) == contents(keyspace))
            #expect(throws: StorageError.self) { try SnapshotReader.load(info.path, history: HistoryID.random()) }
        }
    }

    @Test func emptyKeyspaceSnapshot() throws {
        try withTemporaryDirectory { path in
            let directory = DataDirectory(path)
            try directory.create()
            let info = try SnapshotWriter(directory: directory, history: .random()).write(Keyspace().snapshot(), at: .zero, lineage: Lineage())
            #expect(info.byteCount == SnapshotHeader(history: .random(), lsn: .zero, entryCount: 0).size + SnapshotHeader.trailerSize)
            #expect(try SnapshotReader.load(info.path).dataset.count == 0)
        }
    }

    /// The encoder's chunks fed to the decoder in pieces of any size give back the same entries —
    /// the clone stream will arrive cut anywhere.
    @Test(arguments: [1, 7, 64, 4096, 1 << 20])
    func streamsThroughTheDecoderInPiecesOfAnySize(pieceSize: Int) throws {
        let keyspace = Self.sampleKeyspace(count: pieceSize == 1 ? 40 : 500)
        var encoder = SnapshotEncoder(history: .random(), lsn: LSN(5), lineage: Lineage(), snapshot: keyspace.snapshot(), chunkSize: 1000)
        var bytes: [UInt8] = []
        var chunks = 0
        while let chunk = encoder.nextChunk() {
            bytes += chunk
            chunks += 1
        }
        #expect(chunks > 1 || pieceSize == 1)
        var decoder = SnapshotDecoder()
        var rebuilt = Keyspace()
        for start in stride(from: 0, to: bytes.count, by: pieceSize) {
            let piece = Array(bytes[start..<min(start + pieceSize, bytes.count)])
            try piece.withUnsafeBytes { try decoder.feed($0) { rebuilt.insert($0) } }
        }
        #expect(try decoder.finish().lsn == LSN(5))
        #expect(contents(rebuilt) == contents(keyspace))
    }

    /// Any damaged byte — header, entries or trailer — makes the snapshot fail to load.
    @Test func everyCorruptedByteIsDetected() throws {
        try withTemporaryDirectory { path in
            let directory = DataDirectory(path)
            try directory.create()
            let keyspace = Self.sampleKeyspace(count: 6)
            let info = try SnapshotWriter(directory: directory, history: .random()).write(keyspace.snapshot(), at: LSN(1), lineage: Lineage())
            let original = try fileBytes(info.path)
            for index in original.indices {
                var damaged = original
                damaged[index] ^= 0x20
                try writeFile(info.path, damaged)
                #expect(throws: StorageError.self, "byte \(index)") { try SnapshotReader.verify(info.path) }
            }
        }
    }

    @Test func truncatedOrExtendedSnapshotIsRejected() throws {
        try withTemporaryDirectory { path in
            let directory = DataDirectory(path)
            try directory.create()
            let info = try SnapshotWriter(directory: directory, history: .random())
                .write(Self.sampleKeyspace(count: 20).snapshot(), at: LSN(1), lineage: Lineage())
            let original = try fileBytes(info.path)
            for length in [0, 10, 44, 64, original.count / 2, original.count - 1] {
                try writeFile(info.path, Array(original[..<length]))
                let error = #expect(throws: StorageError.self) { try SnapshotReader.verify(info.path) }
                #expect(error?.path == info.path)
            }
            try writeFile(info.path, original + [0])
            #expect(throws: StorageError.self) { try SnapshotReader.verify(info.path) }
        }
    }

    /// A snapshot is published only after the log is durable up to its LSN, then compaction
    /// deletes the segments it covers (keeping the one holding the next record) and older snapshots.
    @Test func writeSnapshotCompactsTheLog() throws {
        try withTemporaryDirectory { path in
            let store = try Recovery.open(StorageOptions(dataDirectory: path, segmentBytes: 2048))
            var workload = Workload()
            try workload.run(60, on: store.log, waitEvery: 3)
            let early = try store.log.writeSnapshot(workload.reference.snapshot(), at: LSN(60), lineage: Lineage())
            try workload.run(140, on: store.log, waitEvery: 3)
            let lsn = store.log.lastAssigned
            // Everything written first: a rollover after listing `before` would change the answer.
            try store.log.waitUntilWritten(lsn, durable: true)
            let before = try DataDirectory(path).segments()
            #expect(before.count > 4)

            let (snapshot, compaction) = try store.log.writeSnapshot(workload.reference.snapshot(), at: lsn, lineage: Lineage())
            #expect(store.log.progress.durable >= lsn)
            #expect(compaction.deletedSnapshots == [early.snapshot.path])
            let after = try DataDirectory(path).segments()
            // Kept: the newest segment (it holds, or will hold, lsn + 1), nothing else it covers.
            #expect(after.map(\.firstLSN) == [before.last!.firstLSN])
            #expect(compaction.deletedSegments.count == before.count - 1)
            #expect(compaction.oldestRetainedLSN == before.last!.firstLSN, "what the primary's registry is told")
            #expect(try DataDirectory(path).snapshots().map(\.lsn) == [snapshot.lsn])
            #expect(store.log.statistics.logBytesSinceSnapshot == 0)
            #expect(store.log.statistics.snapshotLSN == lsn)

            try workload.run(5, on: store.log)
            store.log.close()
            let recovered = try recoverAndClose(path, segmentBytes: 2048)
            #expect(recovered.snapshotLSN == lsn)
            #expect(recovered.lastLSN == LSN(205))
            #expect(contents(recovered.dataset) == contents(workload.reference))
        }
    }

    @Test func compactionKeepsWhatReplicationStillNeeds() throws {
        try withTemporaryDirectory { path in
            let store = try Recovery.open(StorageOptions(dataDirectory: path, segmentBytes: 2048))
            var workload = Workload()
            try workload.run(200, on: store.log, waitEvery: 3)
            let segments = try DataDirectory(path).segments()
            let floor = LSN(segments[2].firstLSN.rawValue + 1)
            let (_, compaction) = try store.log.writeSnapshot(workload.reference.snapshot(), at: LSN(200), lineage: Lineage(), retainAfter: floor)
            let kept = try DataDirectory(path).segments()
            // The segment holding floor + 1 is the oldest kept.
            #expect(kept.first?.firstLSN == segments[2].firstLSN)
            #expect(compaction.deletedSegments == segments[0..<2].map(\.path))
            // A cursor from the floor still works; one from before it says the log was compacted.
            let cursor = store.log.records(after: floor)
            #expect(try cursor.next()?.lsn == floor.next)
            let error = #expect(throws: StorageError.self) { try store.log.records(after: .zero).next() }
            #expect(error?.code == .logCompacted)
            store.log.close()
        }
    }
}

@Suite struct CloneInstallTests {
    @Test func installedCloneRecoversAndContinuesAfterItsLSN() throws {
        try withTemporaryDirectory { path in
            let directory = DataDirectory(path + "/replica")
            try directory.create()
            let history = HistoryID(high: 5, low: 6)
            let keyspace = SnapshotTests.sampleKeyspace(count: 50)
            // Receive the stream into the temporary path, as a clone would.
            var encoder = SnapshotEncoder(history: history, lsn: LSN(900), lineage: Lineage(), snapshot: keyspace.snapshot(), chunkSize: 512)
            var received: [UInt8] = []
            while let chunk = encoder.nextChunk() { received += chunk }
            try writeFile(directory.cloneSnapshotPath, received)

            #expect(try directory.installSnapshot(at: directory.cloneSnapshotPath).lsn == LSN(900))
            let store = try Recovery.open(StorageOptions(dataDirectory: directory.path))
            #expect(store.history == history)
            #expect(!store.createdHistory)
            #expect(store.lastLSN == LSN(900))
            #expect(contents(store.dataset) == contents(keyspace))
            try store.log.append(LogRecord(lsn: LSN(901), timestamp: UnixMillis(1), operations: [put("x", "y")]))
            store.log.close()
            #expect(try recoverAndClose(directory.path).lastLSN == LSN(901))
            // A second install into a directory with data is refused.
            try writeFile(directory.cloneSnapshotPath, received)
            #expect(throws: StorageError.self) { try directory.installSnapshot(at: directory.cloneSnapshotPath) }
        }
    }

    @Test func cloneCutShortIsDeletedAtStartup() throws {
        try withTemporaryDirectory { path in
            let directory = DataDirectory(path)
            try directory.create()
            try writeFile(directory.cloneSnapshotPath, Array(repeating: 1, count: 100))
            #expect(throws: StorageError.self) { try directory.installSnapshot(at: directory.cloneSnapshotPath) }
            let store = try recoverAndClose(path)
            #expect(store.createdHistory)
            #expect(!FileSystem.exists(directory.cloneSnapshotPath))
        }
    }

    @Test func crashBetweenSnapshotAndHistoryAdoptsTheSnapshotsHistory() throws {
        try withTemporaryDirectory { path in
            let directory = DataDirectory(path)
            try directory.create()
            let history = HistoryID(high: 7, low: 8)
            _ = try SnapshotWriter(directory: directory, history: history).write(Keyspace().snapshot(), at: LSN(12), lineage: Lineage())
            let store = try recoverAndClose(path)
            #expect(store.history == history)
            #expect(store.lastLSN == LSN(12))
            #expect(store.warnings.count == 1)
            #expect(try directory.readHistory() == history)
        }
    }
}
