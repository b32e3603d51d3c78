import KVCore
@testable import KVStorage
import Testing

/// The lineage on disk: epoch markers in the log, the epochs in snapshot headers, and
/// recovery putting the two together.
@Suite struct LineageStorageTests {
    static func lineage(_ starts: [(UInt64, UInt64)]) -> Lineage {
        var lineage = Lineage()
        for (epoch, lsn) in starts { lineage.begin(Epoch(epoch), at: LSN(lsn)) }
        return lineage
    }

    @Test func snapshotHeadersCarryTheLineageUpToTheirLSN() throws {
        try withTemporaryDirectory { path in
            let directory = DataDirectory(path)
            try directory.create()
            let history = HistoryID.random()
            let info = try SnapshotWriter(directory: directory, history: history)
                .write(SnapshotTests.sampleKeyspace(count: 30).snapshot(), at: LSN(90),
                       lineage: Self.lineage([(1, 10), (4, 60), (6, 95)]))
            let (header, keyspace) = try SnapshotReader.load(info.path, history: history)
            // The epoch that began after the snapshot's LSN is not the snapshot's.
            #expect(header.lineage == Self.lineage([(1, 10), (4, 60)]))
            #expect(header.lsn == LSN(90))
            #expect(keyspace.count == 31)
        }
    }

    /// A snapshot written before lineage (format version 1, a 44-byte header) still loads,
    /// as epoch 0 throughout.
    @Test func versionOneSnapshotsReadAsEpochZero() throws {
        var bytes = Array("KVSN".utf8)
        bytes.appendLittleEndian(UInt32(1))
        bytes.appendLittleEndian(UInt64(7))
        bytes.appendLittleEndian(UInt64(8))
        bytes.appendLittleEndian(UInt64(12))  // LSN
        bytes.appendLittleEndian(UInt64(1))  // one entry
        bytes.appendLittleEndian(CRC32C.checksum(bytes))
        let entryStart = bytes.count
        bytes.appendLittleEndian(UInt32(1))
        bytes.append(UInt8(ascii: "k"))
        bytes.appendLittleEndian(UInt32(1))
        bytes.append(UInt8(ascii: "v"))
        bytes.appendLittleEndian(Int64(0))
        let crc = CRC32C.checksum(Array(bytes[entryStart...]))
        bytes.append(contentsOf: Array("KVSE".utf8))
        bytes.appendLittleEndian(UInt64(1))
        bytes.appendLittleEndian(crc)
        var decoder = SnapshotDecoder()
        var keys = 0
        try bytes.withUnsafeBytes { try decoder.feed($0) { _ in keys += 1 } }
        let header = try decoder.finish()
        #expect(header.lineage == Lineage())
        #expect(header.lsn == LSN(12))
        #expect(header.history == HistoryID(high: 7, low: 8))
        #expect(keys == 1)
    }

    /// Format 2 entries name their value's kind; a kind this version does not know (a data
    /// type written by a later version) is refused at its byte, never misread.
    @Test func unknownValueKindsAreRefused() throws {
        var encoder = SnapshotEncoder(history: HistoryID(high: 1, low: 1), lsn: LSN(3), lineage: Lineage(),
                                      snapshot: SnapshotTests.sampleKeyspace(count: 2).snapshot())
        var bytes: [UInt8] = []
        while encoder.encodeNext(into: &bytes) {}
        var decoder = SnapshotDecoder()
        var count = 0
        try bytes.withUnsafeBytes { try decoder.feed($0) { _ in count += 1 } }
        #expect(try decoder.finish().formatVersion == 2)
        #expect(count == 3)
        // The first entry's kind byte: after the header, its key length and key, and its expiry.
        let headerSize = SnapshotHeader(history: HistoryID(high: 1, low: 1), lsn: LSN(3), entryCount: 3).size
        let keyCount = Int(bytes[headerSize]) | Int(bytes[headerSize + 1]) << 8
        let kindOffset = headerSize + 4 + keyCount + 8
        #expect(bytes[kindOffset] == 0)
        bytes[kindOffset] = 7
        var refusing = SnapshotDecoder()
        let error = #expect(throws: StorageError.self) { try bytes.withUnsafeBytes { try refusing.feed($0) { _ in } } }
        #expect(error?.offset == kindOffset)
        #expect(error?.message.contains("unknown value kind 7") == true)
    }

