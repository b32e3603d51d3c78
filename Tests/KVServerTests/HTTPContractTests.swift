import Foundation
import Testing

/// docs/http.md's contract holds for requests kv cannot take: garbage gets 400, a head over
/// the limits 431, a body over --max-value-size 413 — declared or chunked, answered before
/// the rest arrives. Each reply names the pod and carries a JSON error, the connection then
/// closes, and the next connection is served as usual.
@Suite struct HTTPContractTests {
    /// What the server answered on one connection, and how.
    struct Refusal {
        var reply: HTTPResult
        /// The server closed the connection cleanly (end of file, no reset) after the reply.
        var closed: Bool
        var seconds: TimeInterval
    }

    /// Sends `request` on a new connection and reads until the server closes it, at most
    /// `seconds`: a server that waits for more fails the test instead of hanging it.
    static func send(_ request: [UInt8], to kv: ServerProcess, within seconds: TimeInterval = 3) throws -> Refusal {
        let connection = try RawConnection(port: kv.httpPort)
        let started = Date()
        connection.send(request)
        let (bytes, closed) = connection.readUntilClosed(within: seconds)
        return Refusal(reply: HTTPResult(raw: String(decoding: bytes, as: UTF8.self)), closed: closed,
                       seconds: Date().timeIntervalSince(started))
    }

    static func send(_ request: String, to kv: ServerProcess, within seconds: TimeInterval = 3) throws -> Refusal {
        try send(Array(request.utf8), to: kv, within: seconds)
    }

    /// The reply keeps the contract: `status`, `KV-Pod`, `Connection: close` and a JSON
    /// object with one `error` string containing `mentioning`.
    static func expect(_ reply: HTTPResult, status: Int, mentioning text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(reply.status == status, sourceLocation: sourceLocation)
        #expect(reply.headers["kv-pod"] == "kv-0", sourceLocation: sourceLocation)
        #expect(reply.headers["content-type"] == "application/json", sourceLocation: sourceLocation)
        #expect(reply.headers["connection"] == "close", sourceLocation: sourceLocation)
        let body = reply.body.trimmingCharacters(in: .newlines)
        #expect(Int(reply.headers["content-length"] ?? "") == body.utf8.count + 1, sourceLocation: sourceLocation)  // + "\n"
        let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        #expect(json?.count == 1, "body: \(reply.body)", sourceLocation: sourceLocation)
        let error = json?["error"] as? String ?? ""
        #expect(error.contains(text), "error: \(error)", sourceLocation: sourceLocation)
    }

