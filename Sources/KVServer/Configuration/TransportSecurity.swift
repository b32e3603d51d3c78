import KVClient
import NIOCore

/// TLS for a pod's connections, as the server sees it: the handlers to put first in a
/// pipeline. Implemented with swift-nio-ssl in `KVTLS` (`PeerTLS`), which the `kv-server`
/// executable links; `KVServer` itself does not depend on a TLS library. Its client side
/// (`addClientHandlers`) is `KVClient`'s, so that a pod's requests to its peers go through the
/// same client as kv-cli's (`RESPConnection`).
public protocol TransportSecurity: ClientTransportSecurity {
    /// First in a Redis-protocol connection: TLS only.
    func addServerHandlers(to pipeline: ChannelPipeline.SynchronousOperations) throws
    /// First in an HTTP connection: TLS when the client opens a handshake, else plain HTTP
    /// (which then serves only probes and metrics, see `HTTPRoutes`).
    func addHTTPServerHandlers(to pipeline: ChannelPipeline.SynchronousOperations) throws
    /// True when the connection of `pipeline` speaks TLS.
    func isSecured(_ pipeline: ChannelPipeline.SynchronousOperations) -> Bool
}

extension Optional where Wrapped == any TransportSecurity {
    /// Adds the client side when TLS is on.
    func addClientHandlers(to pipeline: ChannelPipeline.SynchronousOperations, host: String) throws {
        try self?.addClientHandlers(to: pipeline, host: host)
    }
}
