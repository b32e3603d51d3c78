import KVCore
import KVReplication
import KVStorage
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The whole server as one lifecycle service: recover (or clone), listen, then run the
/// server's parts (`ServerPart`) as services of one group, which at SIGTERM stop accepting,
/// finish in-flight writes, flush the log and stop the loops, in that order.
struct KVService: Service {
    let configuration: ServerConfiguration
    let logger: Logger

    func run() async throws {
        let started = ContinuousClock.now
        let directoryLock = try DataDirectoryLock(directory: configuration.dataDirectory)
        defer { withExtendedLifetime(directoryLock) {} }

        let options = StorageOptions(
            dataDirectory: configuration.dataDirectory,
            fsync: configuration.fsync,
            segmentBytes: configuration.logSegmentBytes
        )
        let identity = configuration.identity
        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.threads)
        let readiness = Readiness()
        let applied = LSNWatch()
        let pubsub = PubSub(limit: configuration.pubsubOutputLimit,
                            notifications: KeyspaceEventClasses(configuration.notifyKeyspaceEvents) ?? [], logger: logger)

        // A replica with an empty data directory clones before it serves anything, as the
        // tutorial's init container does; otherwise the local data is recovered.
        var controller: ReplicaController?
        let recovered: RecoveredStore
        var epochsSeen = Epoch.zero
        do {
            if identity.role == .replica {
                let replica = ReplicaController(configuration: configuration, storage: options, loop: group.next(),
                                                readiness: readiness, applied: applied, logger: logger, pubsub: pubsub)
                controller = replica
                if try DataDirectory(configuration.dataDirectory).isEmpty() {
                    logger.info("empty data directory: cloning before serving", metadata: [
                        "clone_from": "\(configuration.cloneSourcePeer)", "primary": "\(configuration.primaryPeer)",
                    ])
                    recovered = try await withGracefulShutdownHandler {
                        try await replica.cloneInitialData()
                    } onGracefulShutdown: {
                        Task { await replica.stop() }
                    }
                } else {
                    recovered = try await recover(options)
                }
            } else {
                try await restoreFromPeersIfEmpty(group: group)
                let local = try await recover(options)
                if local.createdHistory {
                    recovered = local
                } else {
                    (recovered, epochsSeen) = try await PrimaryCatchUp.run(local, configuration: configuration,
                                                                           group: group, logger: logger)
                }
            }
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        for warning in recovered.warnings { logger.warning("\(warning)") }
        let keys = recovered.dataset.count

        let database = Database(
            dataset: recovered.dataset,
            log: recovered.log,
            lineage: recovered.lineage,
            clock: SystemWallClock(),
            history: recovered.history,
            expiry: identity.role == .primary ? .primary : .replica,
            maxValueSize: configuration.maxValueSize
        )
        database.withLock { state in
            state.slowlog = SlowLog(threshold: configuration.slowlogLogSlowerThan, maximumLength: configuration.slowlogMaxLen)
        }
        if controller == nil, !recovered.createdHistory {
            do {
                try await beginEpoch(database, above: epochsSeen)
            } catch {
                recovered.log.close()
                try? await group.shutdownGracefully()
                throw error
            }
        }
        let lineage = database.withLock { $0.lineage }
        let hub = controller == nil
            ? ReplicationHub(log: recovered.log, lineage: lineage, retention: configuration.replicaRetention) : nil
        let server = ServerContext(
            configuration: configuration,
            database: database,
            logger: logger,
            recovery: RecoverySummary(
                snapshotLSN: recovered.snapshotLSN,
                recordsReplayed: recovered.recordsReplayed,
                seconds: recovered.duration,
                warnings: recovered.warnings
            ),
            replication: controller.map { .replica($0) } ?? .primary(hub!),
            applied: applied,
            readiness: readiness,
            pubsub: pubsub
        )
        let waiters = LogWaiterGroup(group: group, log: recovered.log, writesInline: hub != nil)
        let snapshots = SnapshotScheduler(database: database, logger: logger,
                                          threshold: configuration.snapshotAfterLogBytes,
                                          retainAfter: { hub?.retentionFloor() },
                                          compacted: { hub?.logCompacted(oldest: $0) }, control: server.snapshots)
        // Hooks a log (the recovered one; on a replica, each one a re-clone installs) to what
        // waits on its progress.
        let logHealth = LogHealthReporter(logger: logger)
        let replica = controller
        let latency = server.latency
        let fsyncAlways = configuration.fsync == .always
        let adoptLog: @Sendable (WriteLog) -> Void = { log in
            let fsyncs = FsyncLatencyProbe(log: log, monitor: latency)
            log.setProgressHandler { progress in
                if fsyncAlways { fsyncs.check() }
                if let hub {
                    hub.logAdvanced(acknowledged: progress.acknowledged, durable: progress.durable)
                    applied.advanced(to: progress.acknowledged)
                }
                replica?.logDurable(progress.durable)
                waiters.logAdvanced(to: progress.acknowledged)
                if progress.failure != nil { waiters.logFailed() }
                logHealth.report(progress)
                snapshots.logAdvanced()
            }
        }
        adoptLog(recovered.log)
        applied.advanced(to: recovered.lastLSN)

        let listeners: Listeners
        do {
            listeners = try await Listeners.bind(server: server, group: group, waiters: waiters, readiness: readiness)
        } catch {
            await controller?.stop()
            recovered.log.close()
            try? await group.shutdownGracefully()
            throw error
        }
        let sweeper = ExpirySweeper(server: server, eventLoop: group.next())
        server.memory.start(on: group.next())
        server.history.start(on: group.next(), server: server)
        if let controller {
            // Readiness follows the link: cloned and caught up with the primary.
            readiness.markNotReady("replica: \(ReplicaLink.Readiness.primaryUnknown)")
            controller.attach(database: database, snapshots: snapshots, adoptLog: adoptLog)
        } else {
            // Expiry is the primary's to decide; replicas apply its deletes.
            sweeper.start()
            readiness.markReady()
        }
        logger.info("kv-server serving", metadata: [
            "role": "\(identity.role.rawValue)",
            "tls": "\(configuration.tls == nil ? "off" : "on")",
            "ordinal": "\(identity.ordinal)",
            "data_dir": "\(configuration.dataDirectory)",
            "history": "\(recovered.history)",
            "lsn": "\(database.log.lastAssigned)",
            "epoch": "\(lineage.current)",
            "keys": "\(keys)",
            "created_history": "\(recovered.createdHistory)",
            "snapshot_lsn": "\(recovered.snapshotLSN)",
            "records_replayed": "\(recovered.recordsReplayed)",
            "recovery_seconds": "\(recovered.duration)",
            "startup_seconds": "\(Self.seconds(since: started))",
            "port": "\(configuration.port)",
            "http_port": "\(configuration.httpPort)",
            "fsync": "\(configuration.fsync.rawValue)",
        ])

        // The running server's parts as services of one group: at SIGTERM (the parent group's
        // graceful shutdown) they stop one by one in `ServerPart.Name`'s order.
        var stops: [ServerPart.Name: @Sendable () async -> Void] = [
            .listeners: {
                logger.info("shutting down: no new connections; finishing in-flight writes")
                readiness.markNotReady("shutting down")
                await listeners.stopAccepting()
            },
            .memorySampler: {
                server.memory.stop()
                server.history.stop()
            },
            .expirySweeper: { sweeper.stop() },
            .snapshots: { snapshots.stop() },
            .writeLog: {
                let final = database.log.close()
                if let failure = final.failure {
                    logger.error("flushing the log at shutdown failed: \(failure)")
                }
                logger.info("log closed", metadata: ["lsn": "\(final.lastAssigned)", "durable_lsn": "\(final.durable)"])
            },
            .eventLoops: {
                for loop in group.makeIterator() { try? await loop.submit {}.get() }
                try? await group.shutdownGracefully()
            },
        ]
        if let controller { stops[.replicaStream] = { await controller.stop() } }
        let parts = ServerStops(stops)
        defer { logger.info("stopped") }
        do {
            let serverGroup = ServiceGroup(services: ServerPart.inShutdownOrder(parts), logger: logger)
            server.shutdown.install { Task { await serverGroup.triggerGracefulShutdown() } }
            try await serverGroup.run()
        } catch {
            await parts.stopRemaining()
            throw error
        }
        await parts.stopRemaining()  // after a cancellation: what the group did not stop, in order
    }