    /// Plain requests on new connections still work.
    static func expectServing(_ kv: ServerProcess, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try kv.curl("GET", "/healthz").status == 200, sourceLocation: sourceLocation)
        #expect(try kv.curl("PUT", "/v1/kv/after", body: Data("fine".utf8)).status == 204, sourceLocation: sourceLocation)
        #expect(try kv.curl("GET", "/v1/kv/after").body == "fine", sourceLocation: sourceLocation)
    }

    @Test func garbageGets400WithTheContract() throws {
        let kv = try ServerProcess().start()
        let garbage: [[UInt8]] = [
            Array("this is not http\r\n\r\n".utf8),
            Array("GET /healthz HTTP/1.1\r\nHost: kv\r\nno colon here\r\n\r\n".utf8),
            Array("PUT /v1/kv/k HTTP/1.1\r\nHost: kv\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n".utf8),
            Array("PUT /v1/kv/k HTTP/1.1\r\nHost: kv\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".utf8),
            [0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, 0x00, 0x0d, 0x0a, 0x0d, 0x0a],  // TLS to plain HTTP
        ]
        for request in garbage {
            let refusal = try Self.send(request, to: kv)
            Self.expect(refusal.reply, status: 400, mentioning: "not a valid HTTP/1.1 request")
            #expect(refusal.closed)
        }
        #expect(try kv.redis("EXISTS", "k") == "0")
        try Self.expectServing(kv)
    }

    @Test func aHeadOverTheLimitsGets431() throws {
        let kv = try ServerProcess().start()
        // A 100 KB URL, through curl.
        let url = try kv.curl("GET", "/v1/kv/" + String(repeating: "u", count: 100_000))
        Self.expect(url, status: 431, mentioning: "the request head is too large")
        // One 90 KB header; 300 small ones; 81 headers of 1 KB (81 KB together).
        let heads = [
            "GET /healthz HTTP/1.1\r\nHost: kv\r\nX-Big: \(String(repeating: "b", count: 90_000))\r\n\r\n",
            "GET /healthz HTTP/1.1\r\n" + (0..<300).map { "X-\($0): v\r\n" }.joined() + "\r\n",
            "GET /healthz HTTP/1.1\r\n" + (0..<81).map { "X-\($0): \(String(repeating: "h", count: 1024))\r\n" }.joined() + "\r\n",
        ]
        for head in heads {
            let refusal = try Self.send(head, to: kv)
            Self.expect(refusal.reply, status: 431, mentioning: "at most 80 KiB of URL and headers, 256 header fields")
            #expect(refusal.closed)
        }
        // Just under the limits: served.
        let large = "GET /healthz HTTP/1.1\r\nHost: kv\r\nConnection: close\r\n"
            + (0..<100).map { "X-\($0): \(String(repeating: "h", count: 700))\r\n" }.joined() + "\r\n"
        #expect(try Self.send(large, to: kv).reply.status == 200)
        try Self.expectServing(kv)
    }

    @Test func aDeclaredLengthOverTheLimitGets413AtOnce() throws {
        let kv = try ServerProcess().start()
        // The head only: a server that waited for the body would not answer within 3 s.
        let refusal = try Self.send("PUT /v1/kv/big HTTP/1.1\r\nHost: kv\r\nContent-Length: 99999999999\r\n\r\n", to: kv)
        Self.expect(refusal.reply, status: 413, mentioning: "larger than --max-value-size (536870912 bytes)")
        #expect(refusal.closed)
        #expect(refusal.seconds < 2, "answered after \(refusal.seconds) s")
        // Past Int64 too (the decoder takes up to UInt64).
        let huge = try Self.send("PUT /v1/kv/big HTTP/1.1\r\nHost: kv\r\nContent-Length: 9223372036854775808\r\n\r\n", to: kv)
        Self.expect(huge.reply, status: 413, mentioning: "larger than --max-value-size")
        #expect(try kv.redis("EXISTS", "big") == "0")
        try Self.expectServing(kv)
    }

    @Test func curlSendingABodyOverTheLimitReadsThe413() throws {
        let kv = try ServerProcess(arguments: ["--max-value-size", "1kb"]).start()
        // curl is still sending when the refusal comes: it must read the reply, not a reset.
        let body = Data(String(repeating: "x", count: 256 << 10).utf8)
        let declared = try kv.curl("PUT", "/v1/kv/big", body: body)
        Self.expect(declared, status: 413, mentioning: "larger than --max-value-size (1024 bytes)")
        let chunked = try kv.curl("PUT", "/v1/kv/big", body: body, headers: ["Transfer-Encoding: chunked"])
        Self.expect(chunked, status: 413, mentioning: "larger than --max-value-size (1024 bytes)")
        // At the limit, chunked or not: stored.
        let limit = Data(String(repeating: "y", count: 1024).utf8)
        #expect(try kv.curl("PUT", "/v1/kv/edge", body: limit).status == 204)
        #expect(try kv.curl("PUT", "/v1/kv/edge2", body: limit, headers: ["Transfer-Encoding: chunked"]).status == 204)
        #expect(try kv.redis("STRLEN", "edge2") == "1024")
        #expect(try kv.redis("EXISTS", "big") == "0")
        try Self.expectServing(kv)
    }

    @Test func aChunkedBodyIsRefusedAsSoonAsItPassesTheLimit() throws {
        let kv = try ServerProcess(arguments: ["--max-value-size", "1kb"]).start()
        // 1024 bytes, then one more, and no last chunk: the 413 cannot wait for the end.
        let request = "PUT /v1/kv/big HTTP/1.1\r\nHost: kv\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "400\r\n" + String(repeating: "c", count: 1024) + "\r\n" + "1\r\nc\r\n"
        let refusal = try Self.send(request, to: kv)
        Self.expect(refusal.reply, status: 413, mentioning: "larger than --max-value-size (1024 bytes)")
        #expect(refusal.closed)
        #expect(refusal.seconds < 2, "answered after \(refusal.seconds) s")
        #expect(try kv.redis("EXISTS", "big") == "0")
        try Self.expectServing(kv)
    }

    @Test(.enabled(if: TestCertificates.isAvailable, "needs the openssl command"))
    func refusalsOverHTTPSKeepTheContract() throws {
        let certificates = try TestCertificates()
        let kv = try ServerProcess(arguments: certificates.serverArguments + ["--max-value-size", "1kb"],
                                   tlsCA: certificates.caCertificate).start()
        let body = Data(String(repeating: "x", count: 256 << 10).utf8)
        let tooLarge = try kv.curl("PUT", "/v1/kv/big", body: body)
        Self.expect(tooLarge, status: 413, mentioning: "larger than --max-value-size (1024 bytes)")
        let longURL = try kv.curl("GET", "/v1/kv/" + String(repeating: "u", count: 100_000))
        Self.expect(longURL, status: 431, mentioning: "the request head is too large")
        #expect(try kv.curl("GET", "/healthz").status == 200)
    }

    @Test func aRequestThatNeverArrivesGets408WithTheContract() throws {
        let kv = try ServerProcess(arguments: ["--request-timeout", "1s"]).start()
        let refusal = try Self.send("PUT /v1/kv/slow HTTP/1.1\r\nHost: kv\r\nContent-Length: 10\r\n\r\nab", to: kv, within: 4)
        Self.expect(refusal.reply, status: 408, mentioning: "--request-timeout")
        #expect(refusal.closed)
        try Self.expectServing(kv)
    }
}
