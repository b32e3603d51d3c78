/// SINTER, SINTERCARD, SUNION, SDIFF and their …STORE forms, as Redis 7.0's
/// `sinterGenericCommand` and `sunionDiffGenericCommand`: every key is looked up first (a
/// missing key is an empty set; any key of another type is WRONGTYPE, even after a missing
/// one); results are built as Redis builds them, so that they list in the same order (an
/// intset result ascending) and are stored with the same encoding.
extension Keyspace {
    /// The sets under arguments `range`: nil for a missing key, WRONGTYPE for another type.
    private mutating func sets(
        _ a: Arguments, _ range: Range<Int>, _ c: CommandContext, _ e: inout [WriteOperation]
    ) throws(CommandError) -> [SetObject?] {
        var sets: [SetObject?] = []
        sets.reserveCapacity(range.count)
        for index in range { sets.append(try read(a[index], as: SetObject.self, context: c, effects: &e)) }
        return sets
    }

    mutating func sinter(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        let found = try sets(a, 1..<a.count, c, &e)
        let present = found.compactMap { $0 }
        guard present.count == found.count else { return .set([]) }
        var items: [Reply] = []
        SetObject.intersect(present) { member in
            items.append(.bulk(Array(member)))
            return true
        }
        return .set(items)
    }

    /// SINTERCARD numkeys key [key …] [LIMIT limit]; its arguments are checked before any key.
    mutating func sintercard(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        guard let numkeys = a.integer(1), numkeys >= 1 else { throw CommandError("ERR numkeys should be greater than 0") }
        guard numkeys <= a.count - 2 else { throw CommandError("ERR Number of keys can't be greater than number of args") }
        var limit: Int64 = 0
        var position = 2 + Int(numkeys)
        while position < a.count {
            guard a.matches(position, "limit"), position + 1 < a.count else { throw .syntax }
            guard let value = a.integer(position + 1), value >= 0 else { throw CommandError("ERR LIMIT can't be negative") }
            limit = value
            position += 2
        }
        let found = try sets(a, 2..<(2 + Int(numkeys)), c, &e)
        let present = found.compactMap { $0 }
        guard present.count == found.count else { return .integer(0) }
        var cardinality: Int64 = 0
        SetObject.intersect(present) { _ in
            cardinality += 1
            return limit == 0 || cardinality < limit
        }
        return .integer(cardinality)
    }

    mutating func sinterstore(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        let found = try sets(a, 2..<a.count, c, &e)
        let present = found.compactMap { $0 }
        let result = SetObject()
        if present.count == found.count {
            SetObject.intersect(present) { member in
                result.add(member)
                return true
            }
        }
        return store(result, at: a[1], c, &e)
    }

    mutating func sunion(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        .members(SetObject.union(try sets(a, 1..<a.count, c, &e).compactMap { $0 }))
    }

    mutating func sunionstore(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        store(SetObject.union(try sets(a, 2..<a.count, c, &e).compactMap { $0 }), at: a[1], c, &e)
    }

    mutating func sdiff(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        .members(SetObject.difference(try sets(a, 1..<a.count, c, &e)))
    }

    mutating func sdiffstore(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        store(SetObject.difference(try sets(a, 2..<a.count, c, &e)), at: a[1], c, &e)
    }

    /// Stores `result` at `key` whatever the key held, without a TTL (a put of the whole
    /// set), or deletes the key when the result is empty; answers the result's size.
    private mutating func store(
        _ result: SetObject, at key: UnsafeRawBufferPointer, _ c: CommandContext, _ e: inout [WriteOperation]
    ) -> Reply {
        guard result.count > 0 else {
            if live(key, context: c, effects: &e) != nil {
                remove(key)
                e.append(.delete(key: Array(key)))
            }
            return .integer(0)
        }
        if let refusal = Self.admitStored(result, context: c) { return .error(refusal) }
        put(Entry.make(key: key, object: result, expiresAt: nil), &e)
        return .integer(Int64(result.count))
    }
}

extension SetObject {
    /// Calls `body` with each member of every set, in the order of the smallest (the first of
    /// equal sizes), until it answers false.
    static func intersect(_ sets: [SetObject], _ body: (UnsafeRawBufferPointer) -> Bool) {
        let ordered = sets.enumerated()
            .sorted { ($0.element.count, $0.offset) < ($1.element.count, $1.offset) }
            .map(\.element)
        guard let smallest = ordered.first else { return }
        let others = ordered.dropFirst().filter { $0 !== smallest }
        var going = true
        smallest.forEach { member in
            guard going, others.allSatisfy({ $0.contains(member) }) else { return }
            going = body(member)
        }
    }

    /// A new set of every member of `sets`, added set by set (Redis's SUNION).
    static func union(_ sets: [SetObject]) -> SetObject {
        let result = SetObject()
        for set in sets { set.forEach { result.add($0) } }
        return result
    }

    /// The members of the first set in none of the others (a missing first set: none), built
    /// by whichever of Redis's two algorithms Redis would pick, since the second leaves a hash
    /// table where the first may give an intset.
    static func difference(_ sets: [SetObject?]) -> SetObject {
        let result = SetObject()
        guard let first = sets.first ?? nil else { return result }
        let others = sets.dropFirst().compactMap { $0 }
        if others.contains(where: { $0 === first }) { return result }
        let present = others.count + 1
        let oneWork = first.count * present / 2
        let twoWork = others.reduce(first.count) { $0 + $1.count }
        if oneWork <= twoWork {
            first.forEach { member in
                if !others.contains(where: { $0.contains(member) }) { result.add(member) }
            }
        } else {
            first.forEach { result.add($0) }
            for other in others {
                other.forEach { result.remove($0) }
                if result.count == 0 { break }
            }
        }
        return result
    }
}
