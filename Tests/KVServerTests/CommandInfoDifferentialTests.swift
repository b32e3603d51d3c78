import Testing

/// COMMAND INFO's leading fields — name, arity, flags (movablekeys included), first key, last
/// key, step — are Redis's for the commands whose keys are found from their arguments, and
/// for a sample of the others. (The later fields, ACL categories and key specs, are kv's own
/// subset: docs/protocol.md.)
@Suite struct CommandInfoDifferentialTests {
    static let commands = [
        "blmpop", "bzmpop", "lmpop", "sintercard", "sort", "sort_ro", "zdiff", "zdiffstore", "zinter",
        "zintercard", "zinterstore", "zmpop", "zunion", "zunionstore",
        "get", "set", "lmove", "blpop", "smove", "zrangestore", "hset", "sunionstore", "copy",
    ]

    @Test func leadingFieldsAreRedis() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let pair = try DifferentialPair(kv: try ServerProcess().start(), redis: try RedisServerProcess())
        for name in Self.commands {
            let (kv, redis) = try pair.both(["COMMAND", "INFO", name])
            #expect(Self.leading(kv) == Self.leading(redis), "\(name)")
            #expect(Self.leading(kv).count == 6, "\(name): \(kv)")
        }
    }

    /// The first six fields of the one command's entry.
    static func leading(_ reply: RESPReply) -> [RESPReply] {
        guard case let .aggregate(_, entries) = reply, case let .aggregate(_, fields)? = entries.first else { return [] }
        return Array(fields.prefix(6))
    }
}