    /// A primary on an empty data directory continues the history a peer holds, if any
    /// (docs/replication.md, "Never an empty primary over full replicas").
    private func restoreFromPeersIfEmpty(group: any EventLoopGroup) async throws {
        guard try DataDirectory(configuration.dataDirectory).isEmpty() else { return }
        guard let candidate = await PrimaryRestore.mostAdvancedPeer(configuration: configuration, group: group, logger: logger) else {
            logger.info("empty data directory and no peer holds data: starting a new history")
            return
        }
        logger.warning("""
            the data directory is empty but \(candidate.peer) holds history \(candidate.history) up to LSN \(candidate.lsn): \
            restoring from it instead of starting a new, empty history that would wipe the replicas
            """)
        do {
            try await PrimaryRestore.restore(from: candidate, configuration: configuration, group: group, logger: logger)
        } catch {
            throw StartupError("restoring from \(candidate.peer) failed (\(error)); refusing to start a new history while a peer holds data")
        }
    }

    /// A primary starting on data it did not just create opens a new epoch of its history
    /// before it takes a write (docs/replication.md, "Lineage"), durably, so that records it
    /// writes from now on are told apart from any its replicas hold past its own log's end.
    private func beginEpoch(_ database: Database, above seen: Epoch) async throws {
        do {
            let (epoch, lsn) = try await NIOThreadPool.singleton.runIfActive { try database.beginEpoch(above: seen) }
            logger.info("primary: new epoch", metadata: ["epoch": "\(epoch)", "lsn": "\(lsn)"])
        } catch {
            throw StartupError("could not start a new epoch (its marker did not reach the disk): \(error)")
        }
    }

    /// Opens the local data (creating a new history in an empty directory).
    private func recover(_ options: StorageOptions) async throws -> RecoveredStore {
        do {
            return try await NIOThreadPool.singleton.runIfActive { Handover(try Recovery.open(options)) }.value
        } catch let error as StorageError {
            throw StartupError("recovery failed: \(error)")
        }
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let duration = ContinuousClock.now - start
        return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// Moves a value that is not Sendable from the thread that made it to the one that uses it.
/// @unchecked Sendable: the maker never touches the value again after handing it over.
struct Handover<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
