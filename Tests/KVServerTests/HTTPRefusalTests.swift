import NIOHTTP1
import Testing
@testable import KVServer

/// The refusals the HTTP connection makes itself, without a server: status, JSON error,
/// and the head they are written with.
@Suite struct HTTPRefusalTests {
    @Test(arguments: [
        (HTTPParserError.headerOverflow, HTTPResponseStatus.requestHeaderFieldsTooLarge),
        (.invalidMethod, .badRequest),
        (.invalidHeaderToken, .badRequest),
        (.invalidChunkSize, .badRequest),
        (.unexpectedContentLength, .badRequest),
    ])
    func decoderErrors(error: HTTPParserError, status: HTTPResponseStatus) {
        let response = HTTPRefusal(error).response
        #expect(response.status == status)
        #expect(response.headers.contains { $0 == ("Content-Type", "application/json") })
        #expect(String(decoding: response.body, as: UTF8.self).hasPrefix("{\"error\":\""))
    }

    @Test func bodyTooLargeNamesTheFlagAndTheLimit() {
        let response = HTTPRefusal.bodyTooLarge(limit: 1024).response
        #expect(response.status == .payloadTooLarge)
        #expect(String(decoding: response.body, as: UTF8.self) == "{\"error\":\"the request body is larger than --max-value-size (1024 bytes)\"}\n")
    }

    @Test(arguments: [
        ("1024", false), ("1025", true), ("0", false), ("99999999999", true), ("9223372036854775808", true),
    ])
    func declaredLengths(length: String, isOver: Bool) {
        let head = HTTPRequestHead(version: .http1_1, method: .PUT, uri: "/v1/kv/k", headers: ["Content-Length": length])
        #expect(HTTPLimits.declaredLength(head, isOver: 1024) == isOver)
    }

    @Test func noDeclaredLengthIsNotOver() {
        let head = HTTPRequestHead(version: .http1_1, method: .PUT, uri: "/v1/kv/k", headers: ["Transfer-Encoding": "chunked"])
        #expect(!HTTPLimits.declaredLength(head, isOver: 0))
    }

    @Test func encodedResponseCarriesThePodAndCloses() {
        let text = String(decoding: HTTPRefusal.timedOut.response.encoded(podName: "kv-3"), as: UTF8.self)
        let body = "{\"error\":\"the request did not arrive whole within --request-timeout\"}\n"
        #expect(text == "HTTP/1.1 408 Request Timeout\r\nKV-Pod: kv-3\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body)
    }
}
