import ArgumentParser
import KVClient
import KVClientTLS
import KVWire

/// `--tls` and `--cacert`, the same for every subcommand (as redis-cli's).
struct TLSOptions: ParsableArguments {
    @Flag(help: "Speak TLS (the pods run with --tls-cert-file or --tls-dir): their certificate must be signed by --cacert (else a system root) and name the host dialled.")
    var tls = false

    @Option(help: ArgumentHelp("CA certificate (PEM) the pods' certificates are verified against; implies --tls.", valueName: "file"))
    var cacert: String?

    /// The TLS to use, or nil for plain TCP.
    func security() throws -> (any ClientTransportSecurity)? {
        guard tls || cacert != nil else { return nil }
        return try ClientTLS(caCertificateFile: cacert)
    }
}

/// A failure to report on one line.
struct ClientError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension RESPConnection {
    /// Sends one command and waits for its reply (kv-cli does one thing at a time).
    func callNow(_ command: [String]) throws -> RESPValue {
        try call(command).wait()
    }
}
