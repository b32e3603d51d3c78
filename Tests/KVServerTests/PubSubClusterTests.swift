import Foundation
import Testing

/// Pub/Sub across pods, slow subscribers, and redis-py's pubsub end to end.
@Suite(.serialized) struct PubSubClusterTests {
    /// Reads `message` frames from a subscriber until `last` arrives (or 10 s pass); answers
    /// their payloads as numbers, in arrival order.
    static func receive(_ session: RESPSession, until last: Int) throws -> [Int] {
        var received: [Int] = []
        let deadline = Date().addingTimeInterval(10)
        while received.last != last && Date() < deadline {
            guard case let .aggregate(_, items) = try session.read(), items.count == 3,
                  case let .bulk(_, payload) = items[2], let number = Int(String(decoding: payload, as: UTF8.self))
            else { continue }
            received.append(number)
        }
        return received
    }

    static func subscribe(_ server: ServerProcess, version: Int = 2) throws -> RESPSession {
        let session = try RESPSession(port: server.port, protocolVersion: version)
        _ = try session.call(["SUBSCRIBE", "ticks"])
        return session
    }

    /// A subscriber on the primary and on each of two replicas receives every message
    /// published on the primary, in order, each after the write that preceded it; a replica
    /// that restarts misses exactly what was published while it was down (the documented gap)
    /// and receives everything after it reconnects.
    @Test func everyPodReceivesEveryMessageInOrder() throws {
        let cluster = try TestCluster()
        try cluster.startPrimary()
        let first = try cluster.addReplica()
        let second = try cluster.addReplica()
        try cluster.waitUntilConverged()
        let onPrimary = try Self.subscribe(cluster.primary)
        let onFirst = try Self.subscribe(first, version: 3)
        var onSecond = try Self.subscribe(second)
        let publisher = try RESPSession(port: cluster.primary.port)
        let reader = try RESPSession(port: first.port)
        var staleReads = 0

        func publish(_ range: ClosedRange<Int>) throws {
            // The write and the PUBLISH pipelined (the message is published before the write
            // is durable), every other one inside a transaction (published before its record
            // is even logged).
            for number in range {
                if number % 2 == 0 {
                    for command in [["MULTI"], ["SET", "tick", String(number)], ["PUBLISH", "ticks", String(number)], ["EXEC"]] {
                        publisher.send(command)
                    }
                    for _ in 0..<3 { _ = try publisher.read() }
                    #expect(try publisher.read() == .aggregate("*", [.simple("+OK"), .simple(":1")]))
                } else {
                    publisher.send(["SET", "tick", String(number)])
                    publisher.send(["PUBLISH", "ticks", String(number)])
                    _ = try publisher.read()
                    #expect(try publisher.read() == .simple(":1"), "PUBLISH counts the primary's own subscriber only")
                }
            }
        }
        try publish(1...100)
        #expect(try Self.receive(onPrimary, until: 100) == Array(1...100))
        // The write before each message is applied on the replica before the message arrives.
        var firstReceived: [Int] = []
        for number in 1...100 {
            firstReceived += try Self.receive(onFirst, until: number)
            if case let .bulk(_, value) = try reader.call(["GET", "tick"]),
               (Int(String(decoding: value, as: UTF8.self)) ?? 0) < number {
                staleReads += 1
            }
        }
        #expect(firstReceived == Array(1...100))
        // A large write takes a while to travel: a message sent before its record would
        // overtake it (and be delivered before the write is applied).
        let onFirstBig = try RESPSession(port: first.port)
        _ = try onFirstBig.call(["SUBSCRIBE", "big"])
        let padding = String(repeating: "x", count: 1 << 20)
        for number in 1...5 {
            publisher.send(["SET", "big", "\(number) " + padding])
            publisher.send(["PUBLISH", "big", String(number)])
            _ = try publisher.read()
            _ = try publisher.read()
            _ = try Self.receive(onFirstBig, until: number)
            if try reader.call(["GETRANGE", "big", "0", "0"]) != .bulk("$", Array(String(number).utf8)) { staleReads += 1 }
        }
        #expect(staleReads == 0, "a message arrived on a replica before the write published before it")
        #expect(try Self.receive(onSecond, until: 100) == Array(1...100))

        second.kill9()
        try publish(101...200)
        try second.start()
        try cluster.waitUntilConverged()
        onSecond = try Self.subscribe(second)
        try publish(201...300)
        #expect(try Self.receive(onPrimary, until: 300) == Array(101...300))
        #expect(try Self.receive(onFirst, until: 300) == Array(101...300))
        #expect(try Self.receive(onSecond, until: 300) == Array(201...300))

        // PUBLISH on a replica reaches that replica's subscribers only.
        let replicaPublisher = try RESPSession(port: first.port)
        #expect(try replicaPublisher.call(["PUBLISH", "ticks", "301"]) == .simple(":1"))
        #expect(try Self.receive(onFirst, until: 301) == [301])
        try publish(302...302)
        #expect(try Self.receive(onPrimary, until: 302) == [302])
        #expect(try Self.receive(onSecond, until: 302) == [302])
    }

