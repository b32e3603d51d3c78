import NIOCore
#if canImport(Glibc)
import Glibc
#endif
import NIOHTTP1
import NIOPosix

/// The two listening sockets: Redis protocol and HTTP.
struct Listeners {
    let resp: any Channel
    let http: any Channel

    static func bind(
        server: ServerContext,
        group: MultiThreadedEventLoopGroup,
        waiters: LogWaiterGroup,
        readiness: Readiness
    ) async throws -> Listeners {
        let configuration = server.configuration
        let idleTimeout = configuration.idleTimeoutSeconds
        let tls = configuration.tls
        let requestTimeout = configuration.requestTimeout.map { TimeAmount.nanoseconds(Int64($0 / .nanoseconds(1))) }
        let resp = try await listening(on: configuration.bindHost, port: configuration.port, flag: "--port") { try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 511)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handlers = channel.pipeline.syncOperations
                    try tls?.addServerHandlers(to: handlers)
                    if idleTimeout > 0 {
                        try handlers.addHandler(IdleStateHandler(readTimeout: .seconds(Int64(idleTimeout))))
                    }
                    try handlers.addHandler(RESPConnectionHandler(
                        server: server,
                        waiters: waiters.waiters(for: channel.eventLoop)
                    ))
                }
            }
            .bind(host: configuration.bindHost, port: configuration.port)
            .get()
        }
        let routes = HTTPRoutes(server: server, waiters: waiters, readiness: readiness)
        let http: any Channel
        do {
            http = try await listening(on: configuration.bindHost, port: configuration.httpPort, flag: "--http-port") { try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 128)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handlers = channel.pipeline.syncOperations
                        // TLS, or plain HTTP for the probes and metrics only.
                        try tls?.addHTTPServerHandlers(to: handlers)
                        try handlers.addHandler(HTTPLingeringClose())
                        if let requestTimeout {
                            try handlers.addHandler(HTTPRequestTimerHandler(timeout: requestTimeout, podName: configuration.identity.podName))
                        }
                        // Decoder errors are answered by `HTTPConnectionHandler` (JSON, `KV-Pod`).
                        try handlers.configureHTTPServerPipeline(
                            withErrorHandling: false,
                            withEncoderConfiguration: .init(),
                            withDecoderLimitConfiguration: HTTPLimits.decoder
                        )
                        try handlers.addHandler(HTTPConnectionHandler(routes: routes))
                    }
                }
                .bind(host: configuration.bindHost, port: configuration.httpPort)
                .get()
            }
        } catch {
            try? await resp.close()
            throw error
        }
        return Listeners(resp: resp, http: http)
    }

    /// Runs `bind`; a failure becomes a startup error naming the address and the flag that
    /// set it, in words ("Address already in use"), not NIO's function names.
    private static func listening(
        on host: String, port: Int, flag: String, _ bind: () async throws -> any Channel
    ) async throws -> any Channel {
        do {
            return try await bind()
        } catch let error as IOError {
            throw StartupError("cannot listen on \(host):\(port) (\(flag)): \(String(cString: strerror(error.errnoCode)))")
        } catch {
            throw StartupError("cannot listen on \(host):\(port) (\(flag)): \(error)")
        }
    }

    /// Closes the listening sockets; connected clients stay until the loops shut down.
    func stopAccepting() async {
        try? await resp.close()
        try? await http.close()
    }
}
