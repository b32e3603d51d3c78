import NIOCore

/// TLS for a connection this process opens: the handlers to put first in its pipeline.
///
/// A protocol, so that `KVClient` (and `KVServer`, which uses it) builds without a TLS
/// library: `KVClientTLS` implements it with swift-nio-ssl (`ClientTLS`, what kv-cli uses),
/// and a pod's `TransportSecurity` (KVServer) refines it.
public protocol ClientTransportSecurity: Sendable {
    /// First in a connection to `host`: TLS, verifying that the peer's certificate names
    /// `host` (a name, or an IP address).
    func addClientHandlers(to pipeline: ChannelPipeline.SynchronousOperations, host: String) throws

    /// A TLS library's error in a few words for a person (`CERTIFICATE_VERIFY_FAILED`), or nil
    /// when `error` is not one of its own.
    func explain(_ error: any Error) -> String?
}

extension ClientTransportSecurity {
    public func explain(_ error: any Error) -> String? { nil }
}
