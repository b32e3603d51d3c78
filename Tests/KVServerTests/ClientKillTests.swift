import Foundation
import Testing

/// CLIENT KILL beside a real redis-server: the same errors, and connections really closed.
@Suite struct ClientKillTests {
    @Test func errorsAsRedis() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let redis = try RedisServerProcess()
        let kv = try ServerProcess().start()
        for command in [
            "CLIENT KILL 1.2.3.4:5", "CLIENT KILL ID x", "CLIENT KILL ID 0", "CLIENT KILL ID 999", "CLIENT KILL TYPE foo",
            "CLIENT KILL TYPE normal", "CLIENT KILL TYPE pubsub", "CLIENT KILL SKIPME maybe", "CLIENT KILL ADDR 1.2.3.4:5",
            "CLIENT KILL FOO bar", "CLIENT KILL ID", "CLIENT KILL USER nobody", "CLIENT KILL USER default ID 999",
            "CLIENT KILL LADDR 1.1.1.1:1", "CLIENT KILL ID 5 TYPE",
        ] {
            let words = command.split(separator: " ").map(String.init)
            #expect(try kv.cli(words).output == redis.cli(words), "\(command)")
        }
    }

    @Test func closesTheConnectionsItNames() throws {
        let kv = try ServerProcess().start()
        func connect(named name: String) throws -> (RawConnection, id: String, address: String) {
            let connection = try RawConnection(port: kv.port)
            connection.send("CLIENT SETNAME \(name)\r\nCLIENT ID\r\nCLIENT INFO\r\n")
            let reply = connection.read(until: "lib-ver=")
            let id = reply.split(separator: "\r\n")[1].dropFirst()
            let address = reply.components(separatedBy: " addr=")[1].split(separator: " ")[0]
            return (connection, String(id), String(address))
        }
        let (first, firstID, _) = try connect(named: "first")
        let (second, _, secondAddress) = try connect(named: "second")
        let (third, _, _) = try connect(named: "third")

        // By id, from another connection.
        #expect(try kv.redis("CLIENT", "KILL", "ID", firstID) == "1")
        #expect(first.isClosedByPeer())
        // The old form, by address.
        #expect(try kv.redis("CLIENT", "KILL", secondAddress) == "OK")
        #expect(second.isClosedByPeer())
        // Every normal client but the caller.
        let killer = try RawConnection(port: kv.port)
        killer.send("CLIENT KILL TYPE normal\r\n")
        #expect(killer.read(until: "\r\n") == ":1\r\n", "the third; the caller is spared (SKIPME yes)")
        #expect(third.isClosedByPeer())
        killer.send("PING\r\n")
        #expect(killer.read(until: "\r\n") == "+PONG\r\n")
        // SKIPME no: the caller too, after its reply.
        killer.send("CLIENT KILL TYPE normal SKIPME no\r\n")
        let count = killer.read(until: "\r\n")
        #expect(count.hasPrefix(":") && (Int(count.dropFirst().trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) >= 1, "\(count)")  // with any still closing
        #expect(killer.isClosedByPeer())
    }
}

/// CLIENT LIST's `fd=`: the real descriptor of each connection, as Redis shows it.
@Suite struct ClientDescriptorTests {
    @Test func clientListShowsTheConnectionsDescriptor() throws {
        let kv = try ServerProcess().start()
        let connection = try RawConnection(port: kv.port)
        connection.send("CLIENT INFO\r\n")
        let info = connection.read(until: "lib-ver=")
        let fd = try #require(info.components(separatedBy: " fd=").dropFirst().first?.split(separator: " ").first.flatMap { Int($0) })
        #expect(fd > 2, "\(info)")
        let pid = try #require(kv.process?.processIdentifier)
        let target = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")
        #expect(target.hasPrefix("socket:["), "fd \(fd) is \(target)")
        connection.send("CLIENT LIST\r\n")
        #expect(connection.read(until: "lib-ver=").contains(" fd=\(fd) "))
    }
}