    /// Keyspace events fired on the primary reach a subscriber on a replica.
    @Test func keyspaceEventsReachReplicas() throws {
        let cluster = try TestCluster(primaryArguments: ["--notify-keyspace-events", "E$"])
        try cluster.startPrimary()
        let replica = try cluster.addReplica()
        try cluster.waitUntilConverged()
        let subscriber = try RESPSession(port: replica.port)
        _ = try subscriber.call(["SUBSCRIBE", "__keyevent@0__:set"])
        _ = try RESPSession(port: cluster.primary.port).call(["SET", "seen", "v"])
        #expect(try subscriber.read() == .aggregate("*", [.bulk("$", Array("message".utf8)),
                                                           .bulk("$", Array("__keyevent@0__:set".utf8)),
                                                           .bulk("$", Array("seen".utf8))]))
    }

    /// A subscriber that never reads is disconnected once its unsent messages pass the hard
    /// limit, with a log line; the server's memory stays bounded and the others go on.
    @Test func slowSubscriberIsDisconnected() throws {
        let server = try ServerProcess(arguments: ["--client-output-buffer-limit-pubsub", "2mb 0 0"]).start()
        let slow = try RawConnection(port: server.port)
        slow.send(RESPSession.encode([Array("SUBSCRIBE".utf8), Array("flood".utf8)]))
        let publisher = try RESPSession(port: server.port)
        let payload = String(repeating: "x", count: 64 * 1024)
        let rssBefore = try Self.rss(server)
        var published = 0
        // 64 MiB in all: far past the socket buffers and the limit.
        while published < 1024 {
            _ = try publisher.call(["PUBLISH", "flood", payload])
            published += 1
            if published % 64 == 0, try publisher.call(["PUBSUB", "NUMSUB", "flood"])
                == .aggregate("*", [.bulk("$", Array("flood".utf8)), .simple(":0")]) { break }
        }
        #expect(published < 1024, "the slow subscriber was not disconnected after 64 MiB")
        #expect(slow.readUntilClosed(within: 10).closed || slow.isClosedByPeer())
        #expect(server.logText.contains("closing a Pub/Sub client for overcoming of output buffer limits"))
        let rssAfter = try Self.rss(server)
        #expect(rssAfter - rssBefore < 48 << 20, "RSS grew from \(rssBefore) to \(rssAfter)")
        #expect(try publisher.call(["PING"]) == .simple("+PONG"))
    }

    static func rss(_ server: ServerProcess) throws -> Int {
        let info = try server.redis("INFO", "memory")
        for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix("used_memory_rss:") {
            return Int(line.dropFirst("used_memory_rss:".count).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        throw HarnessError("no used_memory_rss")
    }

    /// redis-py's `pubsub()`: subscribe, pattern subscribe, `get_message`, unsubscribe, and a
    /// message published on the primary read through a replica, RESP2 and RESP3.
    @Test func redisPyPubSub() throws {
        let cluster = try TestCluster()
        try cluster.startPrimary()
        let replica = try cluster.addReplica()
        try cluster.waitUntilConverged()
        let script = """
            import sys, time, redis
            primary, replica = int(sys.argv[1]), int(sys.argv[2])
            out = []
            for protocol in (2, 3):
                r = redis.Redis(port=primary, protocol=protocol)
                p = redis.Redis(port=replica, protocol=protocol).pubsub()
                p.subscribe("chat")
                p.psubscribe("news.*")
                def next_message():
                    deadline = time.time() + 5
                    while time.time() < deadline:
                        m = p.get_message(timeout=0.5)
                        if m: return m
                    return None
                out.append(next_message()["type"]); out.append(next_message()["type"])
                r.publish("chat", "hello"); r.publish("news.sport", "goal")
                m = next_message(); out.append(f'{m["type"]}:{m["channel"].decode()}:{m["data"].decode()}')
                m = next_message(); out.append(f'{m["type"]}:{m["pattern"].decode()}:{m["data"].decode()}')
                p.unsubscribe("chat")
                out.append(next_message()["type"])
                p.close()
            print(" ".join(out))
            """
        let result = try Tool.run("python3", ["-c", script, String(cluster.primary.port), String(replica.port)], timeout: 60)
        let once = "subscribe psubscribe message:chat:hello pmessage:news.*:goal unsubscribe"
        #expect(result.output == once + " " + once, "\(result.output) (status \(result.status))")
    }
}
