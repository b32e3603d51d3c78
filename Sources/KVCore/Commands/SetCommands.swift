/// The set commands, as Redis 7.0's `t_set.c`: replies, errors and their order. Every change
/// is logged as `setAdd`/`setRemove` edits of the members that changed (SPOP: those it drew);
/// a set replaced whole (the …STORE commands) as a put of the new set, or a `.delete`.
extension Keyspace {
    mutating func sadd(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        let added = try withObject(a[1], as: SetObject.self, create: true, context: c, effects: &e) { set, e in
            var added: [[UInt8]] = []
            for index in 2..<a.count where set.add(a[index]) { added.append(a.bytes(index)) }
            if !added.isEmpty { e.append(.edit(key: a.bytes(1), CollectionEdit(.setAdd, added))) }
            return added.count
        }
        return .integer(Int64(added ?? 0))
    }

    mutating func srem(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        let removed = try withObject(a[1], as: SetObject.self, create: false, context: c, effects: &e) { set, e in
            var removed: [[UInt8]] = []
            for index in 2..<a.count where set.remove(a[index]) { removed.append(a.bytes(index)) }
            if !removed.isEmpty { e.append(.edit(key: a.bytes(1), CollectionEdit(.setRemove, removed))) }
            return removed.count
        }
        return .integer(Int64(removed ?? 0))
    }

    mutating func scard(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        .integer(Int64(try read(a[1], as: SetObject.self, context: c, effects: &e)?.count ?? 0))
    }

    mutating func sismember(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        let set = try read(a[1], as: SetObject.self, context: c, effects: &e)
        return .integer(set?.contains(a[2]) == true ? 1 : 0)
    }

    mutating func smismember(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        let set = try read(a[1], as: SetObject.self, context: c, effects: &e)
        return .array((2..<a.count).map { .integer(set?.contains(a[$0]) == true ? 1 : 0) })
    }

    /// SMEMBERS: Redis 7.0 runs it as a one-key SINTER, a RESP3 set in the set's order.
    mutating func smembers(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        guard let set = try read(a[1], as: SetObject.self, context: c, effects: &e) else { return .set([]) }
        return .members(set)
    }

    /// SMOVE source destination member: 0 for a missing source before any type check, as
    /// Redis; then WRONGTYPE for either key; a move onto the same key only answers membership.
    mutating func smove(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        guard let source = live(a[1], context: c, effects: &e) else { return .integer(0) }
        let destination = live(a[2], context: c, effects: &e)
        guard source.kind == .set, destination.map({ $0.kind == .set }) ?? true else { throw .wrongType }
        if source.hasKey(a[2]) {
            return .integer((source.object as! SetObject).contains(a[3]) ? 1 : 0)
        }
        // Room for the member in the destination is checked before it leaves the source.
        if c.expiry == .primary { try Self.admitGrowth(of: destination?.footprint ?? 0, adding: 0, context: c) }
        let removed = try withObject(a[1], as: SetObject.self, create: false, context: c, effects: &e) { set, e in
            guard set.remove(a[3]) else { return false }
            e.append(.edit(key: a.bytes(1), CollectionEdit(.setRemove, [a.bytes(3)])))
            return true
        }
        guard removed == true else { return .integer(0) }
        _ = try withObject(a[2], as: SetObject.self, create: true, grows: false, context: c, effects: &e) { set, e in
            if set.add(a[3]) { e.append(.edit(key: a.bytes(2), CollectionEdit(.setAdd, [a.bytes(3)]))) }
        }
        return .integer(1)
    }

    /// SPOP key [count], as Redis 7.0's `spopCommand` and `spopWithCountCommand`.
    mutating func spop(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        if a.count > 3 { throw .syntax }
        if a.count == 3 { return try spopCount(a, c, &e) }
        var random = SetRandom(seed: nextRandom())
        let popped = try withObject(a[1], as: SetObject.self, create: false, context: c, effects: &e) { set, e in
            let member = set.member(at: random.index(below: set.randomBound))
            member.withUnsafeBytes { _ = set.remove($0) }
            e.append(.edit(key: a.bytes(1), CollectionEdit(.setRemove, [member])))
            return member
        }
        return popped.map { .bulk($0) } ?? .null
    }

