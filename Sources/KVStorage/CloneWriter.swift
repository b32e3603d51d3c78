import KVCore

#if canImport(Glibc)
import Glibc
#endif

/// Receives a clone (snapshot bytes arriving over TCP) into `snapshots/clone.kvs.tmp`,
/// checking the bytes as they arrive and building the dataset from them, so that installing
/// the clone need not read the file back.
///
/// The bytes go through a `SnapshotDecoder` on their way to the file, so a garbled stream is
/// refused at the first bad byte and the end of the snapshot is known from its trailer (the
/// peer need not close the connection). `finish()` fsyncs the file; it then still has its
/// temporary name — `DataDirectory.installSnapshot(at:)` makes it data.
public final class CloneWriter {
    /// The temporary file being written.
    public let path: String
    /// Bytes received so far.
    public private(set) var byteCount = 0
    /// Entries decoded so far.
    public var entryCount: UInt64 { decoder.entriesDecoded }
    /// The header, once received.
    public var header: SnapshotHeader? { decoder.header }
    /// True once the trailer has arrived and verified: nothing more belongs to the clone.
    /// False for good once `append` threw.
    public var isComplete: Bool { !failed && decoder.isComplete }

    private let file: SystemFile
    private var decoder = SnapshotDecoder()
    /// The entries received so far; whole (and usable) once `finish()` succeeded.
    private var dataset = Dataset(count: 1)
    private var closed = false
    /// Set when `append` threw: the bytes that made it throw are not in the file (and the
    /// decoder may have finished on them), so the clone can never complete.
    private var failed = false

    /// Starts a clone into `directory` (created if missing), replacing an older unfinished one.
    public init(directory: DataDirectory) throws {
        try directory.create()
        path = directory.cloneSnapshotPath
        if FileSystem.exists(path) { try FileSystem.remove(path) }
        file = try SystemFile.open(path, flags: O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC)
    }

    deinit {
        if !closed { file.close() }
    }

    /// Appends received bytes. Throws a `StorageError` when they are not (the rest of) a
    /// snapshot — including any byte after its trailer.
    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard !failed else {
            throw StorageError(.corruption, "clone already refused", path: path, offset: byteCount)
        }
        // Moved out and back so that inserting never copies the table (it stays uniquely owned).
        var building = Dataset(count: 1)
        swap(&building, &dataset)
        defer { swap(&building, &dataset) }
        do {
            try decoder.feed(bytes) { building.insert($0, database: $1) }
            var written = 0
            try file.write(bytes, written: &written)
        } catch {
            failed = true
            throw error
        }
        byteCount += bytes.count
    }

    /// Checks that the whole snapshot arrived, fsyncs and closes the file; returns the header
    /// and the dataset it holds (pass both to `installSnapshot(at:verified:)` and
    /// `Recovery.open(_:preloaded:)`).
    public func finish() throws -> PreloadedSnapshot {
        guard isComplete, let header = decoder.header else {
            throw StorageError(.corruption, "clone ends early after \(byteCount) bytes (\(entryCount) entries)",
                               path: path, offset: byteCount)
        }
        try file.sync()
        file.close()
        closed = true
        var result = Dataset(count: 1)
        swap(&result, &dataset)
        return PreloadedSnapshot(header: header, dataset: result)
    }

    /// Stops and deletes the temporary file (a clone cut short).
    public func abandon() {
        if !closed { file.close() }
        closed = true
        try? FileSystem.remove(path)
    }
}

/// A snapshot already read and verified (a clone as it arrived), and the dataset it holds:
/// lets recovery skip reading the file it was written to.
public struct PreloadedSnapshot: @unchecked Sendable {
    // @unchecked Sendable: handed from the thread that built it to the one that recovers, and
    // not touched by the first again.
    public var header: SnapshotHeader
    public var dataset: Dataset

    public init(header: SnapshotHeader, dataset: Dataset) {
        self.header = header
        self.dataset = dataset
    }
}
