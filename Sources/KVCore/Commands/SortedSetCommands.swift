/// The sorted set commands, as Redis 7.0's `t_zset.c`: replies, errors and their order. Every
/// change is logged as `zsetAdd` (each member with its final score) or `zsetRemove` (the
/// members removed) edits of what changed; the *STORE commands put the whole new set.
extension Keyspace {
    /// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member…, and ZINCRBY (`increment`).
    mutating func zadd(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation], increment: Bool) throws(CommandError) -> Reply {
        var nx = false, xx = false, gt = false, lt = false, ch = false, incr = increment
        var index = 2
        if !increment {
            while index < a.count {
                if a.matches(index, "nx") { nx = true }
                else if a.matches(index, "xx") { xx = true }
                else if a.matches(index, "ch") { ch = true }
                else if a.matches(index, "incr") { incr = true }
                else if a.matches(index, "gt") { gt = true }
                else if a.matches(index, "lt") { lt = true }
                else { break }
                index += 1
            }
        }
        let arguments = a.count - index
        guard arguments > 0 && arguments % 2 == 0 else { throw .syntax }
        if nx && xx { throw CommandError("ERR XX and NX options at the same time are not compatible") }
        if (gt && nx) || (lt && nx) || (gt && lt) {
            throw CommandError("ERR GT, LT, and/or NX options at the same time are not compatible")
        }
        if incr && arguments > 2 { throw CommandError("ERR INCR option supports a single increment-element pair") }
        var scores: [Double] = []
        for position in stride(from: index, to: a.count, by: 2) {
            guard let score = ScoreText.parse(a[position]) else { throw .notFloat }
            scores.append(score)
        }
        let outcome = try withObject(a[1], as: SortedSetObject.self, create: !xx, context: c, effects: &e) {
            zset, e throws(CommandError) -> (added: Int64, updated: Int64, score: Double?) in
            var added: Int64 = 0, updated: Int64 = 0
            var result: Double?
            var items: [[UInt8]] = []
            for (pair, increment) in scores.enumerated() {
                let member = a[index + 2 * pair + 1]
                var score = increment
                if let current = zset.score(member) {
                    if nx { continue }
                    if incr {
                        score += current
                        if score.isNaN { throw CommandError("ERR resulting score is not a number (NaN)") }
                    }
                    if (lt && score >= current) || (gt && score <= current) { continue }
                    result = score
                    if score != current {
                        items.append(CollectionEdit.scoreItem(zset.set(member, score).new))
                        items.append(Array(member))
                        updated += 1
                    }
                } else if !xx {
                    result = score
                    items.append(CollectionEdit.scoreItem(zset.set(member, score).new))
                    items.append(Array(member))
                    added += 1
                }
            }
            if !items.isEmpty { e.append(.edit(key: a.bytes(1), CollectionEdit(.zsetAdd, items))) }
            return (added, updated, result)
        }
        if incr { return outcome?.score.map { .double($0) } ?? .null }
        guard let outcome else { return .integer(0) }
        return .integer(ch ? outcome.added + outcome.updated : outcome.added)
    }

    mutating func zrem(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        let removed = try withObject(a[1], as: SortedSetObject.self, create: false, context: c, effects: &e) { zset, e in
            var removed: [[UInt8]] = []
            for index in 2..<a.count where zset.remove(a[index]) { removed.append(a.bytes(index)) }
            if !removed.isEmpty { e.append(.edit(key: a.bytes(1), CollectionEdit(.zsetRemove, removed))) }
            return removed.count
        }
        return .integer(Int64(removed ?? 0))
    }

    mutating func zcard(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        .integer(Int64(try read(a[1], as: SortedSetObject.self, context: c, effects: &e)?.count ?? 0))
    }

    mutating func zscore(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        let zset = try read(a[1], as: SortedSetObject.self, context: c, effects: &e)
        return zset?.score(a[2]).map { .double($0) } ?? .null
    }

    mutating func zmscore(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        let zset = try read(a[1], as: SortedSetObject.self, context: c, effects: &e)
        return .array((2..<a.count).map { index in zset?.score(a[index]).map { .double($0) } ?? .null })
    }

    mutating func zrank(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation], reverse: Bool) throws(CommandError) -> Reply {
        guard let zset = try read(a[1], as: SortedSetObject.self, context: c, effects: &e),
              let rank = zset.rank(a[2]) else { return .null }
        return .integer(Int64(reverse ? zset.count - 1 - rank : rank))
    }

    /// ZPOPMIN/ZPOPMAX key [count].
    mutating func zpop(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation], max: Bool) throws(CommandError) -> Reply {
        if a.count > 3 { throw .syntax }
        var count: Int?
        if a.count == 3 {
            guard let value = a.integer(2), value >= 0 else { throw CommandError("ERR value is out of range, must be positive") }
            count = Int(clamping: value)
        }
        guard let popped = try pop(a[1], count: count ?? 1, max: max, c, &e) else { return .array([]) }
        if count == nil { return .array(popped.flatMap { [Reply.bulk($0.member), .double($0.score)] }) }
        return .pairs(popped.map { (.bulk($0.member), .double($0.score)) })
    }

    /// ZMPOP numkeys key… MIN|MAX [COUNT count].
    mutating func zmpop(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        guard let keys = a.integer(1), keys >= 1 else { throw CommandError("ERR numkeys should be greater than 0") }
        let whereIndex = keys >= Int64(a.count) ? a.count : 1 + Int(keys) + 1
        guard whereIndex < a.count else { throw .syntax }
        let max: Bool
        if a.matches(whereIndex, "min") { max = false } else if a.matches(whereIndex, "max") { max = true } else { throw .syntax }
        var count: Int?
        var index = whereIndex + 1
        while index < a.count {
            guard count == nil, a.matches(index, "count"), index + 1 < a.count else { throw .syntax }
            guard let value = a.integer(index + 1), value >= 1 else { throw CommandError("ERR count should be greater than 0") }
            count = Int(clamping: value)
            index += 2
        }
        for key in 2..<whereIndex {
            guard let popped = try pop(a[key], count: count ?? 1, max: max, c, &e) else { continue }
            return .array([.bulk(a.bytes(key)), .array(popped.map { .array([.bulk($0.member), .double($0.score)]) })])
        }
        return .nullArray
    }

    /// Pops up to `count` elements from the low (or high) end of the sorted set at `key`;
    /// nil when the key is missing.
    private mutating func pop(
        _ key: UnsafeRawBufferPointer, count: Int, max: Bool, _ c: CommandContext, _ e: inout [WriteOperation]
    ) throws(CommandError) -> [(member: [UInt8], score: Double)]? {
        try withObject(key, as: SortedSetObject.self, create: false, context: c, effects: &e) { zset, e in
            let taken = Swift.min(count, zset.count)
            let ranks = max ? (zset.count - taken)..<zset.count : 0..<taken
            var popped: [(member: [UInt8], score: Double)] = []
            popped.reserveCapacity(taken)
            zset.forEach(ranks, reverse: max) { member, score in
                popped.append((Array(member), score))
                return true
            }
            for element in popped { element.member.withUnsafeBytes { _ = zset.remove($0) } }
            if !popped.isEmpty { e.append(.edit(key: Array(key), CollectionEdit(.zsetRemove, popped.map(\.member)))) }
            return popped
        }
    }

    /// ZRANDMEMBER key [count [WITHSCORES]], as Redis 7.0's `zrandmemberWithCountCommand`.
    mutating func zrandmember(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        guard a.count > 2 else {
            guard let zset = try read(a[1], as: SortedSetObject.self, context: c, effects: &e) else { return .null }
            return .bulk(zset.element(at: Int(nextRandom() % UInt64(zset.count))).member)
        }
        guard let count = a.integer(2) else { throw .notInteger }
        if count == Int64.min {
            throw CommandError("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
        }
        var withScores = false
        if a.count == 4 {
            guard a.matches(3, "withscores") else { throw .syntax }
            withScores = true
            if count < -Int64.max / 2 { throw CommandError("ERR value is out of range") }
        } else if a.count > 4 {
            throw .syntax
        }
        guard let zset = try read(a[1], as: SortedSetObject.self, context: c, effects: &e), count != 0 else { return .array([]) }
        var picked: [(member: [UInt8], score: Double)] = []
        if count < 0 {
            // Bounded as SRANDMEMBER's: the reply is built whole, under the lock.
            guard -count <= Int64(Self.maximumRandomMembers) else { throw CommandError("ERR count is too large") }
            for _ in 0..<Int(-count) { picked.append(zset.element(at: Int(nextRandom() % UInt64(zset.count)))) }
        } else if count >= zset.count {
            // The whole set, in the order Redis iterates it for this: highest rank first.
            zset.forEach(reverse: true) { member, score in
                picked.append((Array(member), score))
                return true
            }
        } else {
            var ranks = Set<Int>()
            while ranks.count < Int(count) { ranks.insert(Int(nextRandom() % UInt64(zset.count))) }
            picked = ranks.map { zset.element(at: $0) }
        }
        guard withScores else { return .array(picked.map { .bulk($0.member) }) }
        return .pairs(picked.map { (.bulk($0.member), .double($0.score)) })
    }

    /// ZSCAN: a packed set answers everything with cursor 0 (as Redis does for a listpack); a
    /// large one walks its member table's hash ranges as SCAN does.
    mutating func zscan(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        let scan = try CollectionScan(a, cursorAt: 2)
        guard let zset = try read(a[1], as: SortedSetObject.self, context: c, effects: &e) else {
            return .array([.bulk("0"), .array([])])
        }
        var items: [Reply] = []
        let next = zset.scan(cursor: scan.cursor, count: scan.count) { member, score in
            if scan.matches(member) {
                items.append(.bulk(Array(member)))
                // A listpack holds scores as text, whole ones (within ±2^62) as integers.
                items.append(.bulk(zset.isLarge ? ScoreText.format(score) : ScoreText.packedFormat(score)))
            }
        }
        return .array([.bulk(String(next)), .array(items)])
    }
}
