/// The hash commands, as Redis 7.0's `t_hash.c`: replies, errors and their order. Every
/// change is logged as `hashSet`/`hashDelete` edits of what changed (HINCRBY: the new value).
extension Keyspace {
    mutating func hset(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation], command: String) throws(CommandError) -> Reply {
        guard a.count % 2 == 0 else { throw .wrongArity(command) }
        let added = try withObject(a[1], as: HashObject.self, create: true, context: c, effects: &e) { hash, e in
            var added: Int64 = 0
            var items: [[UInt8]] = []
            items.reserveCapacity(a.count - 2)
            for index in stride(from: 2, to: a.count, by: 2) {
                if hash.set(a[index], a[index + 1]) { added += 1 }
                items.append(a.bytes(index))
                items.append(a.bytes(index + 1))
            }
            e.append(.edit(key: a.bytes(1), CollectionEdit(.hashSet, items)))
            return added
        }
        return command == "hmset" ? .ok : .integer(added ?? 0)
    }

    mutating func hsetnx(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        let set = try withObject(a[1], as: HashObject.self, create: true, context: c, effects: &e) { hash, e in
            guard hash.withValue(a[2], { _ in true }) == nil else { return false }
            hash.set(a[2], a[3])
            e.append(.edit(key: a.bytes(1), CollectionEdit(.hashSet, [a.bytes(2), a.bytes(3)])))
            return true
        }
        return .integer(set == true ? 1 : 0)
    }

    mutating func hget(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        guard let hash = try read(a[1], as: HashObject.self, context: c, effects: &e) else { return .null }
        return hash.value(a[2]).map { .bulk($0) } ?? .null
    }

    mutating func hmget(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        let hash = try read(a[1], as: HashObject.self, context: c, effects: &e)
        return .array((2..<a.count).map { index in hash?.value(a[index]).map { .bulk($0) } ?? .null })
    }

    mutating func hdel(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        let removed = try withObject(a[1], as: HashObject.self, create: false, context: c, effects: &e) { hash, e in
            var removed: [[UInt8]] = []
            for index in 2..<a.count where hash.remove(a[index]) { removed.append(a.bytes(index)) }
            if !removed.isEmpty { e.append(.edit(key: a.bytes(1), CollectionEdit(.hashDelete, removed))) }
            return removed.count
        }
        return .integer(Int64(removed ?? 0))
    }

    mutating func hexists(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        let hash = try read(a[1], as: HashObject.self, context: c, effects: &e)
        return .integer(hash?.withValue(a[2], { _ in true }) == true ? 1 : 0)
    }

    mutating func hlen(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        .integer(Int64(try read(a[1], as: HashObject.self, context: c, effects: &e)?.count ?? 0))
    }

    mutating func hstrlen(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        let hash = try read(a[1], as: HashObject.self, context: c, effects: &e)
        return .integer(Int64(hash?.withValue(a[2], { $0.count }) ?? 0))
    }

    /// HKEYS, HVALS, HGETALL.
    mutating func hgetall(
        _ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation], fields: Bool, values: Bool
    ) throws(CommandError) -> Reply {
        guard let hash = try read(a[1], as: HashObject.self, context: c, effects: &e) else {
            return fields && values ? .map([]) : .array([])
        }
        // Written in RESP form at once: one buffer for the reply, not one array per element.
        if fields && values {
            var bulks = EncodedBulks(.map, reservingBytes: hash.count &* 32)
            hash.forEach {
                bulks.append($0)
                bulks.append($1)
            }
            return .bulks(bulks)
        }
        var bulks = EncodedBulks(.array, reservingBytes: hash.count &* 16)
        hash.forEach { bulks.append(fields ? $0 : $1) }
        return .bulks(bulks)
    }

    mutating func hincrby(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        guard let increment = a.integer(3) else { throw .notInteger }
        let result = try withObject(a[1], as: HashObject.self, create: true, context: c, effects: &e) { hash, e throws(CommandError) in
            var old: Int64 = 0
            if let current = hash.withValue(a[2], IntegerText.parse) {
                guard let value = current else { throw CommandError("ERR hash value is not an integer") }
                old = value
            }
            let (new, overflow) = old.addingReportingOverflow(increment)
            if overflow { throw .overflow }
            let text = IntegerText.bytes(new)
            text.withUnsafeBytes { _ = hash.set(a[2], $0) }
            e.append(.edit(key: a.bytes(1), CollectionEdit(.hashSet, [a.bytes(2), text])))
            return new
        }
        return .integer(result!)
    }

    mutating func hincrbyfloat(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        guard let increment = FloatText.parse(a[3]) else { throw .notFloat }
        if increment.isNaN || increment.isInfinite { throw CommandError("ERR value is NaN or Infinity") }
        let result = try withObject(a[1], as: HashObject.self, create: true, context: c, effects: &e) { hash, e throws(CommandError) in
            var value: FloatText.Value = 0
            if let current = hash.withValue(a[2], FloatText.parse) {
                guard let old = current else { throw CommandError("ERR hash value is not a float") }
                value = old
            }
            value += increment
            if value.isNaN || value.isInfinite { throw .nanOrInfinity }
            let text = FloatText.format(value)
            text.withUnsafeBytes { _ = hash.set(a[2], $0) }
            e.append(.edit(key: a.bytes(1), CollectionEdit(.hashSet, [a.bytes(2), text])))
            return text
        }
        return .bulk(result!)
    }

    /// HRANDFIELD key [count [WITHVALUES]], as Redis 7.0's `hrandfieldWithCountCommand`.
    mutating func hrandfield(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        guard a.count > 2 else {
            guard let hash = try read(a[1], as: HashObject.self, context: c, effects: &e) else { return .null }
            return .bulk(hash.pair(at: randomIndex(below: hash)).field)
        }
        guard let count = a.integer(2), count >= -Int64.max else { throw .notInteger }
        var withValues = false
        if a.count == 4 {
            guard a.matches(3, "withvalues") else { throw .syntax }
            withValues = true
            if count < -Int64.max / 2 { throw CommandError("ERR value is out of range") }
        } else if a.count > 4 {
            throw .syntax
        }
        guard let hash = try read(a[1], as: HashObject.self, context: c, effects: &e), count != 0 else { return .array([]) }
        var picked: [(field: [UInt8], value: [UInt8])] = []
        if count < 0 {
            // Bounded as SRANDMEMBER's: the reply is built whole, under the lock.
            guard -count <= Int64(Self.maximumRandomMembers) else { throw CommandError("ERR count is too large") }
            for _ in 0..<Int(-count) { picked.append(hash.pair(at: randomIndex(below: hash))) }
        } else if count >= hash.count {
            picked = hash.pairs
        } else {
            var chosen = Set<[UInt8]>()
            while picked.count < Int(count) {
                let pair = hash.pair(at: randomIndex(below: hash))
                if chosen.insert(pair.field).inserted { picked.append(pair) }
            }
        }
        return .randomPairs(picked, withValues: withValues)
    }

    /// An index for `HashObject.pair(at:)`: a position among the pairs of a packed hash, a
    /// slot of a table.
    private mutating func randomIndex(below hash: HashObject) -> Int {
        let bound = hash.isTable ? Int.max : hash.count
        return Int(truncatingIfNeeded: nextRandom() % UInt64(bound))
    }

    mutating func hscan(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        let scan = try CollectionScan(a, cursorAt: 2)
        guard let hash = try read(a[1], as: HashObject.self, context: c, effects: &e) else {
            return .array([.bulk("0"), .array([])])
        }
        var items: [Reply] = []
        let next = hash.scan(cursor: scan.cursor, count: scan.count) { field, value in
            if scan.matches(field) {
                items.append(.bulk(Array(field)))
                items.append(.bulk(Array(value)))
            }
        }
        return .array([.bulk(String(next)), .array(items)])
    }
}

extension Reply {
    /// HRANDFIELD/ZRANDMEMBER pairs: fields alone, or field and value — a flat array in
    /// RESP2, an array of pairs in RESP3 (`.pairs` renders both).
    static func randomPairs(_ pairs: [(field: [UInt8], value: [UInt8])], withValues: Bool) -> Reply {
        guard withValues else { return .array(pairs.map { .bulk($0.field) }) }
        return .pairs(pairs.map { (.bulk($0.field), .bulk($0.value)) })
    }
}
