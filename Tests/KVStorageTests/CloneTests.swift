import Foundation
import KVCore
import Testing
@testable import KVStorage

/// A clone on disk: received in pieces, verified as it arrives, installed, recovered without
/// reading it back; a re-clone's wipe.
@Suite struct CloneTests {
    /// A source keyspace and its snapshot bytes at LSN 500.
    static func source(keys: Int = 3000) throws -> (keyspace: Keyspace, history: HistoryID, bytes: [UInt8]) {
        var keyspace = Keyspace()
        for index in 0..<keys {
            keyspace.insert(Entry.make(key: Array("key:\(index)".utf8), value: Array(repeating: UInt8(index % 251), count: index % 300),
                                       expiresAt: index % 7 == 0 ? UnixMillis(4_000_000_000_000) : nil))
        }
        let history = HistoryID.random()
        var encoder = SnapshotEncoder(history: history, lsn: LSN(500), lineage: Lineage(), snapshot: keyspace.snapshot(), chunkSize: 4096)
        var bytes: [UInt8] = []
        while let chunk = encoder.nextChunk() { bytes += chunk }
        return (keyspace, history, bytes)
    }

    static func contents(_ keyspace: Keyspace) -> Set<[UInt8]> {
        Set(keyspace.snapshot().map { $0.key + [0] + $0.value + Array(String($0.expiresAt?.rawValue ?? 0).utf8) })
    }

    static func contents(_ dataset: Dataset) -> Set<[UInt8]> { contents(dataset[0]) }

    @Test func aCloneArrivingInPiecesIsInstalledAndRecoveredWithoutReadingItBack() throws {
        let (keyspace, history, bytes) = try Self.source()
        try withTemporaryDirectory { path in
            let directory = DataDirectory(path)
            let writer = try CloneWriter(directory: directory)
            var generator = SeededGenerator(seed: 7)
            var offset = 0
            while offset < bytes.count {
                let count = min(bytes.count - offset, Int.random(in: 1...9000, using: &generator))
                try bytes[offset..<offset + count].withUnsafeBytes { try writer.append($0) }
                offset += count
            }
            #expect(writer.isComplete)
            let received = try writer.finish()
            #expect(received.header.lsn == LSN(500) && received.header.history == history)
            #expect(Self.contents(received.dataset) == Self.contents(keyspace))

            _ = try directory.installSnapshot(at: directory.cloneSnapshotPath, verified: received.header)
            let store = try Recovery.open(StorageOptions(dataDirectory: path), preloaded: received)
            #expect(store.history == history && store.lastLSN == LSN(500))
            #expect(Self.contents(store.dataset) == Self.contents(keyspace))
            store.log.close()
            // And from the file alone, as after a restart.
            let reopened = try recoverAndClose(path)
            #expect(Self.contents(reopened.dataset) == Self.contents(keyspace))
        }
    }

    @Test func garbledOrCutClonesAreRefusedAndLeaveNoData() throws {
        let (_, _, bytes) = try Self.source(keys: 500)
        try withTemporaryDirectory { path in
            let directory = DataDirectory(path)
            var garbled = bytes
            garbled[garbled.count / 2] ^= 0x5A
            let writer = try CloneWriter(directory: directory)
            // Refused when the bytes arrive, or at the latest by finish(): a flip in the third
            // byte of a length field (the keyspace's order, hence the layout, changes with the
            // process's hash seed) makes a length that is possible, and the decoder waits for it.
            #expect(throws: StorageError.self) {
                try garbled.withUnsafeBytes { try writer.append($0) }
                _ = try writer.finish()
            }
            writer.abandon()
            #expect(!FileManager.default.fileExists(atPath: directory.cloneSnapshotPath))

            let cut = try CloneWriter(directory: directory)
            try bytes.dropLast(10).withUnsafeBytes { try cut.append($0) }
            #expect(!cut.isComplete)
            #expect(throws: StorageError.self) { try cut.finish() }
            #expect(try directory.isEmpty(), "a cut clone is never data")
            #expect(try Recovery.open(StorageOptions(dataDirectory: path)).createdHistory, "recovery deletes the .tmp file")
        }
    }

    @Test func wipeDeletesTheDataButKeepsAnUnfinishedClone() throws {
        try withTemporaryDirectory { path in
            let store = try Recovery.open(StorageOptions(dataDirectory: path, segmentBytes: 2048))
            var workload = Workload()
            try workload.run(100, on: store.log, waitEvery: 10)
            _ = try store.log.writeSnapshot(workload.reference.snapshot(), at: store.log.lastAssigned, lineage: Lineage())
            store.log.close()
            let directory = DataDirectory(path)
            let writer = try CloneWriter(directory: directory)
            #expect(!(try directory.isEmpty()))
            try directory.wipe()
            #expect(try directory.isEmpty())
            #expect(FileManager.default.fileExists(atPath: writer.path))
            writer.abandon()
        }
    }
}
