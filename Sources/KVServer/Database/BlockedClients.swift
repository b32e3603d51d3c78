import KVCore
import NIOConcurrencyHelpers

/// Clients blocked on keys (BLPOP, BZPOPMIN, …), as Redis's `blocking.c`: each key has its
/// waiters in the order they blocked; a write that may have given a key something to pop
/// marks it ready (`noteChanged`), and `Database.State.serveBlocked` then retries the waiters'
/// commands in that order, each success logged as its own record right after the write that
/// made it possible. Kept under the database lock.
struct BlockedClients {
    typealias Key = WatchedKeys.Key

    /// One blocked command.
    struct Waiter {
        let client: Int
        let keys: [Key]
        /// Runs the command's non-blocking form; nil when nothing could be popped (the key is
        /// empty or missing, or holds another type: the client stays blocked).
        let attempt: (inout Database.State, CommandContext) -> Reply?
        let mailbox: BlockedClient
    }

    private var waiters: [Int: Waiter] = [:]
    private var queues: [Key: [Int]] = [:]
    /// Keys with waiters that a write touched, in the order they were touched.
    private(set) var ready: [Key] = []

    var isEmpty: Bool { waiters.isEmpty }
    var count: Int { waiters.count }

    mutating func block(_ waiter: Waiter) {
        waiters[waiter.client] = waiter
        for key in waiter.keys where queues[key]?.contains(waiter.client) != true {
            queues[key, default: []].append(waiter.client)
        }
    }

    /// Forgets `client` (served, timed out, disconnected); nil when it was not blocked.
    @discardableResult
    mutating func remove(_ client: Int) -> Waiter? {
        guard let waiter = waiters.removeValue(forKey: client) else { return nil }
        for key in waiter.keys {
            queues[key]?.removeAll { $0 == client }
            if queues[key]?.isEmpty == true { queues[key] = nil }
        }
        return waiter
    }

    /// The waiters of `key`, first blocked first.
    func waiting(on key: Key) -> [Waiter] { (queues[key] ?? []).compactMap { waiters[$0] } }

    mutating func takeReady() -> Key? { ready.isEmpty ? nil : ready.removeFirst() }

    /// Marks the keys with waiters that one record's effects may have filled: pushes and adds,
    /// whole values put (LMOVE's destination, …STORE), every key of swapped databases.
    mutating func noteChanged(_ effects: [WriteOperation]) {
        guard !waiters.isEmpty else { return }
        var current = 0
        for operation in effects {
            switch operation {
            case let .select(index): current = index
            case let .put(entry) where entry.isObject: mark(Key(database: current, key: entry.key))
            case let .edit(key, edit):
                switch edit.action {
                case .listPushHead, .listPushTail, .listInsert, .zsetAdd: mark(Key(database: current, key: key))
                default: break
                }
            case let .swapDatabases(first, second):
                for key in queues.keys where key.database == first || key.database == second { mark(key) }
            default: break
            }
        }
    }

    private mutating func mark(_ key: Key) {
        if queues[key] != nil && !ready.contains(key) { ready.append(key) }
    }
}

/// Where a blocked client's answer goes: filled under the database lock by whoever served it,
/// read on the client's event loop once its connection handler is listening (`attach`) — the
/// command blocks inside the lock, the handler attaches after it, and an answer may come in
/// between.
final class BlockedClient: Sendable {
    private struct State {
        var delivered: (reply: Reply, lsn: LSN)?
        var listener: (@Sendable (Reply, LSN) -> Void)?
    }

    private let state = NIOLockedValueBox(State())
    /// What the command answers when its timeout passes: a null array or a null bulk.
    let timeoutReply: Reply
    /// The timeout; nil blocks until served.
    let timeout: Duration?

    init(timeoutReply: Reply, timeout: Duration?) {
        self.timeoutReply = timeoutReply
        self.timeout = timeout
    }

    /// The command was served: `reply`, whose effects are logged at `lsn`.
    func deliver(_ reply: Reply, lsn: LSN) {
        let listener = state.withLockedValue { state -> (@Sendable (Reply, LSN) -> Void)? in
            guard state.listener != nil else {
                state.delivered = (reply, lsn)
                return nil
            }
            return state.listener
        }
        listener?(reply, lsn)
    }

    /// Calls `listener` with the answer, now if it came already.
    func attach(_ listener: @escaping @Sendable (Reply, LSN) -> Void) {
        let delivered = state.withLockedValue { state -> (reply: Reply, lsn: LSN)? in
            state.listener = listener
            return state.delivered
        }
        if let delivered { listener(delivered.reply, delivered.lsn) }
    }
}

extension Database.State {
    /// Serves the clients blocked on the keys writes made ready, in the order they blocked;
    /// each served command's effects are one record. Runs until no key is ready (a served
    /// LMOVE may fill another).
    mutating func serveBlocked(context: CommandContext) {
        while let key = blocked.takeReady() {
            for waiter in blocked.waiting(on: key) {
                guard let reply = waiter.attempt(&self, context) else { continue }
                blocked.remove(waiter.client)
                let lsn = commitEffects(now: context.now) ?? log.lastAssigned
                waiter.mailbox.deliver(reply, lsn: lsn)
            }
        }
    }
}
