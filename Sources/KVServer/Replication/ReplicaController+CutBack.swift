import KVCore
import KVStorage
import NIOCore
import NIOPosix

/// A replica on a dead branch (docs/replication.md, "Lineage"): its log is cut back to the
/// fork point and its data rebuilt from its snapshot and the log, without a new clone.
extension ReplicaController {
    func cutBack(to lsn: LSN) {
        guard let database, let snapshots else { return feed(.cutBackFailed(reason: "no data to cut back")) }
        installing = true
        report.withLock { $0.forks += 1 }
        let storage = self.storage
        let started = ContinuousClock.now
        let before = database.log.lastAssigned
        NIOThreadPool.singleton.runIfActive(eventLoop: loop) { () throws -> Handover<(RecoveredStore, CutBack)> in
            let directory = DataDirectory(storage.dataDirectory)
            // No snapshot may run while the files change under it; the old data is served
            // (not ready) until the rebuilt one replaces it.
            let cut = try snapshots.exclusively { () throws -> CutBack in
                database.log.close()
                return try directory.cutLog(after: lsn)
            }
            return Handover((try Recovery.open(storage), cut))
        }.whenComplete { [self] result in
            switch result {
            case let .success(handover):
                let (recovered, cut) = handover.value
                report.withLock { $0.recordsDiscarded += cut.recordsDiscarded }
                logger.error("forked log cut back", metadata: [
                    "fork_lsn": "\(lsn)", "from_lsn": "\(before)", "to_lsn": "\(recovered.lastLSN)",
                    "records_discarded": "\(cut.recordsDiscarded)", "segments_deleted": "\(cut.segmentsDeleted)",
                    "epoch": "\(recovered.lineage.current)", "lineage": "\(recovered.lineage)",
                    "seconds": "\(KVService.seconds(since: started))",
                ])
                database.replace(dataset: recovered.dataset, log: recovered.log, lineage: recovered.lineage,
                                 history: recovered.history)
                adoptLog?(recovered.log)
                applied.advanced(to: recovered.lastLSN, reset: true)
                resumeAfterInstall()
                feed(.cutBackFinished(lsn: recovered.lastLSN))
            case let .failure(error):
                resumeAfterInstall()
                feed(.cutBackFailed(reason: "\(error)"))
            }
        }
    }
}
