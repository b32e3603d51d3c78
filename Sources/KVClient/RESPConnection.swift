import KVWire
import NIOCore
import NIOPosix

/// One connection to a pod's Redis-protocol port, for requests and their replies: what a pod
/// asks its peers (`INFO replication` when it starts) and everything kv-cli asks a pod.
///
/// Commands sent together are pipelined (written at once, one reply each, in order); several
/// `send`s may be outstanding. It connects within the connect timeout, authenticates first
/// when given a password, speaks TLS when given a `ClientTransportSecurity`, and fails every
/// waiting request when the peer is silent past the read timeout or the connection breaks —
/// always with a `RESPClientError`. Futures only: every step runs on the connection's event
/// loop, so it is usable from NIO code and, with `get()`/`wait()`, from anywhere else.
///
/// Not for replication's streams: those switch the connection from RESP to a binary stream
/// after one request (`ReplicaConnectionHandler`, see docs/architecture.md).
public final class RESPConnection: Sendable {
    /// The peer, `host:port`, as messages name it.
    public let peer: String
    private let channel: any Channel

    private init(channel: any Channel, peer: String) {
        self.channel = channel
        self.peer = peer
    }

    /// The connection's event loop.
    public var eventLoop: any EventLoop { channel.eventLoop }

    /// Connects to `host:port` (a name is resolved; every address is tried), sets up TLS when
    /// configured and sends `AUTH` when a password is given.
    public static func connect(host: String, port: Int, configuration: RESPClientConfiguration = .init(),
                               group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) -> EventLoopFuture<RESPConnection> {
        let peer = "\(host):\(port)"
        let tls = configuration.tls
        let readTimeout = configuration.readTimeout
        let loop = group.next()
        let ready = loop.makePromise(of: Void.self)
        let connected = ClientBootstrap(group: loop)
            .connectTimeout(configuration.connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try tls?.addClientHandlers(to: pipeline, host: host)
                    try pipeline.addHandler(ByteToMessageHandler(RESPValueDecoder()))
                    try pipeline.addHandler(RESPRequestHandler(peer: peer, readTimeout: readTimeout,
                                                               tls: tls, ready: ready))
                }
            }
            .connect(host: host, port: port)
            .flatMapError { error in
                let failure = RESPClientError.cannotConnect(host: host, port: port, error)
                ready.fail(failure)
                return loop.makeFailedFuture(failure)
            }
            .flatMap { channel in
                ready.futureResult.map { RESPConnection(channel: channel, peer: peer) }.flatMapError { error in
                    channel.close().recover { _ in }.flatMapThrowing { throw error }
                }
            }
        guard let password = configuration.password else { return connected }
        return connected.flatMap { connection in
            connection.send([["AUTH", password]]).flatMapThrowing { replies in
                if case let .error(message) = replies.first {
                    throw RESPClientError(.authenticationFailed, "\(peer) refused AUTH: \(message)")
                }
                return connection
            }.flatMapError { error in
                connection.close().flatMapThrowing { throw error }
            }
        }
    }

    /// Sends `commands` at once; succeeds with one reply per command, in order (an error reply
    /// is a reply: `.error`), or fails with a `RESPClientError`.
    public func send(_ commands: [[String]]) -> EventLoopFuture<[RESPValue]> {
        let promise = channel.eventLoop.makePromise(of: [RESPValue].self)
        channel.writeAndFlush(RESPRequest(commands: commands, promise: promise)).whenFailure { error in
            // Written after the channel closed: the handler never saw it.
            promise.fail(error as? RESPClientError ?? RESPClientError(.closed, "the connection to \(self.peer) is closed", underlying: error))
        }
        return promise.futureResult
    }

    /// Sends one command; its reply.
    public func call(_ command: [String]) -> EventLoopFuture<RESPValue> {
        send([command]).map { $0[0] }
    }

    /// Closes the connection; requests still waiting fail.
    @discardableResult
    public func close() -> EventLoopFuture<Void> {
        channel.close().recover { _ in }
    }

    /// Connects, sends `commands`, closes: one short conversation with a peer.
    public static func request(_ commands: [[String]], host: String, port: Int, configuration: RESPClientConfiguration = .init(),
                               group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) -> EventLoopFuture<[RESPValue]> {
        connect(host: host, port: port, configuration: configuration, group: group).flatMap { connection in
            connection.send(commands).always { _ in connection.close() }
        }
    }
}
