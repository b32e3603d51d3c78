import Foundation
import Testing

/// A real disk fills up under a real server: writes fail with a clear error, reads go on,
/// nothing acknowledged is lost, and writes resume when space returns.
@Suite struct FullDiskTests {
    @Test(.enabled(if: SmallDisk.isAvailable, "needs root, unshare and nsenter (a tmpfs in a private mount namespace)"))
    func fullDiskRefusesWritesKeepsReadsAndLosesNothingAcknowledged() throws {
        let disk = try SmallDisk(bytes: 4 << 20, ballast: 1_500_000)
        let kv = try ServerProcess(
            arguments: ["--snapshot-after-bytes", String(1 << 30)],
            dataDirectory: disk.path.appendingPathComponent("data"),
            launcher: disk.launcher
        ).start()
        let value = String(repeating: "v", count: 64 * 1024)

        // Fill the disk, one write per connection, until one is not acknowledged.
        var acknowledged: [String] = []
        var held: (connection: RawConnection, key: String)?
        for index in 0..<200 {
            let key = "k\(index)"
            let connection = try RawConnection(port: kv.port)
            connection.send("*3\r\n$3\r\nSET\r\n$\(key.utf8.count)\r\n\(key)\r\n$\(value.utf8.count)\r\n\(value)\r\n")
            let reply = connection.read(until: "\r\n")
            if reply == "+OK\r\n" {
                acknowledged.append(key)
                continue
            }
            // The write whose bytes the disk refused is not acknowledged: its reply waits (5 s
            // here) until the log can write it.
            if reply.isEmpty { held = (connection, key) } else { #expect(reply.hasPrefix("-MISCONF"), "\(reply)") }
            break
        }
        #expect(acknowledged.count >= 10)
        #expect(acknowledged.count < 200, "the disk never filled")

        // Writes fail at once, saying why; reads go on, over RESP and HTTP.
        let refused = try kv.redis("SET", "after", "x")
        #expect(refused.hasPrefix("MISCONF Errors writing to the write log"), "\(refused)")
        #expect(refused.contains("No space left on device"), "\(refused)")
        #expect(try kv.redis("DEL", acknowledged[0]).hasPrefix("MISCONF"))
        #expect(try kv.redis("STRLEN", acknowledged[0]) == "65536")
        #expect(try kv.redis("EXISTS", acknowledged.last!) == "1")
        #expect(try kv.curl("PUT", "/v1/kv/h", body: Data("x".utf8)).status == 503)
        #expect(try kv.curl("GET", "/v1/kv/\(acknowledged[0])").status == 200)
        #expect(try kv.redis("INFO", "persistence").contains("aof_last_write_status:err"))

        // Space returns: the kept bytes are written on the next retry (every second), the
        // held write is acknowledged, and new writes are taken.
        try disk.freeBallast()
        if let held {
            #expect(held.connection.read(until: "\r\n") == "+OK\r\n")
            acknowledged.append(held.key)
        }
        let deadline = Date().addingTimeInterval(10)
        var resumed = try kv.redis("SET", "after", "x")
        while resumed != "OK" && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            resumed = try kv.redis("SET", "after", "x")
        }
        #expect(resumed == "OK")
        #expect(try kv.redis("INFO", "persistence").contains("aof_last_write_status:ok"))

        #expect(kv.logText.contains("the write log cannot write"))
        #expect(kv.logText.contains("the write log writes again"))

        // Nothing acknowledged is lost across a kill -9.
        kv.kill9()
        try kv.start()
        for key in acknowledged {
            #expect(try kv.redis("STRLEN", key) == "65536", "\(key)")
        }
        #expect(try kv.redis("GET", "after") == "x")
    }

    @Test(.enabled(if: SmallDisk.isAvailable, "needs root, unshare and nsenter (a tmpfs in a private mount namespace)"))
    func aReplicaWhoseDiskFillsPausesAndCatchesUpWhenSpaceReturns() throws {
        let primary = try ServerProcess().start()
        let disk = try SmallDisk(bytes: 4 << 20, ballast: 1_500_000)
        let replica = try ServerProcess(
            arguments: ["--primary", "127.0.0.1:\(primary.port)", "--clone-from", "127.0.0.1:\(primary.port)",
                        "--snapshot-after-bytes", String(1 << 30)],
            dataDirectory: disk.path.appendingPathComponent("data"), hostname: "kv-1", launcher: disk.launcher
        ).start()
        // More than the replica's disk holds; the primary's own disk is not affected.
        let value = String(repeating: "r", count: 64 * 1024)
        let connection = try RawConnection(port: primary.port)
        for index in 0..<60 {
            let key = "k\(index)"
            connection.send("*3\r\n$3\r\nSET\r\n$\(key.utf8.count)\r\n\(key)\r\n$\(value.utf8.count)\r\n\(value)\r\n")
            #expect(connection.read(until: "\r\n") == "+OK\r\n")
        }
        var deadline = Date().addingTimeInterval(15)
        while !replica.logText.contains("stream pauses until it can") && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        #expect(replica.logText.contains("the write log cannot write"))
        #expect(replica.logText.contains("stream pauses until it can"))
        #expect(try replica.redis("STRLEN", "k0") == "65536", "it still serves what it applied")
        #expect(try replica.redis("EXISTS", "k59") == "0")

        try disk.freeBallast()
        deadline = Date().addingTimeInterval(20)
        while (try? replica.redis("EXISTS", "k59")) != "1" && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        #expect(try replica.redis("EXISTS", "k59") == "1")
        // What it applied is on its disk: a kill -9 loses nothing and needs no new clone.
        replica.kill9()
        try replica.start()
        #expect(try replica.redis("DBSIZE") == "60")
        #expect(try replica.redis("STRLEN", "k59") == "65536")
        #expect(try primary.redis("INFO", "stats").contains("sync_full:1"), "one clone, the first")
    }
}
