import KVCore

/// How to open a data directory.
public struct StorageOptions: Sendable {
    /// `--data-dir`.
    public var dataDirectory: String
    /// `--fsync`.
    public var fsync: FsyncPolicy
    /// Size at which the log starts a new segment.
    public var segmentBytes: Int
    /// The history to create if the directory is empty; nil makes a fresh random one.
    public var newHistory: HistoryID?

    public init(dataDirectory: String, fsync: FsyncPolicy = .always, segmentBytes: Int = 64 << 20,
                newHistory: HistoryID? = nil) {
        self.dataDirectory = dataDirectory
        self.fsync = fsync
        self.segmentBytes = segmentBytes
        self.newHistory = newHistory
    }
}

/// What `Recovery.open` found and rebuilt.
public struct RecoveredStore {
    /// The dataset (every database) as of `lastLSN`: the snapshot plus every record after it.
    public var dataset: Dataset
    /// The data directory's history.
    public var history: HistoryID
    /// The epochs of the log up to `lastLSN`: the snapshot's, then the markers replayed.
    public var lineage: Lineage
    /// The last LSN applied to `dataset`; the log continues at `lastLSN + 1`.
    public var lastLSN: LSN
    /// The LSN of the snapshot loaded (0 when none was).
    public var snapshotLSN: LSN
    /// Log records applied on top of the snapshot.
    public var recordsReplayed: Int
    /// Things repaired or worth an operator's attention (a torn tail cut, temporary files
    /// deleted, a corrupt snapshot bypassed), one line each, naming files and offsets.
    public var warnings: [String]
    /// True when the directory was empty and a new history was created.
    public var createdHistory: Bool
    /// How long recovery took, in seconds.
    public var duration: Double
    /// The write log, open and appending after `lastLSN`.
    public let log: WriteLog
}
