import Foundation
import Testing

/// Every type through every replication path at once: a primary under a mixed workload of
/// strings, hashes, lists, sets and sorted sets (random draws, blocking pops, expiries,
/// several databases) with one replica streaming from the start and a second cloning while
/// large collections are being built; a snapshot taken in the middle of them; a replica
/// killed with -9 and resuming from its volume; the primary killed with -9 and recovering.
/// Every write a client saw acknowledged is there afterwards, and every pod's digest is the
/// same at the same LSN.
@Suite(.serialized) struct MixedTypeReplicationTests {
    /// One round of the workload: pipelined, every reply read (acknowledged), `seed` picking
    /// the keys. Returns the counter's value after the round.
    static func round(_ session: RESPSession, _ round: Int, random: inout SeededRandom) throws -> Int64 {
        var commands: [[String]] = []
        for step in 0..<200 {
            let i = round * 200 + step
            let n = Int(random.next(below: 40))
            switch random.next(below: 14) {
            case 0: commands.append(["HSET", "h:\(n)", "f\(i % 300)", "v\(i)"])
            case 1: commands.append(["HINCRBY", "h:\(n)", "count", "1"])
            case 2: commands.append(["RPUSH", "l:\(n)", "e\(i)", "e\(i + 1)"])
            case 3: commands.append(["LPOP", "l:\(n)"])
            case 4: commands.append(["LREM", "l:\(n)", "0", "e\(i - 40)"])
            case 5: commands.append(["SADD", "s:\(n)", "\(i % 700)", "m\(i % 90)"])
            case 6: commands.append(["SPOP", "s:\(n)"])
            case 7: commands.append(["ZADD", "z:\(n)", "\(Double(i % 97) / 3)", "m\(i % 200)"])
            case 8: commands.append(["ZINCRBY", "z:\(n)", "1.5", "m\(i % 200)"])
            case 9: commands.append(["ZPOPMIN", "z:\(n)"])
            case 10: commands.append(["SET", "str:\(n)", "\(i)", "PX", "\(200 + random.next(below: 3000))"])
            case 11: commands.append(["SELECT", "\(1 + n % 3)"]); commands.append(["HSET", "db:\(n)", "f", "\(i)"]); commands.append(["SELECT", "0"])
            case 12: commands.append(["SUNIONSTORE", "u:\(n % 5)", "s:\(n)", "s:\((n + 1) % 40)"])
            default: commands.append(["EXPIRE", "h:\(n)", "\(1 + random.next(below: 5))"])
            }
        }
        commands.append(["INCR", "acknowledged"])
        for command in commands { session.send(command) }
        var last: RESPReply = .simple("")
        for _ in commands { last = try session.read() }
        guard case let .simple(line) = last, let value = Int64(line.dropFirst()) else {
            throw HarnessError("INCR answered \(last)")
        }
        return value
    }

    /// Large collections, each past its compact encoding, built while a clone runs.
    static func largeCollections(_ session: RESPSession, from first: Int, upTo count: Int) throws {
        var commands: [[String]] = []
        for start in stride(from: first, to: count, by: 500) {
            let range = start..<min(start + 500, count)
            commands.append(["RPUSH", "big:list"] + range.map { "element-\($0)" })
            commands.append(["HSET", "big:hash"] + range.flatMap { ["field-\($0)", "value-\($0)"] })
            commands.append(["SADD", "big:set"] + range.map { "member-\($0)" })
            commands.append(["ZADD", "big:zset"] + range.flatMap { [String($0 % 1000), "member-\($0)"] })
        }
        for command in commands { session.send(command) }
        for _ in commands { _ = try session.read() }
    }

    static func digest(_ server: ServerProcess) throws -> String {
        try server.redis("KV.DIGEST")
    }

    @Test func everyTypeReplicatesAndSurvivesKill9() throws {
        let cluster = try TestCluster()
        let primary = try cluster.startPrimary()
        let streaming = try cluster.addReplica()
        var random = SeededRandom(seed: 14)
        var session = try RESPSession(port: primary.port)
        var acknowledged: Int64 = 0
        for index in 0..<10 { acknowledged = try Self.round(session, index, random: &random) }

        // A second replica clones while large collections are being written, and a snapshot
        // is taken in the middle of them.
        let builder = try RESPSession(port: primary.port)
        try Self.largeCollections(builder, from: 0, upTo: 20_000)
        let cloning = Thread { _ = try? cluster.addReplica(cloneFrom: primary) }
        cloning.start()
        try Self.largeCollections(builder, from: 20_000, upTo: 40_000)
        _ = try builder.call(["SAVE"])
        for index in 10..<20 { acknowledged = try Self.round(session, index, random: &random) }
        let cloned = Date().addingTimeInterval(60)
        while (cluster.replicas.count < 2 || cluster.replicas[1].process == nil) && Date() < cloned {
            Thread.sleep(forTimeInterval: 0.05)
        }
        try #require(cluster.replicas.count == 2 && cluster.replicas[1].process != nil, "the second replica never finished its clone")

        // A replica dies with -9 and comes back on its volume; then the primary does.
        streaming.kill9()
        for index in 20..<30 { acknowledged = try Self.round(session, index, random: &random) }
        try streaming.start()
        primary.kill9()
        try primary.start()
        session = try RESPSession(port: primary.port)
        #expect(try session.call(["GET", "acknowledged"]) == .bulk("$", Array(String(acknowledged).utf8)),
                "every acknowledged write survives the primary's kill -9")
        for index in 30..<40 { acknowledged = try Self.round(session, index, random: &random) }
        // Writes stop; the primary's expiries reach everyone as deletes. KV.DIGEST answers the
        // LSN with the digest: compared only when every pod is at the same LSN (an expiry may
        // land between two of them: then again).
        var digests: [String] = []
        let deadline = Date().addingTimeInterval(60)
        repeat {
            try cluster.waitUntilConverged(timeout: 60)
            digests = try cluster.all.map { try Self.digest($0) }
            let lsns = Set(digests.map { $0.split(separator: "\n").first ?? "" })
            if lsns.count == 1 { break }
            Thread.sleep(forTimeInterval: 0.2)
        } while Date() < deadline
        #expect(Set(digests).count == 1, "pods differ: \(zip(cluster.all.map(\.hostname), digests).map { "\($0): \($1)" })")
        #expect(try session.call(["LLEN", "big:list"]) == .simple(":40000"))
        #expect(try session.call(["OBJECT", "ENCODING", "big:zset"]) == .bulk("$", Array("skiplist".utf8)))
    }
}
