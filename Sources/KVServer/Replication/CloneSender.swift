import KVCore
import KVReplicationWire
import KVStorage
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// Serves `KV.CLONE` on any pod: `+CLONE <history> <lsn> <entries>` (`ReplicationAnswer`), then
/// the snapshot bytes (docs/storage-format.md), then closes the connection.
///
/// The keyspace is frozen under the database lock in microseconds (its pages are shared
/// copy-on-write); encoding and sending run on NIO's blocking pool, with a few chunks in
/// flight at most, so a clone neither blocks this pod's clients nor buffers the whole
/// snapshot in memory.
enum CloneSender {
    /// Chunks written and not yet taken by the socket, at most.
    static let chunksInFlight = 4

    static func serve(channel: any Channel, server: ServerContext) {
        let database = server.database
        let (snapshot, lsn, lineage, history, log) = database.withLock { state in
            (state.dataset.snapshot(), state.log.lastAssigned, state.lineage, state.log.history, state.log)
        }
        let peer = channel.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?"
        server.counters.clonesServed.add(1, ordering: .relaxed)
        server.logger.info("serving a clone", metadata: [
            "to": "\(peer)", "history": "\(history)", "lsn": "\(lsn)", "keys": "\(snapshot.count)",
        ])
        NIOThreadPool.singleton.submit { _ in
            let started = ContinuousClock.now
            do {
                // A clone never carries writes the log could still lose: the replica would be
                // ahead of a primary that crashed before they reached its disk.
                try log.waitUntilWritten(lsn, durable: log.policy == .always)
                var header = channel.allocator.buffer(capacity: 80)
                ReplicationAnswer.clone(history: history, lsn: lsn, entries: UInt64(snapshot.count)).encode(into: &header)
                var pending: [EventLoopFuture<Void>] = [channel.writeAndFlush(header)]
                var encoder = SnapshotEncoder(history: history, lsn: lsn, lineage: lineage, snapshot: snapshot)
                var bytes = 0
                while let chunk = encoder.nextChunk() {
                    bytes += chunk.count
                    pending.append(channel.writeAndFlush(channel.allocator.buffer(bytes: chunk)))
                    if pending.count >= chunksInFlight { try pending.removeFirst().wait() }
                }
                for future in pending { try future.wait() }
                server.logger.info("clone served", metadata: [
                    "to": "\(peer)", "lsn": "\(lsn)", "keys": "\(encoder.entriesWritten)", "bytes": "\(bytes)",
                    "seconds": "\(KVService.seconds(since: started))",
                ])
            } catch {
                server.logger.warning("clone to \(peer) stopped: \(error)")
            }
            channel.close(promise: nil)
        }
    }
}