    /// SPOP with a count: the whole set when the count covers it (the key deleted, logged as
    /// its `.delete`, as Redis propagates a DEL); members drawn one by one while the rest is
    /// large; past that, as Redis, the members to keep are drawn into a new set, the old one
    /// is answered and the new one takes its place (its encoding rebuilt from its members).
    private mutating func spopCount(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        guard let requested = a.integer(2), requested >= 0 else {
            throw CommandError("ERR value is out of range, must be positive")
        }
        guard let set = try read(a[1], as: SetObject.self, context: c, effects: &e), requested > 0 else { return .set([]) }
        let size = set.count
        if requested >= size {
            // Redis answers the whole set as SUNION of it: a new set built from its members.
            let reply = Reply.members(SetObject.union([set]))
            remove(a[1])
            e.append(.delete(key: a.bytes(1)))
            return reply
        }
        let count = Int(requested)
        let remaining = size - count
        var random = SetRandom(seed: nextRandom())
        let popped = try withObject(a[1], as: SetObject.self, create: false, context: c, effects: &e) { set, e in
            var popped: [[UInt8]] = []
            if remaining * 5 > count {
                popped.reserveCapacity(count)
                for _ in 0..<count {
                    let member = set.member(at: random.index(below: set.randomBound))
                    member.withUnsafeBytes { _ = set.remove($0) }
                    popped.append(member)
                }
            } else {
                let kept = SetObject()
                for _ in 0..<remaining {
                    let member = set.member(at: random.index(below: set.randomBound))
                    member.withUnsafeBytes { raw in
                        kept.add(raw)
                        set.remove(raw)
                    }
                }
                popped = set.members
                set.assign(from: kept)
            }
            e.append(.edit(key: a.bytes(1), CollectionEdit(.setRemove, popped)))
            return popped
        }
        return .set((popped ?? []).map { .bulk($0) })
    }

    /// SRANDMEMBER key [count], as Redis 7.0's `srandmemberWithCountCommand`: a negative count
    /// may repeat members, a positive one never does; the whole set when the count covers it.
    mutating func srandmember(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        if a.count > 3 { throw .syntax }
        guard a.count == 3 else {
            guard let set = try read(a[1], as: SetObject.self, context: c, effects: &e) else { return .null }
            return .bulk(set.member(at: randomIndex(below: set.randomBound)))
        }
        guard let requested = a.integer(2) else { throw .notInteger }
        guard requested != Int64.min else {
            throw CommandError("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
        }
        guard let set = try read(a[1], as: SetObject.self, context: c, effects: &e), requested != 0 else { return .array([]) }
        if requested < 0 || requested == 1 {
            let count = Int(requested.magnitude)
            // Redis streams these until the client's output limit closes it; kv refuses a
            // reply it could not hold rather than exhaust its memory.
            guard count <= Self.maximumRandomMembers else { throw CommandError("ERR count is too large") }
            return .array((0..<count).map { _ in .bulk(set.member(at: randomIndex(below: set.randomBound))) })
        }
        let count = Int(requested)
        if count >= set.count {
            return .array(Reply.memberItems(set))  // an array here, not a set, in Redis 7.0
        }
        var picked: [[UInt8]] = []
        picked.reserveCapacity(count)
        if count * 3 > set.count {
            // Most of the set: shuffle the front of a copy (Redis removes members at random
            // from a copy; either way a uniform draw).
            var members = set.members
            for index in 0..<count {
                members.swapAt(index, index + randomIndex(below: members.count - index))
            }
            picked = Array(members[0..<count])
        } else {
            var chosen = Set<[UInt8]>()
            while picked.count < count {
                let member = set.member(at: randomIndex(below: set.randomBound))
                if chosen.insert(member).inserted { picked.append(member) }
            }
        }
        return .array(picked.map { .bulk($0) })
    }

    /// The most members SRANDMEMBER answers with a negative count.
    static let maximumRandomMembers = 1 << 24

    private mutating func randomIndex(below bound: Int) -> Int {
        Int(truncatingIfNeeded: nextRandom() % UInt64(bound))
    }

    mutating func sscan(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        // Redis checks the cursor, then the key, then the options.
        guard IntegerText.parseUnsigned(a[2]) != nil else { throw CommandError("ERR invalid cursor") }
        guard let set = try read(a[1], as: SetObject.self, context: c, effects: &e) else {
            return .array([.bulk("0"), .array([])])
        }
        let scan = try CollectionScan(a, cursorAt: 2)
        var items: [Reply] = []
        let next = set.scan(cursor: scan.cursor, count: scan.count) { member in
            if scan.matches(member) { items.append(.bulk(Array(member))) }
        }
        return .array([.bulk(String(next)), .array(items)])
    }
}

extension Reply {
    /// A set's members as a RESP3 set, in the set's order, written in RESP form at once.
    static func members(_ set: SetObject) -> Reply {
        var bulks = EncodedBulks(.set, reservingBytes: set.count &* 16)
        set.forEach { bulks.append($0) }
        return .bulks(bulks)
    }

    /// A set's members as bulk strings, in the set's order.
    static func memberItems(_ set: SetObject) -> [Reply] {
        var items: [Reply] = []
        items.reserveCapacity(set.count)
        set.forEach { items.append(.bulk(Array($0))) }
        return items
    }
}

/// splitmix64 seeded from the keyspace's generator: random draws inside `withObject`'s body,
/// which cannot reach the keyspace itself.
struct SetRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func index(below bound: Int) -> Int {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return Int(truncatingIfNeeded: (z ^ (z >> 31)) % UInt64(bound))
    }
}
