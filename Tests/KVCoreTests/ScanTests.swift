@testable import KVCore
import KVTestKit
import Testing

@Suite("SCAN")
struct ScanTests {
    /// Runs SCAN from cursor 0 to the end, calling `between` after each call.
    func scanAll(
        _ keyspace: inout Keyspace, options: [String] = [], between: (inout Keyspace, Int) -> Void = { _, _ in }
    ) -> (keys: [String], calls: Int) {
        var cursor = "0"
        var keys: [String] = []
        var calls = 0
        repeat {
            let reply = keyspace.run(["SCAN", cursor] + options, now: UnixMillis(T0)).reply
            guard case let .array(parts) = reply, parts.count == 2, let next = parts[0].bulkBytes else {
                Issue.record("unexpected reply \(reply)")
                return (keys, calls)
            }
            cursor = String(decoding: next, as: UTF8.self)
            keys += keyNames(parts[1])
            calls += 1
            between(&keyspace, calls)
        } while cursor != "0" && calls < 1_000_000
        return (keys, calls)
    }

    @Test func anEmptyKeyspaceAnswersCursorZero() {
        var keyspace = Keyspace(hashSeed: 1)
        #expect(keyspace.run(["SCAN", "0"], now: UnixMillis(T0)).reply == .array([.bulk("0"), .array([])]))
        #expect(keyspace.run(["SCAN", "12345"], now: UnixMillis(T0)).reply == .array([.bulk("0"), .array([])]))
    }

    @Test func aStableKeyspaceIsReturnedExactlyOnce() {
        var keyspace = Keyspace(hashSeed: 1)
        for n in 0..<5_000 { keyspace.store("key:\(n)", "v") }
        let (keys, calls) = scanAll(&keyspace)
        #expect(keys.count == 5_000)
        #expect(Set(keys).count == 5_000)
        #expect(calls > 100, "COUNT 10 by default: many calls")
    }

