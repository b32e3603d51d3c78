import Foundation
import Testing

/// SLOWLOG beside a real redis-server: the same entries for the same commands — arguments
/// kept as Redis keeps them (at most 32, each at most 128 bytes, passwords redacted), client
/// names, newest first — and the same replies and errors around them.
@Suite struct SlowLogTests {
    /// One redis-cli session's replies, as JSON values (`redis-cli --json`).
    static func session(port: Int, _ commands: [String]) throws -> [Any] {
        let script = commands.joined(separator: "\n") + "\n"
        let output = try Tool.run("redis-cli", ["-p", String(port), "--json"], input: Data(script.utf8)).output
        return output.split(separator: "\n").map { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])) ?? String(line)
        }
    }

    /// Each entry's arguments and client name, and whether the ids count down by one.
    static func entries(_ reply: Any) -> (entries: [[String]], idsConsecutive: Bool) {
        guard let list = reply as? [[Any]] else { return ([], false) }
        let ids = list.compactMap { $0.first as? Int }
        let consecutive = zip(ids, ids.dropFirst()).allSatisfy { $0 == $1 + 1 }
        return (list.map { entry in (entry[3] as? [String] ?? []) + [entry[5] as? String ?? "?"] }, consecutive)
    }

    @Test func keepsTheSameEntriesAsRedis() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let redis = try RedisServerProcess()
        _ = try redis.cli(["CONFIG", "SET", "slowlog-log-slower-than", "0"])
        let kv = try ServerProcess(arguments: ["--slowlog-log-slower-than", "0"]).start()
        let long = String(repeating: "x", count: 300)
        let many = (0..<40).map { "key\($0)" }.joined(separator: " ")
        let commands = [
            "SLOWLOG RESET", "CLIENT SETNAME app", "SET k v", "AUTH secret", "SET long \(long)", "DEL \(many)",
            "SLOWLOG LEN", "SLOWLOG GET -1", "SLOWLOG GET 2", "SLOWLOG GET x", "SLOWLOG GET -2", "SLOWLOG LEN x",
            "SLOWLOG NOPE", "SLOWLOG HELP",
        ]
        let expected = try Self.session(port: redis.port, commands)
        let got = try Self.session(port: kv.port, commands)
        #expect(got.count == expected.count, "\(got)")
        guard got.count == expected.count else { return }
        // The log's contents: the same arguments and names, newest first, ids one apart.
        for index in [7, 8] {
            let (kvEntries, kvConsecutive) = Self.entries(got[index])
            let (redisEntries, _) = Self.entries(expected[index])
            #expect(kvEntries == redisEntries, "SLOWLOG GET: \(kvEntries) vs \(redisEntries)")
            #expect(kvConsecutive)
        }
        let (entries, _) = Self.entries(got[7])
        #expect(entries.first { $0.first == "SET" && $0.count > 2 && $0[1] == "long" }?[2]
            == String(repeating: "x", count: 128) + "... (172 more bytes)")
        #expect(entries.first { $0.first == "DEL" }?.dropLast().last == "... (10 more arguments)", "41 arguments: 31 kept, as Redis")
        #expect(entries.first { $0.first == "AUTH" } == ["AUTH", "(redacted)", "app"])
        // Everything else replies as Redis does (the counts, errors and help text).
        for index in [0, 1, 2, 6, 9, 10, 11, 12, 13] {
            #expect("\(got[index])" == "\(expected[index])", "\(commands[index])")
        }
    }

    @Test func onlySlowCommandsAreKeptAndTheLengthIsBounded() throws {
        let kv = try ServerProcess(arguments: ["--slowlog-max-len", "3", "--slowlog-log-slower-than", "0"]).start()
        let replies = try Self.session(port: kv.port, ["SET a 1", "SET b 2", "SET c 3", "SET d 4", "SLOWLOG LEN", "SLOWLOG GET"])
        #expect(replies[4] as? Int == 3)
        let (entries, _) = Self.entries(replies[5])
        #expect(entries.map { $0.first ?? "" } == ["SLOWLOG", "SET", "SET"], "the newest three: \(entries)")
        #expect(try kv.redis("CONFIG", "GET", "slowlog-max-len").contains("3"))

        let quiet = try ServerProcess().start()  // the default: 10 ms
        _ = try quiet.redis("SET", "a", "1")
        #expect(try quiet.redis("SLOWLOG", "LEN") == "0")
    }
}
