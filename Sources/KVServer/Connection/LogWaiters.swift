
import KVCore
import KVStorage
import NIOCore
import Synchronization

/// Replies held until the write log reaches an LSN, for the connections of one event loop.
///
/// With `--fsync always` a reply may not leave before every write it could have observed is
/// on disk; with the other policies, before it has been handed to the OS. A connection
/// enqueues its batch of replies with the log position it needs (only when the log had not
/// reached it — under `everysec` and `no` the loop usually wrote its records itself and
/// replied at once); the log's progress handler calls `logAdvanced` after each write, from
/// the flusher thread or from a loop writing inline, which releases them on the loop, in order. Positions are
/// enqueued in increasing order (they are read from a counter that only grows, on one
/// thread), so releasing from the front is enough.
///
/// While the log cannot write (a full disk), replies that depend only on what was observed —
/// reads, errors — are released at once (`logFailed`): reads keep working, and may see a
/// write whose bytes the log is still retrying. Replies to writes stay until those bytes are
/// on disk, so an acknowledgement still means durable.
final class LogWaiters: Sendable {
    let eventLoop: any EventLoop
    private let log: WriteLog
    private let queue = Queue()
    /// How many replies wait: lets the flusher skip loops with nothing to release.
    private let waiting = Atomic<Int>(0)

    /// @unchecked Sendable: only ever touched on `eventLoop` (asserted in debug builds).
    final class Queue: @unchecked Sendable {
        var entries = CircularBuffer<Entry>()
        /// This loop turn's inline log scope is open (see `withinTurn`).
        var turnOpen = false
    }

    struct Entry {
        var lsn: LSN
        /// Released when the log fails: the replies acknowledge no write, and no write
        /// reply of the same connection waits before them.
        var readOnly: Bool
        var release: () -> Void
    }

    /// False on a replica: its clients never write, so a turn has no records of theirs to
    /// write (records from the primary are written by the flusher).
    private let writesInline: Bool

    init(eventLoop: any EventLoop, log: WriteLog, writesInline: Bool = true) {
        self.eventLoop = eventLoop
        self.log = log
        self.writesInline = writesInline && log.policy != .always
    }

    /// Runs `release` on the loop once the log has reached `lsn` — or, for `readOnly`
    /// replies, once the log has failed. Call on the loop.
    func enqueue(_ lsn: LSN, readOnly: Bool = false, _ release: @escaping () -> Void) {
        eventLoop.assertInEventLoop()
        queue.entries.append(Entry(lsn: lsn, readOnly: readOnly, release: release))
        waiting.add(1, ordering: .sequentiallyConsistent)
        // A writer may have published `lsn` after the caller looked and before `waiting`
        // counted this entry, and then skipped this loop: look again now that it is counted.
        // (A writer publishes its position before it reads `waiting`; this side counts
        // before it reads the position; so at least one of the two sees the other.)
        let progress = log.progress
        if progress.acknowledged >= lsn { releaseEntries(upTo: progress.acknowledged) }
        if progress.failure != nil { releaseReadOnlyEntries() }
    }

    /// Runs `body`, which may append log records, inside this loop turn's inline log scope.
    ///
    /// The first call of a turn opens the scope and schedules its close as a task, which NIO
    /// runs after the turn's I/O events: every connection served in the turn shares one
    /// `write(2)` of the log, as Redis's `beforeSleep` writes its AOF once per turn, instead
    /// of one per connection read. Call on the loop.
    func withinTurn<Result>(_ body: () -> Result) -> Result {
        eventLoop.assertInEventLoop()
        if writesInline && !queue.turnOpen {
            queue.turnOpen = true
            log.openInlineScope()
            eventLoop.execute { [self] in
                queue.turnOpen = false
                releaseEntries(upTo: log.closeInlineScope().acknowledged)
            }
        }
        return body()
    }

    /// Called from the log's progress handler (on the flusher thread or on a loop that wrote
    /// inline) when the acknowledged position moved to `lsn`.
    func logAdvanced(to lsn: LSN) {
        guard waiting.load(ordering: .sequentiallyConsistent) > 0 else { return }
        eventLoop.execute { [self] in releaseEntries(upTo: lsn) }
    }

    /// Called from the log's progress handler while the log cannot write.
    func logFailed() {
        guard waiting.load(ordering: .sequentiallyConsistent) > 0 else { return }
        eventLoop.execute { [self] in releaseReadOnlyEntries() }
    }

    /// Releases, in order, every read-only entry; the others keep their order. On the loop.
    private func releaseReadOnlyEntries() {
        guard queue.entries.contains(where: \.readOnly) else { return }
        // Keep the rest first: a release may enqueue again.
        var releasing: [Entry] = []
        var kept = CircularBuffer<Entry>(initialCapacity: queue.entries.count)
        for entry in queue.entries {
            if entry.readOnly { releasing.append(entry) } else { kept.append(entry) }
        }
        queue.entries = kept
        let released = releasing.count
        for entry in releasing { entry.release() }
        waiting.subtract(released, ordering: .sequentiallyConsistent)
    }

    /// Releases, in order, every entry waiting for a position up to `lsn`. On the loop.
    private func releaseEntries(upTo lsn: LSN) {
        var released = 0
        while let first = queue.entries.first, first.lsn <= lsn {
            queue.entries.removeFirst()
            released += 1
            first.release()
        }
        if released > 0 { waiting.subtract(released, ordering: .sequentiallyConsistent) }
    }
}

/// One `LogWaiters` per event loop.
final class LogWaiterGroup: Sendable {
    private let byLoop: [ObjectIdentifier: LogWaiters]
    let all: [LogWaiters]

    init(group: any EventLoopGroup, log: WriteLog, writesInline: Bool = true) {
        var byLoop: [ObjectIdentifier: LogWaiters] = [:]
        var all: [LogWaiters] = []
        for loop in group.makeIterator() {
            let waiters = LogWaiters(eventLoop: loop, log: log, writesInline: writesInline)
            byLoop[ObjectIdentifier(loop)] = waiters
            all.append(waiters)
        }
        self.byLoop = byLoop
        self.all = all
    }

    /// The waiters of `loop`.
    func waiters(for loop: any EventLoop) -> LogWaiters {
        byLoop[ObjectIdentifier(loop)]!
    }

    /// Releases whatever waited for positions up to `lsn`, on every loop.
    func logAdvanced(to lsn: LSN) {
        for waiters in all { waiters.logAdvanced(to: lsn) }
    }

    /// Releases the read-only replies on every loop: the log cannot write.
    func logFailed() {
        for waiters in all { waiters.logFailed() }
    }
}
