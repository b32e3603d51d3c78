import Foundation
import Testing

/// CLIENT LIST filters and CLIENT SETINFO, with real connections.
@Suite struct ClientCommandTests {
    @Test func clientListFiltersByIDAndTypeAsRedisDoes() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let redis = try RedisServerProcess()
        let kv = try ServerProcess().start()
        for port in [redis.port, kv.port] {
            let first = try RawConnection(port: port)
            let second = try RawConnection(port: port)
            first.send("CLIENT ID\r\n")
            second.send("CLIENT ID\r\n")
            let firstID = first.read(until: "\r\n").dropFirst().trimmingCharacters(in: .whitespacesAndNewlines)
            let secondID = second.read(until: "\r\n").dropFirst().trimmingCharacters(in: .whitespacesAndNewlines)
            first.send("CLIENT LIST ID \(secondID)\r\n")
            let one = first.read(until: "cmd=client|id")
            #expect(one.contains("id=\(secondID) ") && !one.contains("id=\(firstID) "), "\(port): \(one)")
            first.send("CLIENT LIST ID \(firstID) \(secondID) 999999\r\n")
            let both = first.read(until: "cmd=client|list")
            #expect(both.contains("id=\(firstID) ") && both.contains("id=\(secondID) "), "\(port): \(both)")
            first.send("CLIENT LIST TYPE normal\r\n")
            let normal = first.read(until: "cmd=client|list")
            #expect(normal.contains("id=\(firstID) ") && normal.contains("id=\(secondID) "), "\(port): \(normal)")
        }
        // Subcommands by their full name, as Redis 7 takes them.
        for command in [["COMMAND", "INFO", "client|setname"], ["COMMAND", "INFO", "client|nosuch"]] {
            let ours = try kv.cli(command).output.split(separator: "\n").prefix(2)
            let theirs = try redis.cli(command).split(separator: "\n").prefix(2)
            #expect(ours == theirs, "\(command)")
        }
        // The errors, byte for byte.
        for command in [["CLIENT", "LIST", "ID", "abc"], ["CLIENT", "LIST", "ID", "0"], ["CLIENT", "LIST", "TYPE", "bogus"],
                        ["CLIENT", "LIST", "WHAT"], ["CLIENT", "LIST", "TYPE", "pubsub"], ["CLIENT", "LIST", "ID", "1", "x"],
                        ["CLIENT", "LIST", "ID"], ["CLIENT", "LIST", "TYPE", "normal", "ID", "3"]] {
            let ours = try kv.cli(command).output, theirs = try redis.cli(command)
            #expect(ours == theirs, "\(command): kv \(ours.debugDescription), redis \(theirs.debugDescription)")
        }
    }

    /// CLIENT SETINFO (Redis 7.2, which client libraries send at connect) is stored and shown.
    @Test func setInfoIsStoredAndShown() throws {
        let kv = try ServerProcess().start()
        let connection = try RawConnection(port: kv.port)
        connection.send("CLIENT SETINFO lib-name redis-py\r\nCLIENT SETINFO LIB-VER 5.0.1\r\nCLIENT INFO\r\n")
        let replies = connection.read(until: "lib-ver=5.0.1")
        #expect(replies.hasPrefix("+OK\r\n+OK\r\n"), "\(replies)")
        #expect(replies.contains("lib-name=redis-py lib-ver=5.0.1"), "\(replies)")
        #expect(try kv.redis("CLIENT", "SETINFO", "lib-name", "has space") == "ERR lib-name cannot contain spaces, newlines or special characters.")
        #expect(try kv.redis("CLIENT", "SETINFO", "color", "blue") == "ERR Unrecognized option 'color'")
    }
}
