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
        #expect(connection.read(until: "\r\n") == "-ERR Protocol error: invalid bulk length (over --max-value-size, 1000 bytes)\r\n")
        #expect(try kv.redis("SET", "ok", String(repeating: "a", count: 900)) == "OK")
        #expect(try kv.redis("APPEND", "ok", String(repeating: "b", count: 200)) == "ERR string exceeds maximum allowed size (proto-max-bulk-len)")
        #expect(try kv.redis("SETRANGE", "ok", "999", "xx") == "ERR string exceeds maximum allowed size (proto-max-bulk-len)")
    }

    /// A collection grows up to --max-value-size (it is logged and snapshotted whole): past
    /// it a growing command is refused, naming the flag, and nothing is half done; the
    /// collection can still be read, shrunk, renamed, copied and replicated.
    @Test func collectionsStopGrowingAtTheValueSizeLimit() throws {
        let cluster = try TestCluster(primaryArguments: ["--max-value-size", "64kb"])
        let primary = try cluster.startPrimary()
        let replica = try cluster.addReplica()
        let member = String(repeating: "m", count: 1000)
        var added = 0
        var refusal = ""
        while added < 1000 {
            let reply = try primary.redis("SADD", "big", "\(added)" + member)
            if reply != "1" {
                refusal = reply
                break
            }
            added += 1
        }
        #expect(refusal == "ERR collection would exceed the value size limit (--max-value-size, 65536 bytes)")
        #expect(added > 30 && added < 66)
        #expect(try primary.redis("SCARD", "big") == "\(added)")
        #expect(try primary.redis("SREM", "big", "0" + member) == "1")
        #expect(try primary.redis("RENAME", "big", "renamed") == "OK")
        #expect(try primary.redis("COPY", "renamed", "copied") == "1")
        #expect(try primary.redis("SUNIONSTORE", "union", "renamed", "copied") == "\(added - 1)")
        try cluster.waitUntilConverged()
        #expect(try replica.redis("SCARD", "union") == "\(added - 1)")
        #expect(try replica.redis("DEBUG", "DIGEST") == primary.redis("DEBUG", "DIGEST"))
    }

    /// Every size flag takes units, and the refusal names the limit and its flag.
    @Test func sizeFlagsTakeUnitsAndTheRefusalNamesTheFlag() throws {
        let kv = try ServerProcess(arguments: ["--max-value-size", "1kb", "--max-request-size", "1mb", "--snapshot-after-bytes", "8mb"]).start()
        #expect(try kv.redis("SET", "k", String(repeating: "v", count: 1024)) == "OK")
        let connection = try RawConnection(port: kv.port)
        connection.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1025\r\n")
        #expect(connection.read(until: "\r\n") == "-ERR Protocol error: invalid bulk length (over --max-value-size, 1024 bytes)\r\n")
        let bad = try Tool.run(ServerProcess.executable.path, ["--hostname", "kv-0", "--max-value-size", "1 parsec", "--data-dir", "/tmp/kv-never"])
        #expect(bad.status == 2)
        #expect(bad.output.contains("--max-value-size must be a size like"), "\(bad.output)")
        let huge = try Tool.run(ServerProcess.executable.path, ["--hostname", "kv-0", "--max-value-size", "1gb", "--data-dir", "/tmp/kv-never"])
        #expect(huge.status == 2)
        #expect(huge.output.contains("--max-value-size must be at most 512mb"), "\(huge.output)")
    }

    // Not under a sanitizer: its allocator replaces malloc, and glibc's statistics, which
    // --max-memory reads, no longer see the server's memory (Tests/Sanitizers/README.md).
    @Test(.disabled(if: ServerProcess.sanitizer != nil, "--max-memory reads glibc malloc statistics, which a sanitizer's allocator bypasses"))
    func writesAreRefusedAboveMaxMemoryWhileReadsAndDeletesGoOn() throws {
        // A fresh server has about 1 MiB allocated.
        let kv = try ServerProcess(arguments: ["--max-memory", "4mb"]).start()
        let value = String(repeating: "m", count: 128 << 10)
        let connection = try RawConnection(port: kv.port)
        var stored: [String] = []
        var refusal = ""
        // Write until refused three times in a row across malloc samples (every 100 ms): the
        // data itself, not a passing buffer, is over the limit.
        var refusedInARow = 0
        for index in 0..<200 where refusedInARow < 3 {
            let key = "big\(index)"
            connection.send("*3\r\n$3\r\nSET\r\n$\(key.utf8.count)\r\n\(key)\r\n$\(value.utf8.count)\r\n\(value)\r\n")
            let reply = connection.read(until: "\r\n")
            if reply == "+OK\r\n" {
                stored.append(key)
                refusedInARow = 0
            } else {
                refusal = reply
                refusedInARow += 1
                Thread.sleep(forTimeInterval: 0.25)
            }
        }
        #expect(refusedInARow == 3)
        #expect(refusal == "-OOM command not allowed when used memory > 'maxmemory'.\r\n")
        #expect(stored.count > 5 && stored.count < 32, "\(stored.count) values of 128 KiB stored")
        // Reads go on; so do deletes (they make room), as in Redis.
        #expect(try kv.redis("STRLEN", stored[0]) == "131072")
        #expect(try kv.redis("INCR", "counter").hasPrefix("OOM"))
        #expect(try kv.curl("PUT", "/v1/kv/h", body: Data("x".utf8)).status == 507)
        #expect(try kv.redis("INFO", "memory").contains("maxmemory:4194304"))
        #expect(try kv.redis("CONFIG", "GET", "maxmemory-policy").contains("noeviction"))
        #expect(try kv.redis("DEL", stored[0], stored[1], stored[2], stored[3]) == "4")
        // Once malloc is sampled again (every 100 ms), writes are taken.
        let deadline = Date().addingTimeInterval(5)
        var resumed = try kv.redis("INCR", "counter")
        while resumed != "1" && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            resumed = try kv.redis("INCR", "counter")
        }
        #expect(resumed == "1")
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

    @Test func aClientThatTricklesACommandIsClosedAfterTheRequestTimeout() throws {
        let kv = try ServerProcess(arguments: ["--request-timeout", "1s"]).start()
        // Whole commands, however far apart, are fine: the clock runs only within a command.
        let patient = try RawConnection(port: kv.port)
        for _ in 0..<3 {
            patient.send("*1\r\n$4\r\nPING\r\n")
            #expect(patient.read(until: "\r\n") == "+PONG\r\n")
            Thread.sleep(forTimeInterval: 0.6)
        }
        // One byte every 200 ms: the command is not whole after 1 s.
        let slow = try RawConnection(port: kv.port)
        let started = Date()
        let command = Array("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$20\r\n01234567890123456789\r\n".utf8)
        var reply = ""
        for byte in command {
            slow.send([byte])
            Thread.sleep(forTimeInterval: 0.2)
            if Date().timeIntervalSince(started) > 1.5 {
                reply = slow.read(until: "\r\n")
                break
            }
        }
        #expect(reply == "-ERR the command did not arrive whole within --request-timeout (1 s): closing the connection\r\n")
        #expect(slow.isClosedByPeer())
        #expect(try kv.redis("EXISTS", "k") == "0")
        // The same over HTTP: a head that trickles gets 408 (a JSON error) and is closed.
        let http = try RawConnection(port: kv.httpPort)
        for byte in Array("GET /healthz HTTP/1.1\r\nHost: x".utf8).prefix(8) {
            http.send([byte])
            Thread.sleep(forTimeInterval: 0.2)
        }
        let timedOut = http.read(until: "}\n")
        #expect(timedOut.hasPrefix("HTTP/1.1 408 Request Timeout"))
        #expect(timedOut.contains("KV-Pod: kv-0\r\n"))
        #expect(timedOut.hasSuffix("\r\n\r\n{\"error\":\"the request did not arrive whole within --request-timeout\"}\n"))
        #expect(http.isClosedByPeer())
        // A request that arrives whole is unaffected.
        #expect(try kv.curl("GET", "/healthz").status == 200)
    }

    @Test func aClientThatReadsNoRepliesHoldsLittleMemoryAndIsClosed() throws {
        let kv = try ServerProcess(arguments: ["--request-timeout", "2s"]).start()
        #expect(try kv.cli(["-x", "SET", "big"], input: Data(String(repeating: "b", count: 256 << 10).utf8)).output == "OK")
        // 2000 GETs of a 256 KiB value, pipelined, and not one reply read: 500 MiB of replies
        // if the server ran them all.
        let greedy = try RawConnection(port: kv.port)
        greedy.send(String(repeating: "*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n", count: 2000))
        Thread.sleep(forTimeInterval: 1)
        let memory = try kv.redis("INFO", "memory")
        let used = memory.split(whereSeparator: \.isNewline).first { $0.hasPrefix("used_memory:") }
            .flatMap { Int($0.dropFirst("used_memory:".count)) } ?? 0
        #expect(used > 0 && used < 64 << 20, "used_memory \(used) while a client reads nothing")
        #expect(try kv.redis("PING") == "PONG")
        // It reads nothing for --request-timeout: closed, and logged.
        let deadline = Date().addingTimeInterval(10)
        while !kv.logText.contains("has not read its replies") && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        #expect(kv.logText.contains("has not read its replies"))
        #expect(try kv.redis("INFO", "clients").contains("connected_clients:1"))
    }

    @Test func aClientReadingLargeRepliesSlowlyIsNotClosed() throws {
        let kv = try ServerProcess(arguments: ["--request-timeout", "1s"]).start()
        let value = String(repeating: "s", count: 1 << 20)
        #expect(try kv.cli(["-x", "SET", "big"], input: Data(value.utf8)).output == "OK")
        // 16 MiB of replies, read 64 KiB every 20 ms (about 5 s): the socket stays full longer
        // than --request-timeout, but the client keeps reading (faster than the kernel's
        // send-buffer wake-ups, about a third of the buffer, come), so it keeps its connection.
        let reader = try RawConnection(port: kv.port)
        reader.send(String(repeating: "*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n", count: 16))
        let expected = 16 * ("$1048576\r\n".utf8.count + (1 << 20) + 2)
        var received = 0
        let deadline = Date().addingTimeInterval(60)
        while received < expected && Date() < deadline {
            let chunk = reader.read(atLeast: 1, atMost: 64 << 10)
            if chunk.isEmpty { break }
            received += chunk.count
            Thread.sleep(forTimeInterval: 0.02)
        }
        #expect(received == expected, "received \(received) of \(expected) bytes")
        #expect(!kv.logText.contains("has not read its replies"))
    }

    @Test func connectionsThatComeAndGoLeaveNoMemoryBehind() throws {
        let kv = try ServerProcess().start()
        func usedMemory() throws -> Int {
            try kv.redis("INFO", "memory").split(whereSeparator: \.isNewline)
                .first { $0.hasPrefix("used_memory:") }.flatMap { Int($0.dropFirst("used_memory:".count)) } ?? 0
        }
        func churn(_ count: Int) throws {
            for index in 0..<count {
                if index % 2 == 0 {
                    let connection = try RawConnection(port: kv.port)
                    connection.send("*1\r\n$4\r\nPING\r\n")
                    #expect(connection.read(until: "\r\n") == "+PONG\r\n")
                } else {
                    let connection = try RawConnection(port: kv.httpPort)
                    connection.send("GET /healthz HTTP/1.1\r\nHost: kv\r\nConnection: close\r\n\r\n")
                    #expect(connection.read(until: "ok").hasPrefix("HTTP/1.1 200"))
                }
            }
        }
        try churn(200)  // the allocator's and NIO's pools settle
        let before = try usedMemory()
        try churn(3000)
        Thread.sleep(forTimeInterval: 0.5)
        let after = try usedMemory()
        // A handler kept alive by its own timer cost about 950 bytes per connection (2.8 MB here).
        #expect(after - before < 512 << 10, "used_memory grew by \(after - before) bytes over 3000 connections")
    }

    @Test func unknownCommandsAnswerAndTheConnectionStays() throws {
        let kv = try ServerProcess().start()
        let connection = try RawConnection(port: kv.port)
        connection.send("*2\r\n$4\r\nXADD\r\n$1\r\nl\r\n*1\r\n$4\r\nPING\r\n")
        #expect(connection.read(until: "PONG\r\n") == "-ERR unknown command 'XADD', with args beginning with: 'l' \r\n+PONG\r\n")
    }
}
