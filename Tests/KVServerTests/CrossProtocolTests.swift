import Foundation
import Testing

/// HTTP sent to the RESP port — what a web page in a developer's browser can do to a local
/// server — closes the connection at the first `POST` or `Host:` line and runs nothing after
/// it, as Redis does ("cross-protocol scripting").
@Suite struct CrossProtocolTests {
    /// A browser's `fetch("http://127.0.0.1:6379/", {method: "POST", body: …})`.
    static let browserPost = "POST / HTTP/1.1\r\nHost: 127.0.0.1:6379\r\nContent-Type: text/plain\r\nContent-Length: 27\r\n\r\nSET xproto pwned\r\nQUIT\r\n"
    /// A GET whose request line Redis answers as a command, then closes at `Host:`.
    static let browserGet = "GET /?x=1 HTTP/1.1\r\nHost: 127.0.0.1:6379\r\n\r\nSET xproto pwned\r\n"

    @Test(arguments: [browserPost, browserGet, "host: x\r\nFLUSHALL\r\n", "*1\r\n$4\r\npost\r\n*3\r\n$3\r\nSET\r\n$6\r\nxproto\r\n$5\r\npwned\r\n"])
    func httpIsRefusedAndNothingAfterItRuns(request: String) throws {
        let kv = try ServerProcess().start()
        #expect(try kv.redis("SET", "keep", "me") == "OK")
        let connection = try RawConnection(port: kv.port)
        connection.send(request)
        // The peer closes: read returns what came before the close, then nothing.
        let answer = String(decoding: connection.read(atLeast: 1 << 20), as: UTF8.self)
        #expect(!answer.contains("+OK"), "\(answer.debugDescription)")
        #expect(try kv.redis("EXISTS", "xproto") == "0")
        #expect(try kv.redis("GET", "keep") == "me")
        #expect(try kv.redis("INFO", "stats").contains("kv_cross_protocol_refused:1"))
        #expect(try kv.curl("GET", "/metrics").body.contains("kv_cross_protocol_refused_total 1"))
        #expect(kv.logText.contains("Possible SECURITY ATTACK detected"))
    }

    /// Byte for byte what Redis answers before it closes (the GET request line gets an error).
    @Test(arguments: [browserPost, browserGet])
    func answersAsRedisDoes(request: String) throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let redis = try RedisServerProcess()
        let kv = try ServerProcess().start()
        var answers: [String] = []
        for port in [redis.port, kv.port] {
            let connection = try RawConnection(port: port)
            connection.send(request)
            answers.append(String(decoding: connection.read(atLeast: 1 << 20), as: UTF8.self))
        }
        #expect(answers[0] == answers[1])
        #expect(try redis.cli(["EXISTS", "xproto"]) == "0")
    }

    /// With a password set the connection is closed all the same, before AUTH is asked for.
    @Test func refusedBeforeAuthentication() throws {
        let kv = try ServerProcess(arguments: ["--password", "s3cret"]).start()
        let connection = try RawConnection(port: kv.port)
        connection.send(Self.browserPost)
        let answer = String(decoding: connection.read(atLeast: 1 << 20), as: UTF8.self)
        #expect(answer.isEmpty, "\(answer.debugDescription)")
    }
}
