import KVCore
@testable import KVStorage
import KVTestKit
import Testing

/// Sets through the storage formats: a snapshot of intsets (every width) and tables, and log
/// records carrying a whole set and set edits, read back to the same digest.
@Suite struct SetStorageTests {
    static func keyspaceWithSets() -> Keyspace {
        var keyspace = Keyspace(hashSeed: 5)
        let now = UnixMillis(1_700_000_000_000)
        keyspace.run(["SADD", "small", "3", "-1", "7"], now: now)
        keyspace.run(["SADD", "wide", "1", "70000", "-9223372036854775808"], now: now)
        keyspace.run(["SADD", "table"] + (0..<600).map { String($0 * 11) }, now: now)
        keyspace.run(["SADD", "words", "", "a", "01", String(repeating: "z", count: 500)], now: now)
        keyspace.run(["SADD", "ttl", "x"], now: now)
        keyspace.run(["PEXPIREAT", "ttl", "1900000000000"], now: now)
        keyspace.run(["SET", "string", "v"], now: now)
        return keyspace
    }

    @Test func aSnapshotCarriesEverySet() throws {
        try withTemporaryDirectory { path in
            let directory = DataDirectory(path)
            try directory.create()
            let keyspace = Self.keyspaceWithSets()
            let info = try SnapshotWriter(directory: directory, history: .random()).write(keyspace.snapshot(), at: LSN(9), lineage: Lineage())
            let (_, loaded) = try SnapshotReader.load(info.path)
            #expect(loaded.count == keyspace.count)
            #expect(loaded.digest() == keyspace.digest())
            var check = loaded[0]
            let reply = check.run(["SMEMBERS", "wide"], now: UnixMillis(1_700_000_000_000)).reply
            #expect(reply == .set(["-9223372036854775808", "1", "70000"].map { .bulk($0) }))
        }
    }

    @Test func logRecordsCarrySetPutsAndEdits() throws {
        var primary = Keyspace(hashSeed: 1)
        var replica = Keyspace(hashSeed: 2)
        let now = UnixMillis(1_700_000_000_000)
        let commands: [[String]] = [
            ["SADD", "a", "1", "2", "x"], ["SADD", "b"] + (0..<600).map(String.init), ["SREM", "a", "x"],
            ["SUNIONSTORE", "u", "a", "b"], ["SINTERSTORE", "i", "a", "b"], ["SPOP", "b", "590"], ["SMOVE", "a", "c", "1"],
            ["SDIFFSTORE", "i", "a", "a"],
        ]
        for (index, command) in commands.enumerated() {
            let effects = primary.run(command, now: now).effects
            let record = LogRecord(lsn: LSN(UInt64(index + 1)), timestamp: now, operations: effects)
            let bytes = RecordCodec.encode(record)
            guard case let .found(decoded, byteCount) = RecordCodec.decode(bytes) else {
                Issue.record("\(command[0]): the record did not decode")
                return
            }
            #expect(byteCount == bytes.count)
            #expect(describe(decoded) == describe(record))
            for operation in decoded.operations { replica.apply(operation) }
            #expect(replica.digest() == primary.digest(), "after \(command[0])")
        }
    }
}
