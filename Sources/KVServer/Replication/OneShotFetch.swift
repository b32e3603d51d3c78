import KVCore
import KVReplication
import KVReplicationWire
import KVStorage
import Logging
import NIOCore
import NIOPosix

/// One `KV.FETCH`, outside the replica's state machine: the records a peer holds after the
/// recovered store's end are applied to its keyspace and appended to its log as they arrive
/// (`PrimaryCatchUp`). Records that arrived stay applied even when the connection breaks
/// before the last one: they are of the store's own lineage, in order.
final class OneShotFetch: ReplicationConnectionDelegate, @unchecked Sendable {
    // @unchecked Sendable: touched on `loop` only, and `store` handed back once `run` returns.
    let loop: any EventLoop
    /// A peer silent this long is given up on.
    static let readTimeout: TimeAmount = .seconds(10)

    private var store: RecoveredStore
    /// Completed, always successfully, with the store as it stands and why it stopped early.
    private var promise: EventLoopPromise<Handover<(RecoveredStore, (any Error)?)>>?
    /// The last LSN the peer said it sends (`+FETCH`).
    private var target: LSN?
    /// Why the peer refused (`-KVRESYNC …`), if it did. Read once `run` returned.
    private(set) var refusal: ResyncReason?

    init(loop: any EventLoop, store: RecoveredStore) {
        self.loop = loop
        self.store = store
    }

    /// Fetches from `peer`; returns the store with what arrived applied, and the error that
    /// stopped it before the last record (the peer refused, the connection broke), if any.
    func run(_ request: FetchRequest, from peer: PeerAddress, password: String?, tls: (any TransportSecurity)?,
             directory: DataDirectory, logger: Logger) async -> (store: RecoveredStore, error: (any Error)?) {
        let initial = store
        guard let (host, port) = ReplicaController.split(peer) else {
            return (initial, ReplicationProtocolError("'\(peer)' is not HOST:PORT"))
        }
        let promise = loop.makePromise(of: Handover<(RecoveredStore, (any Error)?)>.self)
        do {
            let handler = try await loop.submit { [self] in
                self.promise = promise
                return ReplicaConnectionHandler(mode: .fetch(request), number: 1, controller: self, password: password,
                                                directory: directory, logger: logger)
            }.get()
            let channel = try await ClientBootstrap(group: loop)
                .connectTimeout(.seconds(5))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try tls.addClientHandlers(to: channel.pipeline.syncOperations, host: host)
                        try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: Self.readTimeout))
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                }
                .connect(host: host, port: port).get()
            defer { channel.close(promise: nil) }
            return try await promise.futureResult.get().value
        } catch {
            // Not connected: nothing was applied.
            promise.fail(error)
            return (initial, error)
        }
    }

    func feedIfCurrent(_ number: UInt64, _ event: ReplicaLink.Event) {
        switch event {
        case let .streamAccepted(_, lastLSN):
            target = lastLSN
            if store.lastLSN >= lastLSN { finish(nil) }
        case let .resyncRequired(reason):
            refusal = reason
            finish(ReplicationProtocolError("the peer refused: \(reason)"))
        case let .connectFailed(reason), let .cloneFailed(reason):
            finish(ReplicationProtocolError(reason))
        case .disconnected:
            finish(ReplicationProtocolError("the connection closed at LSN \(store.lastLSN), before LSN \(target.map(String.init(describing:)) ?? "?")"))
        default:
            return
        }
    }

    private func finish(_ error: (any Error)?) {
        promise?.succeed(Handover((store, error)))
        promise = nil
    }

    func cloneArrived(_ number: UInt64, _ snapshot: PreloadedSnapshot) {}

    func apply(_ records: [LogRecord], encoded: [UInt8], number: UInt64) throws {
        guard let first = records.first?.lsn, let last = records.last?.lsn else { return }
        guard first == store.lastLSN.next else {
            throw ReplicationProtocolError("fetched record \(first) does not follow LSN \(store.lastLSN)")
        }
        try encoded.withUnsafeBytes { try store.log.append(encoded: $0, first: first, last: last, count: records.count) }
        for record in records {
            for operation in record.operations {
                if case let .beginEpoch(epoch) = operation { store.lineage.begin(epoch, at: record.lsn) }
            }
            store.dataset.apply(record.operations)
        }
        store.lastLSN = last
        if let target, last >= target { finish(nil) }
    }
}
