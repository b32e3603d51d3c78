import KVCore

/// The connected clients, for CLIENT LIST/INFO, INFO clients and the max-clients limit.
final class ClientRegistry: Sendable {
    /// What CLIENT LIST shows about one client. Updated by the client's own event loop.
    final class Record: Sendable {
        let id: Int
        let address: String
        let localAddress: String
        let connectedAt: ContinuousClock.Instant
        struct Activity {
            var name: String?
            var lastCommand = "NULL"
            var lastActivity: ContinuousClock.Instant
            var version = 2
            var inTransaction = false
            var database = 0
            /// CLIENT SETINFO lib-name / lib-ver (what client libraries say they are).
            var libraryName = ""
            var libraryVersion = ""
            /// Channels, patterns and shard channels subscribed to.
            var subscriptions = (0, 0, 0)
            /// CLIENT NO-EVICT on (kv never evicts clients: only shown, as flag `e`).
            var noEvict = false
            /// Held by CLIENT PAUSE (flag `b`, as Redis's postponed clients).
            var postponed = false
        }
        let activity: KVMutex<Activity>
        /// Closes the client's connection (CLIENT KILL); set by its handler once it runs.
        let closer = KVMutex<(@Sendable () -> Void)?>(nil)

        /// Whether the client has a Pub/Sub subscription (CLIENT LIST/KILL's type pubsub).
        var isSubscribed: Bool {
            let subscriptions = activity.withLock { $0.subscriptions }
            return subscriptions.0 + subscriptions.1 + subscriptions.2 > 0
        }

        /// Closes the connection, from any thread.
        func kill() { closer.withLock { $0 }?() }

        init(id: Int, address: String, localAddress: String) {
            self.id = id
            self.address = address
            self.localAddress = localAddress
            let now = ContinuousClock.now
            self.connectedAt = now
            self.activity = KVMutex(Activity(lastActivity: now))
        }

        /// One line of CLIENT LIST, in Redis's format; `fd` from `SocketDescriptors` (-1 unknown).
        func line(fd: Int? = nil) -> String {
            let now = ContinuousClock.now
            let state = activity.withLock { $0 }
            let age = (now - connectedAt).components.seconds
            let idle = (now - state.lastActivity).components.seconds
            let pubsub = state.subscriptions.0 + state.subscriptions.1 + state.subscriptions.2 > 0
            // Redis's letters, in its order: P (subscribed), x (MULTI), b (held), e (no-evict).
            let set = (pubsub ? "P" : "") + (state.inTransaction ? "x" : "") + (state.postponed ? "b" : "")
                + (state.noEvict ? "e" : "")
            let flags = set.isEmpty ? "N" : set
            return "id=\(id) addr=\(address) laddr=\(localAddress) fd=\(fd ?? -1) name=\(state.name ?? "") "
                + "age=\(age) idle=\(idle) flags=\(flags) db=\(state.database) sub=\(state.subscriptions.0) psub=\(state.subscriptions.1) ssub=\(state.subscriptions.2) multi=\(state.inTransaction ? 0 : -1) "
                + "qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 "
                + "events=r cmd=\(state.lastCommand) user=default redir=-1 resp=\(state.version) "
                + "lib-name=\(state.libraryName) lib-ver=\(state.libraryVersion)"
        }
    }

    private struct Registry {
        var nextID = 1
        var records: [Int: Record] = [:]
    }

    private let registry = KVMutex(Registry())

    /// Registers a new client unless `limit` are connected already; nil when full.
    func register(address: String, localAddress: String, limit: Int) -> Record? {
        registry.withLock { registry in
            guard registry.records.count < limit else { return nil }
            let record = Record(id: registry.nextID, address: address, localAddress: localAddress)
            registry.nextID += 1
            registry.records[record.id] = record
            return record
        }
    }

    func unregister(_ id: Int) {
        _ = registry.withLock { $0.records.removeValue(forKey: id) }
    }

    var count: Int { registry.withLock { $0.records.count } }

    /// Every client, oldest first.
    var all: [Record] {
        registry.withLock { $0.records.values.sorted { $0.id < $1.id } }
    }
}
