import Foundation
import Testing

/// The wire: pipelining, inline commands, RESP3, and hostile bytes that must get a protocol
/// error and a closed connection while everyone else goes on being served.
@Suite struct ProtocolTests {
    @Test func pipelinedCommandsAnswerInOrder() throws {
        let kv = try ServerProcess().start()
        let connection = try RawConnection(port: kv.port)
        var request = ""
        for index in 0..<200 { request += "*3\r\n$3\r\nSET\r\n$\(String(index).count + 2)\r\nk:\(index)\r\n$\(String(index).count)\r\n\(index)\r\n" }
        for index in 0..<200 { request += "*2\r\n$3\r\nGET\r\n$\(String(index).count + 2)\r\nk:\(index)\r\n" }
        connection.send(request)
        var expected = String(repeating: "+OK\r\n", count: 200)
        for index in 0..<200 { expected += "$\(String(index).count)\r\n\(index)\r\n" }
        let reply = connection.read(atLeast: expected.utf8.count)
        #expect(String(decoding: reply, as: UTF8.self) == expected)
    }

    @Test func commandSplitAcrossManyWritesIsReassembled() throws {
        let kv = try ServerProcess().start()
        let connection = try RawConnection(port: kv.port)
        let value = String(repeating: "x", count: 100_000)
        let request = Array("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$100000\r\n\(value)\r\n".utf8)
        var offset = 0
        while offset < request.count {
            let end = min(request.count, offset + 7_777)
            connection.send(Array(request[offset..<end]))
            offset = end
        }
        #expect(connection.read(until: "\r\n") == "+OK\r\n")
        #expect(try kv.redis("STRLEN", "big") == "100000")
    }

    @Test func inlineCommandsWork() throws {
        let kv = try ServerProcess().start()
        let connection = try RawConnection(port: kv.port)
        connection.send("SET inline \"hello world\"\r\nGET inline\r\n\r\nPING\r\n")
        #expect(connection.read(until: "PONG\r\n") == "+OK\r\n$11\r\nhello world\r\n+PONG\r\n")
    }

    @Test func resp3AfterHello() throws {
        let kv = try ServerProcess().start()
        let connection = try RawConnection(port: kv.port)
        connection.send("*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n")
        let hello = connection.read(until: "modules")
        #expect(hello.hasPrefix("%7\r\n"))
        connection.send("*2\r\n$3\r\nGET\r\n$7\r\nmissing\r\n*3\r\n$11\r\nINCRBYFLOAT\r\n$1\r\nf\r\n$3\r\n1.5\r\n")
        let replies = connection.read(until: "1.5\r\n")
        #expect(replies.hasSuffix("_\r\n$3\r\n1.5\r\n"), "\(replies.debugDescription)")
    }

    /// Each malformed frame: the exact Redis error, then the server closes the connection.
    @Test(arguments: [
        ("*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n"),
        ("*2\r\n$3\r\nGET\r\n:5\r\n", "-ERR Protocol error: expected '$', got ':'\r\n"),
        ("*1\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length\r\n"),
        ("*1\r\n$99999999999999\r\n", "-ERR Protocol error: invalid bulk length (over --max-value-size, 536870912 bytes)\r\n"),
        ("SET \"unbalanced\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"),
    ])
    func malformedInputIsRefusedAndClosed(input: String, expected: String) throws {
        let kv = try ServerProcess().start()
        let bystander = try RawConnection(port: kv.port)
        let connection = try RawConnection(port: kv.port)
        connection.send(input)
        #expect(connection.read(until: "\r\n") == expected)
        #expect(connection.isClosedByPeer())
        bystander.send("*1\r\n$4\r\nPING\r\n")
        #expect(bystander.read(until: "\r\n") == "+PONG\r\n")
        #expect(try kv.redis("DBSIZE") == "0")
    }

    @Test func randomGarbageNeverHurtsTheStore() throws {
        let kv = try ServerProcess().start()
        #expect(try kv.redis("SET", "precious", "data") == "OK")
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let connection = try RawConnection(port: kv.port)
            let length = Int.random(in: 1...4096, using: &generator)
            connection.send((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
            _ = connection.read(atLeast: 1)
        }
        #expect(try kv.redis("GET", "precious") == "data")
        #expect(try kv.redis("PING") == "PONG")
    }

    @Test func valuesAreBinarySafe() throws {
        let kv = try ServerProcess().start()
        let connection = try RawConnection(port: kv.port)
        let value = (0...255).map { UInt8($0) } + Array("\r\n$-1\r\n".utf8)
        let key = Array("bin\u{0}key".utf8)
        var request = Array("*3\r\n$3\r\nSET\r\n$\(key.count)\r\n".utf8) + key + Array("\r\n$\(value.count)\r\n".utf8) + value + Array("\r\n".utf8)
        request += Array("*2\r\n$3\r\nGET\r\n$\(key.count)\r\n".utf8) + key + Array("\r\n".utf8)
        connection.send(request)
        let expected = Array("+OK\r\n$\(value.count)\r\n".utf8) + value + Array("\r\n".utf8)
        #expect(connection.read(atLeast: expected.count) == expected)
    }
}
