import KVCore
import Testing
@testable import KVStorage

/// Inputs the fuzz targets (Tests/Fuzz) found, minimized, as regression tests. The inputs
/// are also in the seed corpus (Tests/Fuzz/Corpus/<target>/crash-…).
@Suite struct FuzzFindingsTests {
    /// A snapshot header (4 entries at LSN 7), then an entry whose key is "a" and whose value
    /// length (0xA3185C50) is impossible: the bad field is at byte 44 + 4 + 1 = 49.
    static let badValueLength: [UInt8] = [
        0x4b, 0x56, 0x53, 0x4e, 0x01, 0x00, 0x00, 0x00, 0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01,
        0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xa5, 0x81, 0xf2, 0x6f, 0x01, 0x00, 0x00, 0x00,
        0x61, 0x50, 0x5c, 0x18, 0xa3,
    ]

    /// FuzzSnapshot (whole and chunked disagreed): a bad key or value length was reported at
    /// its offset in the fed bytes plus everything consumed before it — counting the items
    /// parsed earlier in the same feed twice (byte 93 here instead of 49). Fed byte by byte,
    /// the offset was right.
    @Test(arguments: [1, 7, 1000])
    func snapshotFieldErrorsNameTheirStreamOffset(pieceSize: Int) throws {
        #expect(try Self.decodingError(Self.badValueLength, pieceSize: pieceSize).offset == 49)
        // The same for a bad key length, after a whole first entry.
        var header = Array(Self.badValueLength[0..<44])
        header += [0x01, 0, 0, 0, 0x61, 0x01, 0, 0, 0, 0x31] + [UInt8](repeating: 0, count: 8)
        header += [0xff, 0xff, 0xff, 0x7f]
        #expect(try Self.decodingError(header, pieceSize: pieceSize).offset == 44 + 18)
    }

    static func decodingError(_ bytes: [UInt8], pieceSize: Int) throws -> StorageError {
        var decoder = SnapshotDecoder()
        do {
            var offset = 0
            while offset < bytes.count {
                let end = min(bytes.count, offset + pieceSize)
                try bytes[offset..<end].withUnsafeBytes { try decoder.feed($0) { _ in } }
                offset = end
            }
        } catch let error as StorageError {
            return error
        }
        Issue.record("no error")
        return StorageError(.corruption, "none")
    }

    /// A whole one-entry snapshot ("a" = "1") and one byte more.
    static let trailingByte: [UInt8] = [
        0x4b, 0x56, 0x53, 0x4e, 0x01, 0x00, 0x00, 0x00, 0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01,
        0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xef, 0x7e, 0xd3, 0x07, 0x01, 0x00, 0x00, 0x00,
        0x61, 0x01, 0x00, 0x00, 0x00, 0x31, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x4b, 0x56,
        0x53, 0x45, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0xa1, 0xa5, 0x20, 0x78,
    ]

    /// FuzzSnapshot and FuzzCloneWriter (whole and chunked disagreed): bytes after the trailer
    /// were refused with a count of those in the same feed ("25 unexpected bytes" whole, "7"
    /// in pieces), and `finish()` then accepted the snapshot all the same.
    @Test(arguments: [1, 3, 1000])
    func bytesAfterTheTrailerAreRefusedAlikeInAnyPieces(pieceSize: Int) throws {
        let bytes = Self.trailingByte + Array("trailing garbage".utf8)
        var decoder = SnapshotDecoder()
        var offset = 0
        var refusal: StorageError?
        do {
            while offset < bytes.count {
                let end = min(bytes.count, offset + pieceSize)
                try bytes[offset..<end].withUnsafeBytes { try decoder.feed($0) { _ in } }
                offset = end
            }
        } catch let error as StorageError {
            refusal = error
        }
        #expect(refusal?.description == "corruption at byte 78: unexpected bytes after the snapshot trailer")
        #expect(!decoder.isComplete)
        #expect(throws: StorageError.self) { try decoder.finish() }
        #expect(throws: StorageError.self) { try [UInt8]().withUnsafeBytes { try decoder.feed($0) { _ in } } }
    }

    /// FuzzCloneWriter: when the chunk holding the trailer also held a byte too many, `append`
    /// threw (and did not write the chunk), yet `isComplete` was true and `finish()` returned
    /// the clone — a file without its trailer, had a caller not abandoned it.
    @Test func aCloneThatThrewIsNeverComplete() throws {
        try withTemporaryDirectory { path in
            let writer = try CloneWriter(directory: DataDirectory(path))
            #expect(throws: StorageError.self) { try Self.trailingByte.withUnsafeBytes { try writer.append($0) } }
            #expect(!writer.isComplete)
            #expect(throws: StorageError.self) { try writer.finish() }
            #expect(throws: StorageError.self) { try [UInt8]().withUnsafeBytes { try writer.append($0) } }
            writer.abandon()
        }
        // Without the extra byte, the same snapshot is a complete clone.
        try withTemporaryDirectory { path in
            let writer = try CloneWriter(directory: DataDirectory(path))
            try Self.trailingByte.dropLast().withUnsafeBytes { try writer.append($0) }
            #expect(writer.isComplete)
            #expect(try writer.finish().dataset.count == 1)
        }
    }
}
