import KVClient
import KVWire
import NIOCore

/// Sends a few commands to a peer and returns its replies: one short conversation through the
/// client every pod and kv-cli use (`RESPConnection`, KVClient), with the pod's TLS.
enum PeerRequest {
    /// Succeeds with one reply per command, or fails: no connection within 1 s, closed early,
    /// no byte within 2 s while a reply is awaited. A failed connect fails with the resolver's
    /// or socket's `NIOConnectionError` itself (`PrimaryRestore.doesNotResolve` reads it).
    static func send(_ commands: [[String]], to host: String, port: Int, tls: (any TransportSecurity)?,
                     group: any EventLoopGroup) -> EventLoopFuture<[RESPValue]> {
        let configuration = RESPClientConfiguration(connectTimeout: .seconds(1), readTimeout: .seconds(2), tls: tls)
        return RESPConnection.request(commands, host: host, port: port, configuration: configuration, group: group)
            .flatMapErrorThrowing { error in
                if let error = error as? RESPClientError, error.code == .cannotConnect, let underlying = error.underlying {
                    throw underlying
                }
                throw error
            }
    }
}
