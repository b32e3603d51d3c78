import KVCore
@testable import KVStorage
import KVTestKit
import Testing

/// Sorted sets through the log's record codec: object puts (packed and large) and their
/// edits decode as written, and replaying the decoded records rebuilds the same dataset.
@Suite struct SortedSetRecordTests {
    @Test func sortedSetWritesRoundTripThroughTheLogAndReplay() throws {
        let now = UnixMillis(1_700_000_000_000)
        var primary = Keyspace(hashSeed: 3)
        var replayed = Keyspace(hashSeed: 4)
        let commands: [[String]] = [
            ["ZADD", "small", "1", "a", "2.5", "b", "-inf", "c"],
            ["ZADD", "large"] + (0..<500).flatMap { [String(Double($0) / 3), "member:\($0)"] },
            ["ZINCRBY", "large", "-0.0", "member:1"], ["ZREM", "small", "b"], ["ZPOPMAX", "large", "40"],
            ["ZUNIONSTORE", "u", "2", "small", "large", "WEIGHTS", "2", "1"], ["ZRANGESTORE", "r", "large", "0", "9"],
            ["ZREMRANGEBYSCORE", "large", "(10", "+inf"], ["ZDIFFSTORE", "r", "2", "r", "r"],
        ]
        for (index, command) in commands.enumerated() {
            let outcome = primary.run(command, now: now)
            if case let .error(error) = outcome.reply { Issue.record("\(command): \(error)") }
            let record = LogRecord(lsn: LSN(UInt64(index + 1)), timestamp: now, operations: outcome.effects)
            let bytes = RecordCodec.encode(record)
            guard case let .found(decoded, byteCount) = RecordCodec.decode(bytes) else {
                Issue.record("\(command): the record did not decode")
                continue
            }
            #expect(byteCount == bytes.count)
            #expect(describe(decoded) == describe(record))
            for operation in decoded.operations { replayed.apply(operation) }
        }
        #expect(primary.digest() == replayed.digest())
        #expect(replayed.count == 3)
    }
}
