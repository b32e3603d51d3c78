import KVClientTLS
import KVServer
import NIOCore
import NIOSSL

/// TLS for every connection of a pod, from PEM files (in Kubernetes, a mounted Secret of type
/// `kubernetes.io/tls` with `ca.crt`): `--tls-cert-file` and `--tls-key-file` turn it on for
/// both listening ports (RESP and HTTP), and the pod's own connections to its peers (clone,
/// stream, the empty primary's question) use TLS too, verifying the peer's certificate
/// against `--tls-ca-cert-file` (else the system's roots) and its name or IP address.
///
/// The files are read once, at startup: a renewed certificate is taken by a restart (a
/// rolling restart of the set).
public struct PeerTLS: TransportSecurity {
    let server: NIOSSLContext
    /// The client side, as kv-cli's: one place where a connection's peer is verified.
    let client: ClientTLS

    /// Loads the files, or says which one is wrong.
    public init(certificateFile: String, keyFile: String, caCertificateFile: String?) throws {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateFile)
        } catch {
            throw TLSSetupError("cannot read the certificate chain \(certificateFile) (PEM): \(error)")
        }
        guard !chain.isEmpty else { throw TLSSetupError("no certificate in \(certificateFile)") }
        do {
            key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch {
            throw TLSSetupError("cannot read the private key \(keyFile) (PEM): \(error)")
        }
        var serverConfiguration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        serverConfiguration.minimumTLSVersion = .tlsv12
        do {
            client = try ClientTLS(caCertificateFile: caCertificateFile)
        } catch {
            throw TLSSetupError("\(error)")
        }
        do {
            server = try NIOSSLContext(configuration: serverConfiguration)
        } catch {
            throw TLSSetupError("the certificate and key do not make a TLS context (does the key match the certificate?): \(error)")
        }
    }

    public func addServerHandlers(to pipeline: ChannelPipeline.SynchronousOperations) throws {
        try pipeline.addHandler(NIOSSLServerHandler(context: server))
    }

    public func addHTTPServerHandlers(to pipeline: ChannelPipeline.SynchronousOperations) throws {
        try pipeline.addHandler(HTTPTLSSniffer(context: server))
    }

    /// Verifies `host`: a name, or an IP address checked against the certificate's IP
    /// addresses (SNI carries names only).
    public func addClientHandlers(to pipeline: ChannelPipeline.SynchronousOperations, host: String) throws {
        try client.addClientHandlers(to: pipeline, host: host)
    }

    public func explain(_ error: any Error) -> String? {
        client.explain(error)
    }

    public func isSecured(_ pipeline: ChannelPipeline.SynchronousOperations) -> Bool {
        (try? pipeline.handler(type: NIOSSLServerHandler.self)) != nil
    }
}

/// A TLS file that cannot be used; the server does not start.
public struct TLSSetupError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The HTTP port with TLS on: a connection whose first byte opens a TLS handshake (0x16)
/// gets TLS; any other is plain HTTP, which serves only the probes and metrics (kubelets and
/// scrapers need no certificates), while the data routes answer 403 (see `HTTPRoutes`).
final class HTTPTLSSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let context: NIOSSLContext

    init(context: NIOSSLContext) {
        self.context = context
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if buffer.readableBytesView.first == 0x16 {
            do {
                try context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: self.context), position: .after(self))
            } catch {
                context.close(promise: nil)
                return
            }
        }
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(self, promise: nil)
    }
}
