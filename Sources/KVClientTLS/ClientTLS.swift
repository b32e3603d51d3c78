import KVClient
import NIOCore
import NIOSSL

/// TLS for the connections a client opens (kv-cli; a pod's own connections to its peers):
/// TLS 1.2 or later, the peer's certificate verified against the CA certificates of a PEM file
/// (else the system's roots) and checked to name the host dialled — a DNS name, or an IP
/// address matched against the certificate's IP addresses (SNI carries names only).
public struct ClientTLS: ClientTransportSecurity {
    let context: NIOSSLContext

    /// Reads `caCertificateFile` (PEM; nil: the system's roots), or says what is wrong with it.
    public init(caCertificateFile: String?) throws {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateVerification = .fullVerification
        if let caCertificateFile {
            let roots: [NIOSSLCertificate]
            do {
                roots = try NIOSSLCertificate.fromPEMFile(caCertificateFile)
            } catch {
                throw ClientTLSError("cannot read the CA certificates \(caCertificateFile) (PEM): \(error)")
            }
            guard !roots.isEmpty else { throw ClientTLSError("no certificate in \(caCertificateFile)") }
            configuration.trustRoots = .certificates(roots)
        }
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw ClientTLSError("cannot set up TLS: \(error)")
        }
    }

    public func addClientHandlers(to pipeline: ChannelPipeline.SynchronousOperations, host: String) throws {
        let isAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
        try pipeline.addHandler(NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : host))
    }

    /// BoringSSL's reason (`CERTIFICATE_VERIFY_FAILED`) rather than its whole error stack, and
    /// what it usually means here.
    public func explain(_ error: any Error) -> String? {
        if let error = error as? NIOSSLExtraError, error == .failedToValidateHostname {
            return "the certificate does not name the host dialled (\(error))"
        }
        guard let error = error as? NIOSSLError else { return nil }
        guard case let .handshakeFailed(.sslError(stack)) = error else { return "\(error)" }
        let reasons = stack.map { entry -> String in
            // "Error: 268435581 error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at …"
            let text = entry.description
            let message = text.firstRange(of: " at ").map { text[..<$0.lowerBound] } ?? Substring(text)
            return message.split(separator: ":").last.map(String.init) ?? text
        }
        let joined = reasons.joined(separator: ", ")
        if reasons.contains("CERTIFICATE_VERIFY_FAILED") {
            return "\(joined): the peer's certificate is not signed by the CA given (--cacert, --tls-ca-cert-file), or does not name the host dialled"
        }
        return "handshake failed: \(joined)"
    }
}

/// A CA file that cannot be used.
public struct ClientTLSError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
