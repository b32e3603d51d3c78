import NIOCore

/// How a `RESPConnection` connects and how long it waits.
public struct RESPClientConfiguration: Sendable {
    /// The TCP connection (every address the name resolves to) must be up within this time.
    public var connectTimeout: TimeAmount
    /// While a reply is awaited, the peer must send a byte within this time; otherwise every
    /// waiting request fails and the connection closes. (A large reply arriving steadily is not
    /// cut off; a peer that accepts and never answers is.)
    public var readTimeout: TimeAmount
    /// TLS, or nil for plain TCP.
    public var tls: (any ClientTransportSecurity)?
    /// Sent as `AUTH <password>` before anything else; an error reply fails the connection
    /// (`RESPClientError.Code.authenticationFailed`).
    public var password: String?

    public init(connectTimeout: TimeAmount = .seconds(2), readTimeout: TimeAmount = .seconds(2),
                tls: (any ClientTransportSecurity)? = nil, password: String? = nil) {
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.tls = tls
        self.password = password
    }
}
