import KVClient
import KVWire
import NIOCore
import Testing

/// The one RESP client against scripted servers: pipelining, AUTH, and every way a
/// conversation fails, each with its `RESPClientError` code.
@Suite struct RESPConnectionTests {
    static func bulk(_ text: String) -> String { "$\(text.utf8.count)\r\n\(text)\r\n" }

    @Test func pipelinedCommandsGetTheirRepliesInOrder() async throws {
        // The server answers nothing until it holds all five commands: a client that waited
        // for each reply before sending the next would time out.
        let server = try await FakeRESPServer { received in
            guard received.count == 5 else { return "" }
            return received.map { Self.bulk($0.last ?? "") }.joined()
        }
        defer { Task { await server.stop() } }
        let connection = try await RESPConnection.connect(host: "127.0.0.1", port: server.port).get()
        let first = connection.send([["ECHO", "a"], ["ECHO", "b"], ["ECHO", "c"]])
        let second = connection.send([["ECHO", "d"]])
        let third = connection.call(["ECHO", "e"])
        #expect(try await first.get() == [.bulkString("a"), .bulkString("b"), .bulkString("c")])
        #expect(try await second.get() == [.bulkString("d")])
        #expect(try await third.get() == .bulkString("e"))
        try await connection.close().get()
    }

    @Test func anErrorReplyIsAReply() async throws {
        let server = try await FakeRESPServer { received in
            received.last?.first == "BAD" ? "-ERR unknown command 'BAD'\r\n" : ":1\r\n"
        }
        defer { Task { await server.stop() } }
        let replies = try await RESPConnection.request([["BAD"], ["INCR", "k"]], host: "127.0.0.1", port: server.port).get()
        #expect(replies == [.error("ERR unknown command 'BAD'"), .integer(1)])
    }

    @Test func authenticatesFirst() async throws {
        let server = try await FakeRESPServer { received in
            if received.last == ["AUTH", "secret"] { return "+OK\r\n" }
            return received.first == ["AUTH", "secret"] ? "+PONG\r\n" : "-NOAUTH Authentication required.\r\n"
        }
        defer { Task { await server.stop() } }
        let configuration = RESPClientConfiguration(password: "secret")
        let replies = try await RESPConnection.request([["PING"]], host: "127.0.0.1", port: server.port, configuration: configuration).get()
        #expect(replies == [.simpleString("PONG")])
    }

    @Test func aRefusedPasswordFailsTheConnect() async throws {
        let server = try await FakeRESPServer { _ in "-WRONGPASS invalid username-password pair or user is disabled.\r\n" }
        defer { Task { await server.stop() } }
        let configuration = RESPClientConfiguration(password: "wrong")
        let error = await #expect(throws: RESPClientError.self) {
            try await RESPConnection.connect(host: "127.0.0.1", port: server.port, configuration: configuration).get()
        }
        #expect(error?.code == .authenticationFailed)
        #expect(error?.message.contains("WRONGPASS") == true, "\(String(describing: error))")
    }

    @Test func aRefusedConnectionSaysSo() async throws {
        let port = try await FakeRESPServer.closedPort()
        let error = await #expect(throws: RESPClientError.self) {
            try await RESPConnection.request([["PING"]], host: "127.0.0.1", port: port).get()
        }
        #expect(error?.code == .cannotConnect)
        #expect(error?.message == "cannot connect to 127.0.0.1:\(port): Connection refused", "\(String(describing: error))")
        #expect(error?.nameDoesNotResolve == false)
    }

    @Test func aSilentPeerTimesOut() async throws {
        let server = try await FakeRESPServer { _ in "" }
        defer { Task { await server.stop() } }
        let configuration = RESPClientConfiguration(readTimeout: .milliseconds(200))
        let connection = try await RESPConnection.connect(host: "127.0.0.1", port: server.port, configuration: configuration).get()
        let started = NIODeadline.now()
        let reply = connection.call(["PING"])
        // Measured on the event loop when the request fails: under a loaded test run, this
        // task may resume much later.
        let failedAfter = reply.map { _ in TimeAmount.zero }.recover { _ in NIODeadline.now() - started }
        let error = await #expect(throws: RESPClientError.self) { try await reply.get() }
        #expect(error?.code == .readTimeout)
        #expect(error?.message == "no answer from 127.0.0.1:\(server.port) within 200 ms")
        let elapsed = try await failedAfter.get()
        #expect(elapsed >= .milliseconds(200) && elapsed < .seconds(2), "\(elapsed)")
        // The connection is given up: later requests fail at once, with the same reason.
        let later = await #expect(throws: RESPClientError.self) { try await connection.call(["PING"]).get() }
        #expect(later?.code == .readTimeout || later?.code == .closed)
    }

    @Test func aTimeoutCountsFromTheRequestNotFromAnIdleConnection() async throws {
        let server = try await FakeRESPServer { _ in "+PONG\r\n" }
        defer { Task { await server.stop() } }
        let configuration = RESPClientConfiguration(readTimeout: .seconds(1))
        let connection = try await RESPConnection.connect(host: "127.0.0.1", port: server.port, configuration: configuration).get()
        try await Task.sleep(for: .milliseconds(1300))
        #expect(try await connection.call(["PING"]).get() == .simpleString("PONG"))
        try await connection.close().get()
    }

    @Test func aPeerThatClosesEarlyFailsTheRequest() async throws {
        let server = try await FakeRESPServer { received in received.count == 1 ? "+OK\r\n" : nil }
        defer { Task { await server.stop() } }
        let error = await #expect(throws: RESPClientError.self) {
            try await RESPConnection.request([["SET", "k", "v"], ["GET", "k"]], host: "127.0.0.1", port: server.port).get()
        }
        #expect(error?.code == .closed)
        #expect(error?.message.hasSuffix("closed the connection after 1 of 2 replies") == true, "\(String(describing: error))")
    }

    @Test func aPeerThatIsNotRESPIsAProtocolError() async throws {
        let server = try await FakeRESPServer { _ in "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n" }
        defer { Task { await server.stop() } }
        let error = await #expect(throws: RESPClientError.self) {
            try await RESPConnection.request([["PING"]], host: "127.0.0.1", port: server.port).get()
        }
        #expect(error?.code == .protocolError, "\(String(describing: error))")
    }
}