    @Test(arguments: [UInt64(1), 2, 3, 4])
    func keysPresentThroughoutAreReturnedAcrossGrowthAndShrinking(seed: UInt64) {
        var generator = SplitMix(seed: seed)
        var keyspace = Keyspace(hashSeed: seed)
        for n in 0..<2_000 { keyspace.store("stable:\(n)", "v") }
        for n in 0..<3_000 { keyspace.store("churn:\(n)", "v") }
        var churn = 3_000
        let (keys, _) = scanAll(&keyspace, options: ["COUNT", "7"]) { keyspace, call in
            // Grow hard for a while, then delete the churn keys so the table shrinks.
            if call < 300 {
                for _ in 0..<100 { keyspace.store("churn:\(churn)", "v"); churn += 1 }
            } else if call < 400 {
                for _ in 0..<400 {
                    let n = Int(generator.next() % UInt64(churn))
                    keyspace.run(["DEL", "churn:\(n)"], now: UnixMillis(T0))
                }
            }
        }
        let returned = Set(keys)
        for n in 0..<2_000 { #expect(returned.contains("stable:\(n)"), "stable:\(n) missing") }
    }

    @Test func matchCountAndTypeFilter() {
        var keyspace = Keyspace(hashSeed: 2)
        for n in 0..<300 { keyspace.store("user:\(n)", "v") }
        for n in 0..<300 { keyspace.store("order:\(n)", "v") }
        let users = scanAll(&keyspace, options: ["MATCH", "user:*", "COUNT", "50"])
        #expect(Set(users.keys) == Set((0..<300).map { "user:\($0)" }))
        #expect(users.calls < 40)
        #expect(scanAll(&keyspace, options: ["TYPE", "string"]).keys.count == 600)
        #expect(scanAll(&keyspace, options: ["type", "STRING"]).keys.count == 600)
        #expect(scanAll(&keyspace, options: ["TYPE", "list"]).keys.isEmpty)
        #expect(scanAll(&keyspace, options: ["COUNT", "1000000"]).calls == 1)
    }

    @Test func expiredKeysAreSkippedAndDeletedOnThePrimary() {
        var keyspace = Keyspace(hashSeed: 2)
        keyspace.store("gone", "v", expiresAt: UnixMillis(T0 - 1))
        keyspace.store("here", "v")
        let outcome = keyspace.run(["SCAN", "0", "COUNT", "100"], now: UnixMillis(T0))
        #expect(outcome.reply == .array([.bulk("0"), .array([.bulk("here")])]))
        #expect(outcome.effectSummaries == ["delete gone"])
        #expect(keyspace.count == 1)
    }

    static let errorsCases: [CommandCase] = [
        CommandCase("SCAN x", err("ERR invalid cursor")),
        CommandCase("SCAN -1", err("ERR invalid cursor")),
        CommandCase("SCAN 18446744073709551616", err("ERR invalid cursor")),
        CommandCase("SCAN 0 COUNT 0", syntaxError),
        CommandCase("SCAN 0 COUNT x", notInteger),
        CommandCase("SCAN 0 COUNT", syntaxError),
        CommandCase("SCAN 0 FOO bar", syntaxError),
        CommandCase("SCAN 18446744073709551615", .array([.bulk("0"), .array([])])),
    ]

    @Test(arguments: errorsCases) func errors(_ row: CommandCase) { row.check() }
}

@Suite("Active expiry")
struct SweepTests {
    @Test func theSweepRemovesExpiredKeysWithinItsBudget() {
        var keyspace = Keyspace(hashSeed: 11)
        for n in 0..<1_000 {
            keyspace.store("k\(n)", "v", expiresAt: n % 2 == 0 ? UnixMillis(T0 - 1) : UnixMillis(T0 + 1_000))
        }
        let slots = keyspace.slotCount
        var effects: [WriteOperation] = []
        let first = keyspace.sweepExpired(now: UnixMillis(T0), budget: 100, effects: &effects)
        #expect(first.examined == 100)
        #expect(first.expired == effects.count)
        #expect(first.expired > 10 && first.expired < 90)
        var total = first.expired
        for _ in 0..<(4 * slots / 100) {
            total += keyspace.sweepExpired(now: UnixMillis(T0), budget: 100, effects: &effects).expired
        }
        #expect(total == 500)
        #expect(effects.count == 500)
        #expect(keyspace.count == 500)
        #expect(Set(effects.map(\.summary)) == Set((0..<1_000).filter { $0 % 2 == 0 }.map { "delete k\($0)" }))
        let idle = keyspace.sweepExpired(now: UnixMillis(T0), budget: 50, effects: &effects)
        #expect(idle == (50, 0))
    }

    @Test func anEmptyKeyspaceSweepsNothing() {
        var keyspace = Keyspace(hashSeed: 11)
        var effects: [WriteOperation] = []
        #expect(keyspace.sweepExpired(now: UnixMillis(T0), budget: 100, effects: &effects) == (0, 0))
    }

    @Test func sweepingEverythingShrinksTheTable() {
        var keyspace = Keyspace(hashSeed: 11)
        for n in 0..<10_000 { keyspace.store("k\(n)", "v", expiresAt: UnixMillis(T0 - 1)) }
        var effects: [WriteOperation] = []
        var rounds = 0
        while keyspace.count > 0 && rounds < 10_000 {
            keyspace.sweepExpired(now: UnixMillis(T0), budget: 1_000, effects: &effects)
            rounds += 1
        }
        #expect(keyspace.count == 0)
        #expect(effects.count == 10_000)
        // Shrinks are incremental too: the timer's sweeps finish them.
        while keyspace.table.isResizing || keyspace.slotCount > 64, rounds < 10_100 {
            keyspace.sweepExpired(now: UnixMillis(T0), budget: 1_000, effects: &effects)
            rounds += 1
        }
        #expect(keyspace.slotCount <= 64)
    }
}
