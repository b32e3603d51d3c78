import KVCore

/// The files under `--data-dir`, and their names.
///
/// ```
/// <data-dir>/history                                  the history id (text, written atomically)
/// <data-dir>/log/00000000000000000001.log             segments, named by their first LSN
/// <data-dir>/snapshots/snapshot-00000000000000000000.kvs  snapshots, named by their LSN
/// *.tmp anywhere                                      unfinished writes, deleted at startup
/// ```
/// Names are zero-padded to 20 digits (the width of UInt64.max) so that name order is LSN order.
public struct DataDirectory: Sendable, Hashable {
    /// The data directory itself.
    public let path: String

    public init(_ path: String) {
        self.path = path
    }

    /// The file holding the history id.
    public var historyPath: String { FileSystem.join(path, "history") }
    /// The directory of log segments.
    public var logPath: String { FileSystem.join(path, "log") }
    /// The directory of snapshots.
    public var snapshotsPath: String { FileSystem.join(path, "snapshots") }

    /// The suffix of files being written: never taken for data, deleted at startup.
    public static let temporarySuffix = ".tmp"

    /// The segment whose first record is `firstLSN`.
    public func segmentPath(firstLSN: LSN) -> String {
        FileSystem.join(logPath, Self.padded(firstLSN) + ".log")
    }

    /// The snapshot taken at `lsn`.
    public func snapshotPath(lsn: LSN) -> String {
        FileSystem.join(snapshotsPath, "snapshot-" + Self.padded(lsn) + ".kvs")
    }

    /// Creates the directory and its subdirectories if missing.
    public func create() throws {
        try FileSystem.createDirectory(path)
        try FileSystem.createDirectory(logPath)
        try FileSystem.createDirectory(snapshotsPath)
    }

    /// True when the directory holds no history, no segment and no snapshot — a fresh volume
    /// (leftover temporary files do not count: they are never data).
    public func isEmpty() throws -> Bool {
        if FileSystem.exists(historyPath) { return false }
        return try segments().isEmpty && snapshots().isEmpty
    }

    /// The log segments, oldest first.
    public func segments() throws -> [(firstLSN: LSN, path: String)] {
        try listed(logPath, prefix: "", suffix: ".log").map { (firstLSN: $0, path: segmentPath(firstLSN: $0)) }
    }

    /// The snapshots, oldest first.
    public func snapshots() throws -> [(lsn: LSN, path: String)] {
        try listed(snapshotsPath, prefix: "snapshot-", suffix: ".kvs").map { (lsn: $0, path: snapshotPath(lsn: $0)) }
    }

    /// Deletes every `*.tmp` file in the data directory and its subdirectories; returns their
    /// paths. A temporary file is a write that never finished (a crash mid-snapshot, a clone
    /// cut short): taking it for data is what the rename-into-place protocol exists to prevent.
    @discardableResult
    public func removeTemporaryFiles() throws -> [String] {
        var removed: [String] = []
        for directory in [path, logPath, snapshotsPath] where FileSystem.isDirectory(directory) {
            for name in try FileSystem.contents(of: directory) where name.hasSuffix(Self.temporarySuffix) {
                let file = FileSystem.join(directory, name)
                try FileSystem.remove(file)
                removed.append(file)
            }
            if !removed.isEmpty { try FileSystem.syncDirectory(directory) }
        }
        return removed
    }

    /// LSNs parsed from names `prefix<20 digits>suffix`, ascending. Other names are ignored.
    private func listed(_ directory: String, prefix: String, suffix: String) throws -> [LSN] {
        guard FileSystem.isDirectory(directory) else { return [] }
        return try FileSystem.contents(of: directory).compactMap { name -> LSN? in
            guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
            let digits = name.dropFirst(prefix.count).dropLast(suffix.count)
            guard digits.count == 20, let value = UInt64(digits) else { return nil }
            return LSN(value)
        }.sorted()
    }

    static func padded(_ lsn: LSN) -> String {
        let digits = String(lsn.rawValue)
        return String(repeating: "0", count: 20 - digits.count) + digits
    }
}
