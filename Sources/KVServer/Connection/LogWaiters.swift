
import KVCore
import NIOCore
import Synchronization

/// Replies held until the write log reaches an LSN, for the connections of one event loop.
///
/// With `--fsync always` a reply may not leave before every write it could have observed is
/// on disk; with the other policies, before it has been handed to the OS. A connection
/// enqueues its batch of replies with the log position it needs; the log's flusher calls
/// `logAdvanced` after each write, which releases them on the loop, in order. Positions are
/// enqueued in increasing order (they are read from a counter that only grows, on one
/// thread), so releasing from the front is enough.
final class LogWaiters: Sendable {
    let eventLoop: any EventLoop
    private let queue = Queue()
    /// How many replies wait: lets the flusher skip loops with nothing to release.
    private let waiting = Atomic<Int>(0)

    /// @unchecked Sendable: only ever touched on `eventLoop` (asserted in debug builds).
    final class Queue: @unchecked Sendable {
        var entries = CircularBuffer<(lsn: LSN, release: () -> Void)>()
    }

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Runs `release` on the loop once the log has reached `lsn`. Call on the loop.
    func enqueue(_ lsn: LSN, _ release: @escaping () -> Void) {
        eventLoop.assertInEventLoop()
        queue.entries.append((lsn, release))
        waiting.add(1, ordering: .relaxed)
    }

    /// Called from the log's flusher thread when the acknowledged position moved to `lsn`.
    func logAdvanced(to lsn: LSN) {
        guard waiting.load(ordering: .relaxed) > 0 else { return }
        eventLoop.execute { [self] in
            let entries = queue
            var released = 0
            while let first = entries.entries.first, first.lsn <= lsn {
                entries.entries.removeFirst()
                released += 1
                first.release()
            }
            if released > 0 { waiting.subtract(released, ordering: .relaxed) }
        }
    }
}

/// One `LogWaiters` per event loop.
final class LogWaiterGroup: Sendable {
    private let byLoop: [ObjectIdentifier: LogWaiters]
    let all: [LogWaiters]

    init(group: any EventLoopGroup) {
        var byLoop: [ObjectIdentifier: LogWaiters] = [:]
        var all: [LogWaiters] = []
        for loop in group.makeIterator() {
            let waiters = LogWaiters(eventLoop: loop)
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
}
