import KVCore
import KVStorage
import NIOCore
import NIOPosix

/// Installing a received clone: the first one into the empty data directory, or a re-clone
/// that replaces the data being served (docs/replication.md, "Re-clone").
extension ReplicaController {
    func install(history: HistoryID, lsn: LSN) {
        installing = true
        let storage = self.storage
        let database = self.database
        let snapshots = self.snapshots
        // Verified as it arrived, and its keyspace built: nothing is read back.
        let received = receivedClone.flatMap { $0.header.history == history && $0.header.lsn == lsn ? $0 : nil }
        receivedClone = nil
        let started = ContinuousClock.now
        NIOThreadPool.singleton.runIfActive(eventLoop: loop) { () throws -> Handover<RecoveredStore> in
            let directory = DataDirectory(storage.dataDirectory)
            if let database {
                // A re-clone: the old data was served until now; replace it on disk, then in memory.
                try (snapshots?.exclusively { () throws -> Void in
                    database.log.close()
                    try directory.wipe()
                    _ = try directory.installSnapshot(at: directory.cloneSnapshotPath, verified: received?.header)
                } ?? ())
            } else {
                _ = try directory.installSnapshot(at: directory.cloneSnapshotPath, verified: received?.header)
            }
            return Handover(try Recovery.open(storage, preloaded: received))
        }.whenComplete { [self] result in
            switch result {
            case let .success(handover):
                let recovered = handover.value
                logger.info("clone loaded", metadata: [
                    "history": "\(recovered.history)", "lsn": "\(recovered.lastLSN)", "keys": "\(recovered.dataset.count)",
                    "seconds": "\(KVService.seconds(since: started))",
                ])
                if let database {
                    database.replace(dataset: recovered.dataset, log: recovered.log, lineage: recovered.lineage,
                                     history: recovered.history)
                    adoptLog?(recovered.log)
                    applied.advanced(to: recovered.lastLSN, reset: true)
                    resumeAfterInstall()
                } else if let initialData {
                    initialData.succeed(handover)  // `attach` resumes
                } else {
                    recovered.log.close()
                }
            case let .failure(error):
                logger.error("installing the clone (history \(history), lsn \(lsn)) failed: \(error)")
                if let initialData {
                    initialData.fail(StartupError("installing the clone failed: \(error)"))
                    self.initialData = nil
                    return
                }
                // Start over with a new clone.
                installing = false
                deferred.removeAll()
                feed(.resyncRequired(.history(history)))
            }
        }
    }

    func resumeAfterInstall() {
        installing = false
        let actions = deferred
        deferred.removeAll()
        perform(actions)
        publishReport()
    }
}
