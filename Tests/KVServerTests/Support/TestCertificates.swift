import Foundation

/// A throwaway CA and a server certificate it signed (for 127.0.0.1 and localhost), made with
/// the openssl command-line tool, as an operator (or cert-manager) would make a TLS Secret.
final class TestCertificates {
    let directory: URL
    var caCertificate: URL { directory.appendingPathComponent("ca.crt") }
    var certificate: URL { directory.appendingPathComponent("tls.crt") }
    var key: URL { directory.appendingPathComponent("tls.key") }

    static var isAvailable: Bool {
        (try? Tool.run("openssl", ["version"]).status) == 0
    }

    /// `name`: the CA's common name (two instances with different names do not trust each
    /// other); `subjectAltNames`: what the server certificate names.
    init(name: String = "kv-test-ca", subjectAltNames: String = "DNS:localhost,IP:127.0.0.1") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kv-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.path
        let steps: [[String]] = [
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", "\(path)/ca.key", "-out", "\(path)/ca.crt", "-days", "2", "-subj", "/CN=\(name)"],
            ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", "\(path)/tls.key", "-out", "\(path)/tls.csr", "-subj", "/CN=kv"],
            ["x509", "-req", "-in", "\(path)/tls.csr", "-CA", "\(path)/ca.crt", "-CAkey", "\(path)/ca.key",
             "-CAcreateserial", "-out", "\(path)/tls.crt", "-days", "2", "-extfile", "\(path)/san.cnf"],
        ]
        try "subjectAltName=\(subjectAltNames)\n".write(toFile: "\(path)/san.cnf", atomically: true, encoding: .utf8)
        for step in steps {
            let result = try Tool.run("openssl", step)
            guard result.status == 0 else { throw HarnessError("openssl \(step[0]) failed: \(result.output)") }
        }
    }

    /// The server flags that turn TLS on with these files.
    var serverArguments: [String] {
        ["--tls-cert-file", certificate.path, "--tls-key-file", key.path, "--tls-ca-cert-file", caCertificate.path]
    }

    deinit { try? FileManager.default.removeItem(at: directory) }
}
