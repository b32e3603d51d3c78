import KVCore
import KVStorage
import Logging
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Takes a snapshot when the log has grown past `--snapshot-after-bytes` since the last one;
/// the log then deletes the segments the snapshot covers. One snapshot at a time.
///
/// The keyspace copy and its LSN are taken together under the database lock (microseconds:
/// the table's pages are shared copy-on-write); the file is written on NIO's blocking pool
/// while writes go on.
final class SnapshotScheduler: Sendable {
    // The database and the logger, not the `ServerContext`: the context owns, through the
    // database's log (progress handler) and a replica's controller, references back to this
    // scheduler — holding the context here made a retain cycle that kept the whole server,
    // keyspace included, alive past shutdown (LeakSanitizer, Tests/Sanitizers/README.md).
    private let database: Database
    private let logger: Logger
    private let threshold: UInt64
    private let running = Atomic<Bool>(false)
    private let stopped = Atomic<Bool>(false)
    /// Records after this LSN are kept for replicas (the primary's `ReplicationHub`).
    private let retainAfter: @Sendable () -> LSN?
    /// Told the first LSN the log files still hold after a compaction (the primary's registry).
    private let compacted: @Sendable (LSN) -> Void
    /// SAVE/BGSAVE/LASTSAVE's view: told every outcome.
    private let control: SnapshotControl?


    init(database: Database, logger: Logger, threshold: Int, retainAfter: @escaping @Sendable () -> LSN? = { nil },
         compacted: @escaping @Sendable (LSN) -> Void = { _ in }, control: SnapshotControl? = nil) {
        self.database = database
        self.logger = logger
        self.threshold = UInt64(max(1, threshold))
        self.retainAfter = retainAfter
        self.compacted = compacted
        self.control = control
        control?.install { [weak self] completion in self?.startNow(completion: completion) ?? .unavailable }
    }

    /// SAVE and BGSAVE: a snapshot now, unless one is being written. `completion` runs when
    /// it is published (or failed).
    func startNow(completion: @escaping SnapshotControl.Completion) -> SnapshotControl.Start {
        guard !stopped.load(ordering: .relaxed) else { return .unavailable }
        guard running.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return .alreadyRunning
        }
        NIOThreadPool.singleton.submit { [self] _ in
            let succeeded = takeSnapshot()
            running.store(false, ordering: .releasing)
            completion(succeeded)
        }
        return .started
    }

    /// Called by the log's flusher after each write: starts a snapshot if one is due.
    func logAdvanced() {
        guard !stopped.load(ordering: .relaxed),
              database.log.statistics.logBytesSinceSnapshot >= threshold,
              running.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        else { return }
        NIOThreadPool.singleton.submit { [self] _ in
            takeSnapshot()
            running.store(false, ordering: .releasing)
        }
    }

    /// Writes a snapshot of the keyspace as of now; returns whether it was published.
    @discardableResult
    func takeSnapshot() -> Bool {
        control?.inProgress.store(true, ordering: .relaxed)
        defer { control?.inProgress.store(false, ordering: .relaxed) }
        let (snapshot, lsn, lineage, log) = database.withLock { state in
            (state.dataset.snapshot(), state.log.lastAssigned, state.lineage, state.log)
        }
        let started = ContinuousClock.now
        do {
            let result = try log.writeSnapshot(snapshot, at: lsn, lineage: lineage, retainAfter: retainAfter())
            if let oldest = result.compaction.oldestRetainedLSN { compacted(oldest) }
            logger.info("snapshot written", metadata: [
                "lsn": "\(lsn)",
                "keys": "\(snapshot.count)",
                "seconds": "\(KVService.seconds(since: started))",
                "file": "\(result.snapshot)",
                "compaction": "\(result.compaction)",
            ])
            control?.finished(succeeded: true)
            return true
        } catch {
            logger.error("snapshot at LSN \(lsn) failed: \(error)")
            control?.finished(succeeded: false)
            return false
        }
    }

    /// Runs `body` while no snapshot runs or starts (a replica replacing its data directory
    /// with a new clone). Blocks until a running snapshot finishes: call it off the event loops.
    func exclusively<Result>(_ body: () throws -> Result) rethrows -> Result {
        while !running.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
            usleep(1000)
        }
        defer { running.store(false, ordering: .releasing) }
        return try body()
    }

    /// No new snapshots (shutdown).
    func stop() {
        stopped.store(true, ordering: .relaxed)
    }
}
