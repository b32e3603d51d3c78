import KVCore
import KVReplication
import KVReplicationWire
import KVStorage
import NIOCore
import NIOPosix

/// Serves `KV.FETCH` on any pod: the records of this pod's log after the asker's last one, as
/// record frames, then closes (docs/replication.md, "Catching up"). A starting primary asks
/// this of the peer that holds the records it lost.
///
/// Reads the log files with a `LogCursor` on NIO's blocking pool, as `CloneSender` streams a
/// snapshot: at most four 1 MiB chunks in flight, so neither memory nor an event loop is held.
enum LogSender {
    static let chunkSize = 1 << 20
    static let chunksInFlight = 4

    /// What this pod answers to `request`: the refusal (`-KVRESYNC …`), or none and the last
    /// LSN it will send. Decided on the log as it is now (the same check as a primary's for
    /// `KV.STREAM`, `LogMatch`).
    static func decide(_ request: FetchRequest, server: ServerContext) -> (refusal: ResyncReason?, through: LSN) {
        let (lineage, end, history, directory) = server.database.withLock { state in
            (state.lineage, state.log.lastAssigned, state.log.history, state.log.directory)
        }
        let oldest = ReplicationHub.oldestRetainedLSN(in: directory) ?? end.next
        let refusal = LogMatch.refusal(history: history, lineage: lineage, end: end, oldestRetained: oldest,
                                       requested: request.history, after: request.after, epoch: request.epoch)
        return (refusal, end)
    }

    /// Sends `+FETCH <history> <through>` and the records after `after` up to `through`, then
    /// closes the connection.
    static func serve(channel: any Channel, server: ServerContext, after: LSN, through: LSN) {
        let log = server.database.log
        let peer = channel.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?"
        server.logger.info("serving a fetch", metadata: ["to": "\(peer)", "after_lsn": "\(after)", "through_lsn": "\(through)"])
        NIOThreadPool.singleton.submit { _ in
            do {
                // The records are read from the files: wait until the log has written them.
                try log.waitUntilWritten(through, durable: false)
                var header = channel.allocator.buffer(capacity: 64)
                ReplicationAnswer.fetch(history: log.history, lastLSN: through).encode(into: &header)
                var pending: [EventLoopFuture<Void>] = [channel.writeAndFlush(header)]
                let cursor = log.records(after: after, through: through)
                var chunk: [UInt8] = []
                var sent = 0
                func flush() throws {
                    pending.append(channel.writeAndFlush(channel.allocator.buffer(bytes: chunk)))
                    chunk.removeAll(keepingCapacity: true)
                    if pending.count >= chunksInFlight { try pending.removeFirst().wait() }
                }
                while try ReplicationFrame.appendRecord(into: &chunk, { try cursor.nextFrame(into: &$0) != nil }) {
                    sent += 1
                    if chunk.count >= chunkSize { try flush() }
                }
                if !chunk.isEmpty { try flush() }
                for future in pending { try future.wait() }
                server.logger.info("fetch served", metadata: ["to": "\(peer)", "records": "\(sent)", "through_lsn": "\(cursor.position)"])
            } catch {
                server.logger.warning("fetch for \(peer) stopped: \(error)")
            }
            channel.close(promise: nil)
        }
    }
}
