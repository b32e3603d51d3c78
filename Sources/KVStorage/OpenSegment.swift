#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KVCore

/// The segment the flusher appends to: an open descriptor (O_APPEND) and how big the file is.
struct OpenSegment: Sendable {
    let file: SystemFile
    let firstLSN: LSN
    /// Bytes in the file, header included.
    var size: Int

    /// Creates the segment whose first record will be `firstLSN`: the header is written and
    /// fsynced under a `.tmp` name, then renamed into place and the directory fsynced, so a
    /// segment file is never seen without its whole header.
    static func create(in directory: DataDirectory, history: HistoryID, firstLSN: LSN) throws -> OpenSegment {
        let path = directory.segmentPath(firstLSN: firstLSN)
        guard !FileSystem.exists(path) else {
            throw StorageError(.invalidArgument, "segment already exists", path: path)
        }
        let temporary = path + DataDirectory.temporarySuffix
        let file = try SystemFile.open(temporary, flags: O_WRONLY | O_CREAT | O_TRUNC | O_APPEND)
        var renamed = false
        do {
            try file.write(SegmentHeader(history: history, firstLSN: firstLSN).encoded())
            try file.sync()
            try FileSystem.rename(temporary, to: path)
            renamed = true
            try FileSystem.syncDirectory(directory.logPath)
        } catch {
            // Leave nothing behind, so that the flusher's retry can create the segment afresh.
            file.close()
            try? FileSystem.remove(renamed ? path : temporary)
            throw error
        }
        return OpenSegment(file: SystemFile(descriptor: file.descriptor, path: path), firstLSN: firstLSN,
                           size: SegmentHeader.size)
    }

    /// Opens an existing segment to append after its last record (recovery has checked it and
    /// cut any torn tail, so its size is where the next record goes).
    static func reopen(path: String, firstLSN: LSN) throws -> OpenSegment {
        let file = try SystemFile.open(path, flags: O_WRONLY | O_APPEND)
        do {
            return OpenSegment(file: file, firstLSN: firstLSN, size: try file.seekToEnd())
        } catch {
            file.close()
            throw error
        }
    }
}