    @Test func lineageInTheHeaderIsChecked() throws {
        let header = SnapshotHeader(history: HistoryID(high: 1, low: 1), lsn: LSN(50),
                                    entryCount: 0, lineage: Self.lineage([(2, 20)]))
        var bytes: [UInt8] = []
        header.encode(into: &bytes)
        #expect(bytes.count == header.size)
        #expect(try bytes.withUnsafeBytes { try SnapshotHeader.decode($0) } == header)
        // An epoch count of 0 or over the bound is refused before the epochs are read.
        for count in [UInt32(0), UInt32(70_000)] {
            var bad = bytes
            bad.replaceSubrange(40..<44, with: withUnsafeBytes(of: count.littleEndian, Array.init))
            let error = #expect(throws: StorageError.self) { try bad.withUnsafeBytes { try SnapshotHeader.decode($0) } }
            #expect(error?.offset == 40)
        }
        // Epochs out of order, with a valid checksum, are refused.
        var disordered: [UInt8] = Array(bytes[0..<44])
        disordered.replaceSubrange(40..<44, with: withUnsafeBytes(of: UInt32(2).littleEndian, Array.init))
        for value in [UInt64(0), 30, 0, 1] { disordered.appendLittleEndian(value) }  // (0@30, 0@1): 0@1 must be first
        disordered.appendLittleEndian(CRC32C.checksum(disordered))
        #expect(throws: StorageError.self) { try disordered.withUnsafeBytes { try SnapshotHeader.decode($0) } }
    }

    /// Recovery's lineage is the snapshot's, then every marker in the log after it.
    @Test func recoveryRebuildsTheLineage() throws {
        try withTemporaryDirectory { path in
            let store = try Recovery.open(StorageOptions(dataDirectory: path))
            var workload = Workload()
            try workload.run(10, on: store.log)
            store.log.append(timestamp: UnixMillis(1), operations: [.beginEpoch(Epoch(1))])  // LSN 11
            try workload.run(10, on: store.log)
            try store.log.writeSnapshot(workload.reference.snapshot(), at: LSN(21), lineage: Self.lineage([(1, 11)]))
            store.log.append(timestamp: UnixMillis(2), operations: [.beginEpoch(Epoch(2))])  // LSN 22
            try workload.run(3, on: store.log)
            store.log.close()

            let recovered = try recoverAndClose(path)
            #expect(recovered.lineage == Self.lineage([(1, 11), (2, 22)]))
            #expect(recovered.lastLSN == LSN(25))
            #expect(contents(recovered.dataset) == contents(workload.reference))
        }
    }
}

/// Cutting a replica's log back to a fork point.
@Suite struct CutBackTests {
    @Test func cutsTheLogBackAcrossSegments() throws {
        try withTemporaryDirectory { path in
            let store = try Recovery.open(StorageOptions(dataDirectory: path, segmentBytes: 600))
            var workload = Workload()
            try workload.run(40, on: store.log, waitEvery: 1)  // one batch each: segments roll over
            store.log.close()
            let directory = DataDirectory(path)
            #expect(try directory.segments().count > 2, "the test needs several segments")

            let cut = try directory.cutLog(after: LSN(15))
            #expect(cut.recordsDiscarded == 25)
            #expect(cut.segmentsDeleted >= 1)
            let recovered = try recoverAndClose(path, segmentBytes: 600)
            #expect(recovered.lastLSN == LSN(15))
            #expect(recovered.warnings.isEmpty, "a clean cut, not a torn tail: \(recovered.warnings)")
            // The keyspace is the one after record 15 exactly.
            var reference = Workload()
            for _ in 0..<15 { _ = reference.nextOperations() }  // applies them to its reference
            #expect(contents(recovered.dataset) == contents(reference.reference))
            // Cutting again at the same point changes nothing.
            #expect(try directory.cutLog(after: LSN(15)).recordsDiscarded == 0)
        }
    }

    @Test func refusesWhenASnapshotLiesPastTheFork() throws {
        try withTemporaryDirectory { path in
            let store = try Recovery.open(StorageOptions(dataDirectory: path))
            var workload = Workload()
            try workload.run(30, on: store.log)
            try store.log.writeSnapshot(workload.reference.snapshot(), at: LSN(20), lineage: Lineage())
            store.log.close()
            let error = #expect(throws: StorageError.self) { try DataDirectory(path).cutLog(after: LSN(10)) }
            #expect(error?.code == .invalidArgument)
            #expect(try recoverAndClose(path).lastLSN == LSN(30), "nothing was cut")
        }
    }
}
