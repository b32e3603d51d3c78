import KVCore
@testable import KVStorage
import Testing

/// A transaction's or script's effects over the record bound are logged as several records,
/// cut at operation boundaries, each part starting in the database the cut left it in.
@Suite struct RecordPartsTests {
    static func value(_ size: Int, _ seed: UInt8) -> WriteOperation {
        .put(Entry.make(key: Array("k\(seed)".utf8), value: Array(repeating: seed, count: size), expiresAt: nil))
    }

    @Test func effectsThatFitAreOneRecord() {
        #expect(RecordCodec.parts(of: [Self.value(100, 1), Self.value(100, 2)], limit: 1000) == nil)
        // One operation is never cut, whatever its size.
        #expect(RecordCodec.parts(of: [Self.value(5000, 1)], limit: 1000) == nil)
    }

    @Test func effectsOverTheBoundAreCutAndKeepTheirDatabase() throws {
        let operations: [WriteOperation] = [
            Self.value(400, 1), .select(3), Self.value(400, 2), Self.value(400, 3), .delete(key: Array("x".utf8)),
            .select(0), Self.value(400, 4), .select(5), Self.value(400, 5),
        ]
        let limit = 1000
        let parts = try #require(RecordCodec.parts(of: operations, limit: limit))
        #expect(parts.count > 1)
        for part in parts {
            #expect(RecordCodec.bodySize(of: part) <= limit)
        }
        // Applied in order, the parts leave the same dataset as the whole.
        var whole = Dataset(count: 16)
        whole.apply(operations)
        var cut = Dataset(count: 16)
        for part in parts {
            // Each part is decoded on its own, as recovery and replicas read records.
            let bytes = RecordCodec.encode(LogRecord(lsn: LSN(1), timestamp: UnixMillis(0), operations: part))
            guard case let .found(record, _) = RecordCodec.decode(bytes) else {
                Issue.record("a part did not decode")
                return
            }
            cut.apply(record.operations)
        }
        #expect(cut.digest() == whole.digest())
        #expect(cut.databases[3].count == 2 && cut.databases[5].count == 1 && cut.databases[0].count == 2)
        // Cut before the third put (in database 3) and before the fifth (in database 5): each
        // later part first selects the database the cut left the record in.
        #expect(parts.count == 3)
        #expect(Self.selected(parts[1].first) == 3 && Self.selected(parts[2].first) == 5)
    }

    static func selected(_ operation: WriteOperation?) -> Int? {
        if case let .select(index) = operation { return index }
        return nil
    }
}
