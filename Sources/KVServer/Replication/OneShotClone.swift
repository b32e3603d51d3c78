import KVCore
import KVReplication
import KVReplicationWire
import KVStorage
import Logging
import NIOCore
import NIOPosix

/// One clone, outside the replica's state machine: succeeds once the snapshot arrived and
/// verified in `clone.kvs.tmp`.
final class OneShotClone: ReplicationConnectionDelegate, @unchecked Sendable {
    // @unchecked Sendable: touched on `loop` only.
    let loop: any EventLoop
    private var promise: EventLoopPromise<Void>?

    init(loop: any EventLoop) { self.loop = loop }

    func run(from peer: PeerAddress, password: String?, tls: (any TransportSecurity)?, directory: DataDirectory, logger: Logger) async throws {
        guard let (host, port) = ReplicaController.split(peer) else { throw ReplicationProtocolError("'\(peer)' is not HOST:PORT") }
        let promise = loop.makePromise(of: Void.self)
        let handler = try await loop.submit { [self] in
            self.promise = promise
            return ReplicaConnectionHandler(mode: .clone, number: 1, controller: self, password: password,
                                            directory: directory, logger: logger)
        }.get()
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .connectTimeout(.seconds(5))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try tls.addClientHandlers(to: channel.pipeline.syncOperations, host: host)
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            promise.fail(error)
            throw error
        }
        defer { channel.close(promise: nil) }
        try await promise.futureResult.get()
    }

    func feedIfCurrent(_ number: UInt64, _ event: ReplicaLink.Event) {
        switch event {
        case .cloneFinished: promise?.succeed(())
        case let .cloneFailed(reason), let .connectFailed(reason): promise?.fail(ReplicationProtocolError(reason))
        default: return
        }
        promise = nil
    }

    func cloneArrived(_ number: UInt64, _ snapshot: PreloadedSnapshot) {}

    func apply(_ records: [LogRecord], encoded: [UInt8], number: UInt64) throws {}
}
