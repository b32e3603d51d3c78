import KVCore
import KVReplication
import KVReplicationWire
import KVStorage
import Logging
import NIOCore
import NIOPosix

/// SPEC "Lineage": a primary that starts behind a replica of its lineage catches up from it
/// before taking writes (docs/replication.md, "Catching up").
///
/// Under `--fsync everysec` or `no` a primary streams a record before it is on its disk; if
/// its machine crashes, it comes back without records its replicas hold. Before it opens its
/// new epoch it asks its peers where their data ends; which answer means what, and how many
/// rounds to ask, is `CatchUpSurvey`'s to decide. A peer holding records of the primary's
/// current epoch past its end is asked for them (`KV.FETCH`); they are applied and appended to
/// the log, and made durable, before the caller opens the epoch. When no peer answers, the
/// primary starts alone: lineage still keeps the replicas from diverging (they re-clone).
enum PrimaryCatchUp {
    /// The store with the fetched records applied (and durable), and the highest epoch any
    /// peer reported (the new epoch goes above it).
    static func run(_ store: RecoveredStore, configuration: ServerConfiguration, group: any EventLoopGroup,
                    logger: Logger) async throws -> (store: RecoveredStore, highestEpochSeen: Epoch) {
        let peers = configuration.restorePeers.map { PeerAddress($0) }
        var survey = CatchUpSurvey(history: store.history, lineage: store.lineage, end: store.lastLSN)
        let started = ContinuousClock.now
        while true {
            let asked = peers.map {
                PrimaryRestore.lastRecord(of: $0, password: configuration.password, tls: configuration.tls, group: group)
            }
            let results = peers.isEmpty ? [] : ((try? await EventLoopFuture.whenAllComplete(asked, on: group.next()).get()) ?? [])
            let answers = zip(peers, results).map { peer, result -> (peer: PeerAddress, answer: CatchUpSurvey.Answer) in
                switch result {
                case let .success(position):
                    guard let position else { return (peer, .noData) }
                    return (peer, .position(history: position.history, epoch: position.epoch, lsn: position.lsn))
                case let .failure(error):
                    return (peer, PrimaryRestore.doesNotResolve(error) ? .doesNotResolve : .unreachable)
                }
            }
            switch survey.onRound(answers) {
            case let .fetch(peer, through):
                logger.warning("""
                    \(peer) holds records of this primary's epoch \(store.lineage.current) up to LSN \(through), \
                    past this primary's LSN \(store.lastLSN) (lost from its disk): fetching them before taking writes
                    """)
                let caughtUp = try await fetch(store, from: peer, through: through, configuration: configuration,
                                               group: group, logger: logger, started: started)
                return (caughtUp, survey.highestEpochSeen)
            case let .startAlone(reason):
                logger.info("primary: nothing to catch up from peers (\(reason))", metadata: ["lsn": "\(store.lastLSN)"])
                return (store, survey.highestEpochSeen)
            case let .askAgain(delay):
                logger.info("peers exist but did not answer yet; asking again before taking writes",
                            metadata: ["round": "\(survey.round)"])
                try? await Task.sleep(for: delay)
            }
        }
    }

    private static func fetch(_ store: RecoveredStore, from peer: PeerAddress, through: LSN,
                              configuration: ServerConfiguration, group: any EventLoopGroup, logger: Logger,
                              started: ContinuousClock.Instant) async throws -> RecoveredStore {
        let before = store.lastLSN
        let request = FetchRequest(history: store.history, after: store.lastLSN, epoch: store.lineage.epoch(at: store.lastLSN))
        let fetch = OneShotFetch(loop: group.next(), store: store)
        let (fetched, error) = await fetch.run(request, from: peer, password: configuration.password, tls: configuration.tls,
                                               directory: DataDirectory(configuration.dataDirectory), logger: logger)
        let refusal = try? await fetch.loop.submit { fetch.refusal }.get()  // set on that loop
        if case .compacted? = refusal {
            // The peer's snapshot holds the records its log no longer does: clone it.
            return try await cloneInstead(fetched, from: peer, configuration: configuration, group: group, logger: logger)
                ?? fetched
        }
        if let error {
            logger.error("catching up from \(peer) stopped at LSN \(fetched.lastLSN) of \(through): \(error); starting with what arrived")
        }
        do {
            // Durable before the new epoch's marker: the epoch must follow records that stay.
            if fetched.lastLSN > before {
                let log = fetched.log
                let last = fetched.lastLSN
                try await NIOThreadPool.singleton.runIfActive { try log.waitUntilWritten(last, durable: true) }
            }
        } catch {
            logger.error("the fetched records did not reach the disk: \(error)")
        }
        logger.warning("primary: caught up from \(peer)", metadata: [
            "records": "\(fetched.lastLSN.rawValue - before.rawValue)", "from_lsn": "\(before)", "to_lsn": "\(fetched.lastLSN)",
            "seconds": "\(KVService.seconds(since: started))",
        ])
        return fetched
    }

    /// A peer that holds records past this primary's end, but as a snapshot (it compacted its
    /// log): clone it, as an empty primary restores, then recover from the clone. The clone
    /// arrives whole and verified before the primary's own data is replaced; a clone that
    /// fails leaves the primary's data as it was (and loses what only the peer held, logged).
    /// Nil when the clone failed (the primary's data untouched). Throws only when the data
    /// directory could not be replaced after it was wiped: the pod must not go on — at its next
    /// start, empty, it restores from its peers.
    private static func cloneInstead(_ store: RecoveredStore, from peer: PeerAddress, configuration: ServerConfiguration,
                                     group: any EventLoopGroup, logger: Logger) async throws -> RecoveredStore? {
        let directory = DataDirectory(configuration.dataDirectory)
        logger.warning("\(peer) compacted the records this primary lost into a snapshot: cloning it instead of fetching them")
        do {
            try await OneShotClone(loop: group.next()).run(from: peer, password: configuration.password, tls: configuration.tls,
                                                           directory: directory, logger: logger)
        } catch {
            logger.error("cloning \(peer) failed (\(error)): starting with this primary's own data, without the records only it held")
            return nil
        }
        let options = StorageOptions(dataDirectory: configuration.dataDirectory, fsync: configuration.fsync,
                                     segmentBytes: configuration.logSegmentBytes)
        let handover = Handover(store)
        do {
            let recovered = try await NIOThreadPool.singleton.runIfActive { () throws -> Handover<RecoveredStore> in
                handover.value.log.close()
                try directory.wipe()
                _ = try directory.installSnapshot(at: directory.cloneSnapshotPath)
                return Handover(try Recovery.open(options))
            }.value
            logger.warning("primary: restored from \(peer)'s snapshot", metadata: [
                "from_lsn": "\(store.lastLSN)", "to_lsn": "\(recovered.lastLSN)", "lineage": "\(recovered.lineage)",
            ])
            return recovered
        } catch {
            throw StartupError("replacing this primary's data with \(peer)'s clone failed: \(error)")
        }
    }
}
