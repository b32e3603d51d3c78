import KVCore
import KVStorage
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The whole server as one lifecycle service: recover, listen, serve, and on SIGTERM stop
/// accepting, finish in-flight writes, flush the log, exit.
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
        let recovered: RecoveredStore
        do {
            recovered = try await NIOThreadPool.singleton.runIfActive { Handover(try Recovery.open(options)) }.value
        } catch let error as StorageError {
            throw StartupError("recovery failed: \(error)")
        }
        for warning in recovered.warnings { logger.warning("\(warning)") }

        let database = Database(
            keyspace: recovered.keyspace,
            log: recovered.log,
            clock: SystemWallClock(),
            history: recovered.history,
            expiry: .primary,
            maxValueSize: configuration.maxValueSize
        )
        let server = ServerContext(
            configuration: configuration,
            database: database,
            logger: logger,
            recovery: RecoverySummary(
                snapshotLSN: recovered.snapshotLSN,
                recordsReplayed: recovered.recordsReplayed,
                seconds: recovered.duration,
                warnings: recovered.warnings
            )
        )
        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.threads)
        let log = recovered.log
        let waiters = LogWaiterGroup(group: group, log: log)
        let readiness = Readiness()
        let snapshots = SnapshotScheduler(server: server, threshold: configuration.snapshotAfterLogBytes)
        recovered.log.setProgressHandler { progress in
            waiters.logAdvanced(to: progress.acknowledged)
            snapshots.logAdvanced()
        }

        let listeners: Listeners
        do {
            listeners = try await Listeners.bind(server: server, group: group, waiters: waiters, readiness: readiness)
        } catch {
            recovered.log.close()
            try? await group.shutdownGracefully()
            throw StartupError("cannot listen on \(configuration.bindHost):\(configuration.port) / :\(configuration.httpPort): \(error)")
        }
        let sweeper = ExpirySweeper(server: server, eventLoop: group.next())
        sweeper.start()
        readiness.markReady()
        logger.info("kv-server ready", metadata: [
            "role": "\(configuration.identity.role.rawValue)",
            "ordinal": "\(configuration.identity.ordinal)",
            "data_dir": "\(configuration.dataDirectory)",
            "history": "\(recovered.history)",
            "lsn": "\(recovered.lastLSN)",
            "keys": "\(recovered.keyspace.count)",
            "created_history": "\(recovered.createdHistory)",
            "snapshot_lsn": "\(recovered.snapshotLSN)",
            "records_replayed": "\(recovered.recordsReplayed)",
            "recovery_seconds": "\(recovered.duration)",
            "startup_seconds": "\(Self.seconds(since: started))",
            "port": "\(configuration.port)",
            "http_port": "\(configuration.httpPort)",
            "fsync": "\(configuration.fsync.rawValue)",
        ])

        try? await gracefulShutdown()

        logger.info("shutting down: no new connections; finishing in-flight writes")
        readiness.markNotReady("shutting down")
        await listeners.stopAccepting()
        sweeper.stop()
        snapshots.stop()
        let final = recovered.log.close()
        if let failure = final.failure {
            logger.error("flushing the log at shutdown failed: \(failure)")
        }
        // Let the loops send the replies the final flush released before the connections close.
        for loop in group.makeIterator() { try? await loop.submit {}.get() }
        try? await group.shutdownGracefully()
        logger.info("stopped", metadata: ["lsn": "\(final.lastAssigned)", "durable_lsn": "\(final.durable)"])
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
