import KVCore
import KVTestKit
import Testing

/// A collection grows up to `--max-value-size` and no further: a growing command that could
/// pass it is refused before it changes anything; shrinking always works; a STORE result over
/// it is not stored; a move never loses its element to a refused destination.
@Suite struct CollectionLimitTests {
    static let limit = 4096
    static let primary = CommandContext(now: UnixMillis(T0), maxValueSize: limit)
    static let refusal = "ERR collection would exceed the value size limit (--max-value-size, 4096 bytes)"

    static func fill(_ keyspace: inout Keyspace, _ command: String, _ key: String) -> Int {
        var added = 0
        while true {
            let member = String(repeating: "m", count: 40) + "\(added)"
            let reply = keyspace.run([command, key, member], context: primary).reply
            if case let .error(error) = reply {
                #expect(error.message == refusal)
                return added
            }
            added += 1
            if added > 10_000 { Issue.record("\(command) never refused"); return added }
        }
    }

    @Test(arguments: ["SADD", "RPUSH", "HSET", "ZADD"])
    func growthStopsAtTheLimitAndShrinkingStillWorks(command: String) throws {
        var keyspace = Keyspace()
        let values = command == "HSET" ? ["v"] : []
        var added = 0
        while added < 10_000 {
            let member = String(repeating: "m", count: 40) + "\(added)"
            let words = command == "ZADD" ? [command, "c", "1", member] : [command, "c", member] + values
            let outcome = keyspace.run(words, context: Self.primary)
            if case let .error(error) = outcome.reply {
                #expect(error.message == Self.refusal)
                #expect(outcome.effects.isEmpty)  // refused before it changed anything
                break
            }
            added += 1
        }
        #expect(added > 10 && added < 10_000)
        // Removing still works at the limit.
        let member = String(repeating: "m", count: 40) + "0"
        let remove = ["SADD": ["SREM", "c", member], "RPUSH": ["RPOP", "c"], "HSET": ["HDEL", "c", member],
                      "ZADD": ["ZREM", "c", member]][command]!
        if case .error = keyspace.run(remove, context: Self.primary).reply { Issue.record("\(remove) refused") }
        // A replica's keyspace (which applies what the primary logged) never refuses.
        let replica = CommandContext(now: UnixMillis(T0), expiry: .replica, maxValueSize: Self.limit)
        let words = command == "ZADD" ? [command, "c", "1", "late"] : [command, "c", "late"] + values
        if case .error = keyspace.run(words, context: replica).reply { Issue.record("refused on a replica") }
    }

    @Test func aMoveIntoAFullCollectionKeepsTheElementInItsSource() {
        var keyspace = Keyspace()
        _ = Self.fill(&keyspace, "SADD", "full")
        #expect(keyspace.run(["SADD", "src", "one"], context: Self.primary).reply == .integer(1))
        #expect(keyspace.run(["SMOVE", "src", "full", "one"], context: Self.primary).reply == .error(CommandError(Self.refusal)))
        #expect(keyspace.run(["SISMEMBER", "src", "one"], context: Self.primary).reply == .integer(1))

        _ = Self.fill(&keyspace, "RPUSH", "fulllist")
        #expect(keyspace.run(["RPUSH", "srclist", "x"], context: Self.primary).reply == .integer(1))
        #expect(keyspace.run(["LMOVE", "srclist", "fulllist", "LEFT", "RIGHT"], context: Self.primary).reply
                == .error(CommandError(Self.refusal)))
        #expect(keyspace.run(["LLEN", "srclist"], context: Self.primary).reply == .integer(1))
    }

    @Test func aStoreResultOverTheLimitIsNotStored() {
        var keyspace = Keyspace()
        let half = Self.fill(&keyspace, "SADD", "a")
        // A second set of other members: their union is about twice the limit.
        for index in 0..<half {
            keyspace.run(["SADD", "b", String(repeating: "n", count: 40) + "\(index)"], context: Self.primary)
        }
        #expect(keyspace.run(["SET", "dest", "kept"], context: Self.primary).reply == .ok)
        #expect(keyspace.run(["SUNIONSTORE", "dest", "a", "b"], context: Self.primary).reply == .error(CommandError(Self.refusal)))
        #expect(keyspace.run(["GET", "dest"], context: Self.primary).reply == .bulk(Array("kept".utf8)))
        #expect(keyspace.run(["SORT", "a", "ALPHA", "STORE", "dest"], context: Self.primary).reply == .integer(Int64(half)))
    }
}
