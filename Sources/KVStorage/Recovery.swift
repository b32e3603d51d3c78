import KVCore

/// Opens a data directory: checks everything on disk, rebuilds the dataset, and opens the
/// write log to continue after the last record.
///
/// Never a silent partial load: anything that does not verify either is a torn tail of the
/// newest segment (cut off, with a warning) or stops startup with a `StorageError` naming the
/// file and byte offset.
public enum Recovery {
    /// Recovers the store in `options.dataDirectory`, creating it (and a new history) if empty.
    ///
    /// 1. Deletes `*.tmp` files: unfinished writes are never data.
    /// 2. Reads the history; an empty directory gets a new one. A directory holding only
    ///    snapshots (a clone interrupted after installing its snapshot) takes the newest
    ///    snapshot's; log segments without a history file are an error.
    /// 3. Loads the newest snapshot that verifies. If the newest does not, an older one (or none)
    ///    is used only when the log still holds every record from there to past the corrupt
    ///    snapshot's LSN; otherwise the corrupt snapshot is the error.
    /// 4. Replays the log records after the snapshot, checking history ids and LSN continuity,
    ///    applying the torn-tail rule to the newest segment.
    ///
    /// - Parameter preloaded: the dataset of the snapshot just installed (a clone), used
    ///   instead of reading that snapshot's file again.
    public static func open(_ options: StorageOptions, preloaded: PreloadedSnapshot? = nil) throws -> RecoveredStore {
        let started = MonotonicClock.nanoseconds()
        let directory = DataDirectory(options.dataDirectory)
        try directory.create()
        var warnings: [String] = []
        for removed in try directory.removeTemporaryFiles() {
            warnings.append("\(removed): deleted unfinished temporary file")
        }

        var history = try directory.readHistory()
        if history == nil, try directory.segments().isEmpty, let newest = try directory.snapshots().last {
            // A clone installs its snapshot before the history file (see `installSnapshot`); a
            // crash in between leaves a verified snapshot that names its history.
            history = try SnapshotReader.verify(newest.path).history
            try directory.writeHistory(history!)
            warnings.append("\(directory.historyPath): missing; restored from \(newest.path)")
        }
        let createdHistory = history == nil
        if history == nil {
            guard try directory.segments().isEmpty && directory.snapshots().isEmpty else {
                throw StorageError(.missingHistory,
                                   "the data directory holds log segments or snapshots but no history file",
                                   path: directory.historyPath)
            }
            history = options.newHistory ?? HistoryID.random()
            try directory.writeHistory(history!)
        }
        let historyID = history!

        let loaded = try loadSnapshot(directory: directory, history: historyID, preloaded: preloaded, warnings: &warnings)
        var dataset = loaded.dataset
        var lineage = loaded.lineage
        let replay: LogReplay.Result
        do {
            replay = try LogReplay.run(directory: directory, history: historyID, after: loaded.lsn,
                                       into: &dataset, lineage: &lineage, warnings: &warnings)
        } catch {
            // The log cannot bridge from the older snapshot: the corrupt newer one is the cause.
            throw loaded.skipped?.error ?? error
        }
        if let skipped = loaded.skipped {
            guard replay.lastLSN >= skipped.lsn else { throw skipped.error }
            warnings.append("\(skipped.error) — recovered from "
                            + (loaded.lsn == .zero ? "the log alone" : "the snapshot at LSN \(loaded.lsn)")
                            + " and the log up to LSN \(replay.lastLSN)")
        }

        let lastLSN = max(replay.lastLSN, loaded.lsn)
        if replay.lastLSN < loaded.lsn {
            warnings.append("\(directory.logPath): the log ends at LSN \(replay.lastLSN), before the snapshot at "
                            + "LSN \(loaded.lsn) (unsynced log lost in a power failure); continuing after the snapshot")
        }
        // Append to the newest segment when it ends where the store does; otherwise (no segment,
        // or a log that ends before the snapshot) start a new one at lastLSN + 1.
        var reopened: OpenSegment?
        if let newest = replay.newestSegment, replay.lastLSN == lastLSN {
            reopened = try OpenSegment.reopen(path: newest.path, firstLSN: newest.firstLSN)
        }
        let log: WriteLog
        do {
            log = try WriteLog(directory: directory, history: historyID, policy: options.fsync,
                               segmentBytes: options.segmentBytes, lastLSN: lastLSN, snapshotLSN: loaded.lsn,
                               reopening: reopened)
        } catch {
            reopened?.file.close()
            throw error
        }
        return RecoveredStore(
            dataset: dataset, history: historyID, lineage: lineage, lastLSN: lastLSN, snapshotLSN: loaded.lsn,
            recordsReplayed: replay.recordsReplayed, warnings: warnings, createdHistory: createdHistory,
            duration: Double(MonotonicClock.nanoseconds() - started) / 1e9, log: log)
    }

    struct LoadedSnapshot {
        var dataset = Dataset(count: 1)
        var lsn = LSN.zero
        var lineage = Lineage()
        /// The newest snapshot, when it did not verify and an older one (or none) was loaded.
        var skipped: (lsn: LSN, error: StorageError)?
    }

    /// The newest snapshot that verifies, remembering the newest one if it did not.
    static func loadSnapshot(directory: DataDirectory, history: HistoryID, preloaded: PreloadedSnapshot? = nil,
                             warnings: inout [String]) throws -> LoadedSnapshot {
        var result = LoadedSnapshot()
        if let preloaded, preloaded.header.history == history,
           try directory.snapshots().last?.lsn == preloaded.header.lsn {
            result.dataset = preloaded.dataset
            result.lsn = preloaded.header.lsn
            result.lineage = preloaded.header.lineage
            return result
        }
        for snapshot in try directory.snapshots().reversed() {
            do {
                let (header, dataset) = try SnapshotReader.load(snapshot.path, history: history)
                guard header.lsn == snapshot.lsn else {
                    throw StorageError(.corruption, "snapshot header says LSN \(header.lsn), its name says \(snapshot.lsn)",
                                       path: snapshot.path, offset: 24)
                }
                result.dataset = dataset
                result.lsn = snapshot.lsn
                result.lineage = header.lineage
                return result
            } catch let error as StorageError where error.code == .corruption {
                if result.skipped == nil {
                    result.skipped = (snapshot.lsn, error)
                } else {
                    warnings.append("\(error) — an older snapshot, skipped")
                }
            }
        }
        return result
    }
}
