import KVCore

/// Reads snapshot files, verifying every byte before the result is used.
public enum SnapshotReader {
    /// Reads the snapshot at `path` into a new dataset. The dataset is built while the file
    /// streams through a `SnapshotDecoder` and is returned only if the trailer verifies; on any
    /// error it is discarded. `history`, when given, must match the file's.
    public static func load(_ path: String, history: HistoryID? = nil) throws -> (header: SnapshotHeader, dataset: Dataset) {
        var dataset = Dataset(count: 1)
        let header = try stream(path) { dataset.insert($0, database: $1) }
        if let history, header.history != history {
            throw StorageError(.historyMismatch,
                               "snapshot belongs to history \(header.history), the data directory to \(history)",
                               path: path, offset: 8)
        }
        return (header, dataset)
    }

    /// Reads the whole snapshot at `path` and checks it, keeping nothing; returns its header.
    public static func verify(_ path: String) throws -> SnapshotHeader {
        try stream(path) { _, _ in }
    }

    /// Streams the entries of `path` to `onEntry` in 1 MiB reads; returns the header once the
    /// trailer verifies. Errors name `path`.
    public static func stream(_ path: String, onEntry: (Entry, _ database: Int) throws -> Void) throws -> SnapshotHeader {
        let file = try SystemFile.openForReading(path)
        defer { file.close() }
        var decoder = SnapshotDecoder()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset = 0
        do {
            while true {
                let count = try buffer.withUnsafeMutableBytes { raw in
                    try file.read(into: raw.baseAddress!, count: raw.count, at: offset)
                }
                if count == 0 { break }
                offset += count
                try buffer.withUnsafeBytes { raw in
                    try decoder.feed(UnsafeRawBufferPointer(rebasing: raw[0..<count]), onEntry: onEntry)
                }
            }
            return try decoder.finish()
        } catch var error as StorageError {
            if error.path == nil { error.path = path }
            throw error
        }
    }
}
