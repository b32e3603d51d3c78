import Foundation
import Testing

/// AUTH, and the limits that keep one client from hurting the others.
@Suite struct SecurityAndLimitsTests {
    @Test func authIsRequiredWhenAPasswordIsSet() throws {
        let kv = try ServerProcess(arguments: ["--password", "s3cret"]).start()
        #expect(try kv.redis("GET", "k") == "NOAUTH Authentication required.")
        #expect(try kv.cli(["AUTH", "wrong"]).output == "WRONGPASS invalid username-password pair or user is disabled.")
        #expect(try kv.cli(["SET", "k", "v"], extra: ["-a", "s3cret", "--no-auth-warning"]).output == "OK")
        #expect(try kv.cli(["GET", "k"], extra: ["--user", "default", "--pass", "s3cret", "--no-auth-warning"]).output == "v")
        #expect(try kv.cli(["GET", "k"], extra: ["--user", "admin", "--pass", "s3cret", "--no-auth-warning"]).output.contains("WRONGPASS"))
        let connection = try RawConnection(port: kv.port)
        connection.send("*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n*5\r\n$5\r\nHELLO\r\n$1\r\n3\r\n$4\r\nAUTH\r\n$7\r\ndefault\r\n$6\r\ns3cret\r\n")
        // HELLO 3 without AUTH is refused; HELLO 3 AUTH default s3cret authenticates and switches.
        let replies = connection.read(until: "modules")
        #expect(replies.hasPrefix("-NOAUTH HELLO must be called"), "\(replies.debugDescription)")
        #expect(replies.contains("%7\r\n"), "\(replies.debugDescription)")
    }

    @Test func authWithoutPasswordConfigured() throws {
        let kv = try ServerProcess().start()
        #expect(try kv.redis("AUTH", "x").hasPrefix("ERR AUTH <password> called without any password configured"))
    }

    @Test func valuesOverTheLimitAreRefused() throws {
        let kv = try ServerProcess(arguments: ["--max-value-size", "1000"]).start()
        let connection = try RawConnection(port: kv.port)
        connection.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000\r\n")
        #expect(connection.read(until: "\r\n") == "-ERR Protocol error: invalid bulk length\r\n")
        #expect(try kv.redis("SET", "ok", String(repeating: "a", count: 900)) == "OK")
        #expect(try kv.redis("APPEND", "ok", String(repeating: "b", count: 200)) == "ERR string exceeds maximum allowed size (proto-max-bulk-len)")
        #expect(try kv.redis("SETRANGE", "ok", "999", "xx") == "ERR string exceeds maximum allowed size (proto-max-bulk-len)")
    }

    @Test func clientsBeyondTheLimitAreRefused() throws {
        let kv = try ServerProcess(arguments: ["--max-clients", "3"]).start()
        let held = try (0..<3).map { _ in try RawConnection(port: kv.port) }
        for connection in held {
            connection.send("*1\r\n$4\r\nPING\r\n")
            #expect(connection.read(until: "\r\n") == "+PONG\r\n")
        }
        let extra = try RawConnection(port: kv.port)
        #expect(extra.read(until: "\r\n") == "-ERR max number of clients reached\r\n")
        #expect(extra.isClosedByPeer())
    }

    @Test func idleClientsAreDisconnected() throws {
        let kv = try ServerProcess(arguments: ["--idle-timeout", "1"]).start()
        let connection = try RawConnection(port: kv.port)
        connection.send("*1\r\n$4\r\nPING\r\n")
        #expect(connection.read(until: "\r\n") == "+PONG\r\n")
        Thread.sleep(forTimeInterval: 2.5)
        #expect(connection.isClosedByPeer())
    }

    @Test func unknownCommandsAnswerAndTheConnectionStays() throws {
        let kv = try ServerProcess().start()
        let connection = try RawConnection(port: kv.port)
        connection.send("*2\r\n$5\r\nLPUSH\r\n$1\r\nl\r\n*1\r\n$4\r\nPING\r\n")
        #expect(connection.read(until: "PONG\r\n") == "-ERR unknown command 'LPUSH', with args beginning with: 'l' \r\n+PONG\r\n")
    }
}
