import Foundation
import KVClient
import KVClientTLS
import Testing

/// The one RESP client (KVClient) and kv-cli over TLS against a real TLS server: the CA and
/// the name dialled are checked.
@Suite(.enabled(if: TestCertificates.isAvailable, "needs the openssl command"))
struct RESPClientTLSTests {
    @Test func theClientVerifiesTheServerAgainstItsCA() async throws {
        let certificates = try TestCertificates()
        let server = try ServerProcess(arguments: certificates.serverArguments + ["--password", "secret"],
                                       tlsCA: certificates.caCertificate).start()
        let trusted = try RESPClientConfiguration(tls: ClientTLS(caCertificateFile: certificates.caCertificate.path), password: "secret")
        let replies = try await RESPConnection.request([["SET", "k", "over tls"], ["GET", "k"]],
                                                       host: "127.0.0.1", port: server.port, configuration: trusted).get()
        #expect(replies == [.simpleString("OK"), .bulkString("over tls")])
        // The certificate names localhost too.
        let byName = try await RESPConnection.request([["GET", "k"]], host: "localhost", port: server.port, configuration: trusted).get()
        #expect(byName == [.bulkString("over tls")])

        // Another CA did not sign it: the connect fails, saying why.
        let stranger = try TestCertificates(name: "another-ca")
        let untrusted = try RESPClientConfiguration(tls: ClientTLS(caCertificateFile: stranger.caCertificate.path), password: "secret")
        let error = await #expect(throws: RESPClientError.self) {
            try await RESPConnection.connect(host: "127.0.0.1", port: server.port, configuration: untrusted).get()
        }
        #expect(error?.code == .connectionFailed)
        #expect(error?.message.lowercased().contains("certificate") == true, "\(String(describing: error))")
        // Without a password the connect still waits for the handshake, so it fails too.
        let noPassword = try RESPClientConfiguration(tls: ClientTLS(caCertificateFile: stranger.caCertificate.path))
        await #expect(throws: RESPClientError.self) {
            try await RESPConnection.connect(host: "127.0.0.1", port: server.port, configuration: noPassword).get()
        }
        // The server is unharmed.
        let after = try await RESPConnection.request([["PING"]], host: "127.0.0.1", port: server.port, configuration: trusted).get()
        #expect(after == [.simpleString("PONG")])
    }

    @Test func theClientRefusesACertificateForAnotherName() async throws {
        let certificates = try TestCertificates(subjectAltNames: "DNS:kv-0.kv")
        let server = try ServerProcess(arguments: certificates.serverArguments, tlsCA: certificates.caCertificate).start()
        let configuration = try RESPClientConfiguration(tls: ClientTLS(caCertificateFile: certificates.caCertificate.path))
        let error = await #expect(throws: RESPClientError.self) {
            try await RESPConnection.request([["PING"]], host: "127.0.0.1", port: server.port, configuration: configuration).get()
        }
        #expect(error?.code == .connectionFailed, "\(String(describing: error))")
    }

    @Test func aMissingCAFileIsAClearError() throws {
        #expect(throws: ClientTLSError.self) { try ClientTLS(caCertificateFile: "/nonexistent/ca.crt") }
    }

    @Test func kvCLISpeaksTLSToEverySubcommand() throws {
        let certificates = try TestCertificates()
        let primary = try ServerProcess(arguments: certificates.serverArguments, tlsCA: certificates.caCertificate).start()
        let replica = try ServerProcess(
            arguments: certificates.serverArguments + ["--primary", "127.0.0.1:\(primary.port)", "--clone-from", "127.0.0.1:\(primary.port)"],
            hostname: "kv-1", tlsCA: certificates.caCertificate
        ).start()
        let cli = KVCLITests.cli
        let tls = ["--tls", "--cacert", certificates.caCertificate.path]
        let onPrimary = ["--host", "127.0.0.1", "--port", String(primary.port)] + tls
        #expect(try Tool.run(cli, ["set"] + onPrimary + ["greeting", "hello"]).output == "OK")
        let deadline = Date().addingTimeInterval(15)
        while (try? replica.redis("GET", "greeting")) != "hello" && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        // --cacert alone implies --tls.
        let get = try Tool.run(cli, ["get", "--host", "localhost", "--port", String(replica.port), "--cacert", certificates.caCertificate.path, "greeting"])
        #expect(get.output == "hello", "\(get.output)")
        let watch = try Tool.run(cli, ["watch", "--host", "127.0.0.1", "--port", String(replica.port)] + tls + ["greeting", "--count", "1"])
        #expect(watch.output == "kv-1  hello", "\(watch.output)")

        let pods = "127.0.0.1:\(primary.port),127.0.0.1:\(replica.port)"
        // /status over HTTPS: the HTTP port serves it only over TLS.
        let status = try Tool.run(cli, ["status", "--pods", pods] + tls)
        let rows = status.output.split(separator: "\n").filter { $0.hasPrefix("kv-") }
        #expect(status.status == 0 && rows.count == 2, "\(status.output)")
        #expect(rows.first?.contains("primary") == true && rows.last?.contains("replica") == true, "\(status.output)")
        let check = try Tool.run(cli, ["check", "--pods", pods] + tls)
        #expect(check.status == 0 && check.output.contains("all 2 pods hold the same data at LSN 1"), "\(check.output)")

        // Without --tls: no answer; with a CA that did not sign the certificate: refused.
        let plain = try Tool.run(cli, ["get", "--host", "127.0.0.1", "--port", String(primary.port), "greeting"])
        #expect(plain.status != 0, "\(plain.output)")
        let stranger = try TestCertificates(name: "another-ca")
        let refused = try Tool.run(cli, ["get", "--host", "127.0.0.1", "--port", String(primary.port), "--cacert", stranger.caCertificate.path, "greeting"])
        #expect(refused.status != 0 && refused.output.lowercased().contains("certificate"), "\(refused.output)")
    }
}
