#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix

/// Why a `RESPConnection` could not give a reply: a code to switch on, a message for a
/// person, and the error underneath when there is one (a resolver's or a socket's).
public struct RESPClientError: Error, CustomStringConvertible {
    /// What went wrong, as a value to compare.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }

        /// The name did not resolve, the peer refused, or the connect timeout passed.
        public static let cannotConnect = Code(name: "cannotConnect")
        /// `AUTH` got an error reply (`-WRONGPASS …`, `-ERR … without any password configured …`).
        public static let authenticationFailed = Code(name: "authenticationFailed")
        /// No byte within the read timeout while a reply was awaited.
        public static let readTimeout = Code(name: "readTimeout")
        /// The peer closed the connection before every reply arrived.
        public static let closed = Code(name: "closed")
        /// The peer sent bytes that are not RESP (an HTTP port, say).
        public static let protocolError = Code(name: "protocolError")
        /// Anything else the connection failed with (a TLS handshake, a reset).
        public static let connectionFailed = Code(name: "connectionFailed")
    }

    public let code: Code
    /// One line saying what happened, naming the peer.
    public let message: String
    /// The error underneath (`NIOConnectionError`, `IOError`, a TLS error), if any.
    public let underlying: (any Error)?

    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String { message }

    /// True when the connection failed because the name resolves to no address (in a
    /// StatefulSet: the pod does not exist).
    public var nameDoesNotResolve: Bool {
        guard code == .cannotConnect, let error = underlying as? NIOConnectionError else { return false }
        return error.connectionErrors.isEmpty && (error.dnsAError != nil || error.dnsAAAAError != nil)
    }

    /// A failed connect, in words: `cannot connect to h:p: Connection refused`.
    static func cannotConnect(host: String, port: Int, _ error: any Error) -> RESPClientError {
        RESPClientError(.cannotConnect, "cannot connect to \(host):\(port): \(reason(error))", underlying: error)
    }

    private static func reason(_ error: any Error) -> String {
        if let error = error as? NIOConnectionError {
            if let first = error.connectionErrors.first { return reason(first.error) }
            if error.dnsAError != nil || error.dnsAAAAError != nil { return "the name does not resolve" }
            return "no address"
        }
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)) }
        if case ChannelError.connectTimeout = error { return "no connection within the connect timeout" }
        return "\(error)"
    }
}
