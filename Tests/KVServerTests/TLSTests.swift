import Foundation
import Testing

/// TLS on both ports and between pods, with real clients: redis-cli --tls, curl https.
@Suite(.enabled(if: TestCertificates.isAvailable, "needs the openssl command"))
struct TLSTests {
    @Test func clientsAndReplicationSpeakTLS() throws {
        let certificates = try TestCertificates()
        let primary = try ServerProcess(arguments: certificates.serverArguments, tlsCA: certificates.caCertificate).start()
        #expect(try primary.redis("SET", "k", "over tls") == "OK")
        #expect(try primary.redis("GET", "k") == "over tls")
        #expect(try primary.curl("GET", "/healthz").status == 200)
        #expect(try primary.curl("GET", "/v1/kv/k").body == "over tls")
        // Plain HTTP on the same port: probes and metrics (kubelets and scrapers have no
        // certificates), but no data.
        let plainHTTP = try ServerProcess.plainCurl(port: primary.httpPort)
        #expect(try plainHTTP("/healthz") == 200)
        #expect(try plainHTTP("/metrics") == 200)
        #expect(try plainHTTP("/v1/kv/k") == 403)
        #expect(try plainHTTP("/status") == 403)

        // A client that does not speak TLS gets no service, and the server is unharmed.
        let plain = try Tool.run("redis-cli", ["-p", String(primary.port), "PING"])
        #expect(plain.output != "PONG")
        #expect(try primary.redis("PING") == "PONG")

        // A replica clones and streams over TLS, verifying the primary's certificate.
        let replica = try ServerProcess(
            arguments: certificates.serverArguments + ["--primary", "127.0.0.1:\(primary.port)", "--clone-from", "127.0.0.1:\(primary.port)"],
            hostname: "kv-1", tlsCA: certificates.caCertificate
        ).start()
        #expect(try primary.redis("SET", "after", "streamed") == "OK")
        let deadline = Date().addingTimeInterval(15)
        while (try? replica.redis("GET", "after")) != "streamed" && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(try replica.redis("GET", "k") == "over tls")
        #expect(try replica.redis("GET", "after") == "streamed")
        #expect(try replica.redis("INFO", "replication").contains("master_link_status:up"))
    }

    @Test func aReplicaRefusesAPrimaryItsCADidNotSign() throws {
        let certificates = try TestCertificates()
        let stranger = try TestCertificates(name: "another-ca")
        let primary = try ServerProcess(arguments: certificates.serverArguments, tlsCA: certificates.caCertificate).start()
        #expect(try primary.redis("SET", "k", "v") == "OK")
        // Has data of its own (so it listens at once), trusts only another CA.
        let replica = try ServerProcess(
            arguments: ["--tls-cert-file", stranger.certificate.path, "--tls-key-file", stranger.key.path,
                        "--tls-ca-cert-file", stranger.caCertificate.path,
                        "--primary", "127.0.0.1:\(primary.port)", "--clone-from", "127.0.0.1:\(primary.port)",
                        "--clone-timeout", "1s"],
            hostname: "kv-1", tlsCA: stranger.caCertificate
        )
        #expect(throws: HarnessError.self) { try replica.start(timeout: 4) }
        #expect(replica.logText.lowercased().contains("certificate"), "\(replica.logText)")
    }

    @Test func aReplicaRefusesACertificateThatDoesNotNameTheAddressItDialled() throws {
        // Signed by the right CA, but for another name: 127.0.0.1 is not in it.
        let certificates = try TestCertificates(subjectAltNames: "DNS:kv-0.kv")
        let primary = try ServerProcess(arguments: certificates.serverArguments, tlsCA: certificates.caCertificate)
        // redis-cli checks the chain, not the name: the primary serves it.
        try primary.start()
        let replica = try ServerProcess(
            arguments: certificates.serverArguments + ["--primary", "127.0.0.1:\(primary.port)", "--clone-from", "127.0.0.1:\(primary.port)",
                                                       "--clone-timeout", "1s"],
            hostname: "kv-1", tlsCA: certificates.caCertificate
        )
        #expect(throws: HarnessError.self) { try replica.start(timeout: 4) }
        #expect(replica.logText.contains("connection failed"), "\(replica.logText.suffix(600))")
    }

    @Test func aMountedTLSSecretTurnsTLSOnAndAnEmptyOneLeavesItOff() throws {
        // The directory holds tls.crt, tls.key and ca.crt, as a kubernetes.io/tls Secret does.
        let certificates = try TestCertificates()
        let secured = try ServerProcess(arguments: ["--tls-dir", certificates.directory.path], tlsCA: certificates.caCertificate).start()
        #expect(try secured.redis("PING") == "PONG")
        #expect(secured.logText.contains("tls=on"))
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("kv-empty-secret-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        let plain = try ServerProcess(arguments: ["--tls-dir", empty.path]).start()
        #expect(try plain.redis("PING") == "PONG")
        #expect(plain.logText.contains("tls=off"))
    }

    @Test func unusableFilesStopTheServerWithAClearError() throws {
        let result = try Tool.run(ServerProcess.executable.path, [
            "--hostname", "kv-0", "--data-dir", "/tmp/kv-never", "--tls-cert-file", "/nonexistent.crt", "--tls-key-file", "/nonexistent.key",
        ])
        #expect(result.status == 2)
        #expect(result.output.contains("/nonexistent.crt"))
        let half = try Tool.run(ServerProcess.executable.path, ["--hostname", "kv-0", "--data-dir", "/tmp/kv-never", "--tls-cert-file", "/x.crt"])
        #expect(half.status == 2)
        #expect(half.output.contains("--tls-key-file"))
    }
}

extension ServerProcess {
    /// GET over plain HTTP, returning the status.
    static func plainCurl(port: Int) throws -> (String) throws -> Int {
        { path in
            let result = try Tool.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)\(path)"])
            return Int(result.output) ?? 0
        }
    }
}
