/// A score interval, as Redis's `zslParseRange` reads it: `1.5`, `(1.5` (exclusive), `-inf`,
/// `+inf`; the bounds of ZRANGEBYSCORE, ZCOUNT, ZREMRANGEBYSCORE.
struct ScoreRange {
    var min: Double
    var max: Double
    var minExclusive = false
    var maxExclusive = false

    init(_ minText: UnsafeRawBufferPointer, _ maxText: UnsafeRawBufferPointer) throws(CommandError) {
        guard let (min, minExclusive) = ScoreRange.bound(minText), let (max, maxExclusive) = ScoreRange.bound(maxText) else {
            throw CommandError("ERR min or max is not a float")
        }
        self.min = min
        self.max = max
        self.minExclusive = minExclusive
        self.maxExclusive = maxExclusive
    }

    private static func bound(_ text: UnsafeRawBufferPointer) -> (Double, Bool)? {
        if text.count > 0 && text[0] == UInt8(ascii: "(") {
            return ScoreText.parseBound(UnsafeRawBufferPointer(rebasing: text[1...])).map { ($0, true) }
        }
        return ScoreText.parseBound(text).map { ($0, false) }
    }

    /// The ranks of the elements inside the interval.
    func ranks(in zset: SortedSetObject) -> Range<Int> {
        let start = zset.partition { _, score in minExclusive ? score > min : score >= min }
        let end = zset.partition { _, score in maxExclusive ? score >= max : score > max }
        return start..<Swift.max(start, end)
    }
}

/// A member interval, as Redis's `zslParseLexRange` reads it: `[a` (inclusive), `(a`
/// (exclusive), `-` and `+` (the ends); the bounds of ZRANGEBYLEX, ZLEXCOUNT, ZREMRANGEBYLEX.
/// Meaningful when every score is equal; otherwise the answer depends on the encoding, as it
/// does in Redis.
struct LexRange {
    enum Bound {
        case minimum, maximum
        case member([UInt8], exclusive: Bool)
    }

    var min: Bound
    var max: Bound

    init(_ minText: UnsafeRawBufferPointer, _ maxText: UnsafeRawBufferPointer) throws(CommandError) {
        guard let min = LexRange.bound(minText), let max = LexRange.bound(maxText) else {
            throw CommandError("ERR min or max not valid string range item")
        }
        self.min = min
        self.max = max
    }

    private static func bound(_ text: UnsafeRawBufferPointer) -> Bound? {
        guard text.count > 0 else { return nil }
        // Redis reads the item as a C string: "+" or "-" may be followed only by a NUL.
        switch text[0] {
        case UInt8(ascii: "+"): return text.count == 1 || text[1] == 0 ? .maximum : nil
        case UInt8(ascii: "-"): return text.count == 1 || text[1] == 0 ? .minimum : nil
        case UInt8(ascii: "("): return .member(Array(text[1...]), exclusive: true)
        case UInt8(ascii: "["): return .member(Array(text[1...]), exclusive: false)
        default: return nil
        }
    }

    /// True when no member can lie inside (min above max, or equal and one exclusive).
    var isEmpty: Bool {
        switch (min, max) {
        case (.minimum, .minimum), (.maximum, _): return true
        case (.minimum, _), (_, .maximum): return false
        case (.member, .minimum): return true
        case let (.member(low, lowExclusive), .member(high, highExclusive)):
            let order = low.withUnsafeBytes { x in high.withUnsafeBytes { ScoreOrder.compare(x, $0) } }
            return order > 0 || (order == 0 && (lowExclusive || highExclusive))
        }
    }

    func isAtLeastMin(_ member: UnsafeRawBufferPointer) -> Bool {
        switch min {
        case .minimum: return true
        case .maximum: return false
        case let .member(bound, exclusive):
            let order = bound.withUnsafeBytes { ScoreOrder.compare(member, $0) }
            return exclusive ? order > 0 : order >= 0
        }
    }

    func isAtMostMax(_ member: UnsafeRawBufferPointer) -> Bool {
        switch max {
        case .maximum: return true
        case .minimum: return false
        case let .member(bound, exclusive):
            let order = bound.withUnsafeBytes { ScoreOrder.compare(member, $0) }
            return exclusive ? order < 0 : order <= 0
        }
    }

    /// The ranks of the members inside the interval. A packed set is walked as Redis walks a
    /// listpack (from the head, or from the tail when `reverse`); a large one is searched.
    func ranks(in zset: SortedSetObject, reverse: Bool = false) -> Range<Int> {
        guard !isEmpty, zset.count > 0 else { return 0..<0 }
        if zset.isLarge {
            let start = zset.partition { member, _ in isAtLeastMin(member) }
            let end = zset.partition { member, _ in !isAtMostMax(member) }
            return start..<Swift.max(start, end)
        }
        var members: [[UInt8]] = []
        zset.forEach { member, _ in
            members.append(Array(member))
            return true
        }
        let atLeastMin = members.map { $0.withUnsafeBytes(isAtLeastMin) }
        let atMostMax = members.map { $0.withUnsafeBytes(isAtMostMax) }
        guard atLeastMin[members.count - 1], atMostMax[0] else { return 0..<0 }
        if reverse {
            guard let last = atMostMax.lastIndex(of: true), atLeastMin[last] else { return 0..<0 }
            var first = last
            while first > 0 && atLeastMin[first - 1] { first -= 1 }
            return first..<(last + 1)
        }
        guard let first = atLeastMin.firstIndex(of: true), atMostMax[first] else { return 0..<0 }
        var end = first + 1
        while end < members.count && atMostMax[end] { end += 1 }
        return first..<end
    }
}

/// ZCOUNT, ZLEXCOUNT, the ZRANGE family and ZREMRANGEBY*.
extension Keyspace {
    mutating func zcount(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        let range = try ScoreRange(a[2], a[3])
        guard let zset = try read(a[1], as: SortedSetObject.self, context: c, effects: &e) else { return .integer(0) }
        return .integer(Int64(range.ranks(in: zset).count))
    }

    mutating func zlexcount(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        let range = try LexRange(a[2], a[3])
        guard let zset = try read(a[1], as: SortedSetObject.self, context: c, effects: &e) else { return .integer(0) }
        return .integer(Int64(range.ranks(in: zset).count))
    }

    /// How a ZRANGE-family command selects: by rank, score or member.
    enum RangeKind { case rank, score, lex }

    /// ZRANGE, ZRANGESTORE, ZREVRANGE, Z[REV]RANGEBYSCORE, Z[REV]RANGEBYLEX, as Redis 7.0's
    /// `zrangeGenericCommand`: `kind` and `reverse` are fixed by the older commands, chosen by
    /// BYSCORE/BYLEX/REV for ZRANGE and ZRANGESTORE (nil).
    mutating func zrange(
        _ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation], store: Bool, kind fixedKind: RangeKind?, reverse fixedReverse: Bool?
    ) throws(CommandError) -> Reply {
        let keyIndex = store ? 2 : 1
        var kind = fixedKind
        var reverse = fixedReverse
        var withScores = false
        var offset: Int64 = 0
        var limit: Int64 = -1
        var index = keyIndex + 3
        while index < a.count {
            if !store && a.matches(index, "withscores") {
                withScores = true
            } else if a.matches(index, "limit") && a.count - index - 1 >= 2 {
                guard let start = a.integer(index + 1), let count = a.integer(index + 2) else { throw .notInteger }
                offset = start
                limit = count
                index += 2
            } else if reverse == nil && a.matches(index, "rev") {
                reverse = true
            } else if kind == nil && a.matches(index, "bylex") {
                kind = .lex
            } else if kind == nil && a.matches(index, "byscore") {
                kind = .score
            } else {
                throw .syntax
            }
            index += 1
        }
        let byKind = kind ?? .rank
        let isReverse = reverse ?? false
        if limit != -1 && byKind == .rank {
            throw CommandError("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
        }
        if withScores && byKind == .lex {
            throw CommandError("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
        }
        var (minIndex, maxIndex) = (keyIndex + 1, keyIndex + 2)
        if isReverse && byKind != .rank { swap(&minIndex, &maxIndex) }
        var rankBounds: (Int64, Int64) = (0, 0)
        var scoreRange: ScoreRange?
        var lexRange: LexRange?
        switch byKind {
        case .rank:
            guard let start = a.integer(minIndex), let end = a.integer(maxIndex) else { throw .notInteger }
            rankBounds = (start, end)
        case .score: scoreRange = try ScoreRange(a[minIndex], a[maxIndex])
        case .lex: lexRange = try LexRange(a[minIndex], a[maxIndex])
        }

        var elements: [(member: [UInt8], score: Double)] = []
        if let zset = try read(a[keyIndex], as: SortedSetObject.self, context: c, effects: &e) {
            var ranks: Range<Int>
            switch byKind {
            case .rank:
                ranks = Self.rankRange(rankBounds.0, rankBounds.1, count: zset.count)
                if isReverse { ranks = (zset.count - ranks.upperBound)..<(zset.count - ranks.lowerBound) }
            case .score:
                ranks = Self.limited(scoreRange!.ranks(in: zset), offset: offset, limit: limit, reverse: isReverse)
            case .lex:
                ranks = Self.limited(lexRange!.ranks(in: zset, reverse: isReverse), offset: offset, limit: limit, reverse: isReverse)
            }
            elements.reserveCapacity(ranks.count)
            zset.forEach(ranks, reverse: isReverse) { member, score in
                elements.append((Array(member), score))
                return true
            }
        }
        if store { return storeSortedSet(a.bytes(1), elements, c, &e) }
        guard withScores else { return .array(elements.map { .bulk($0.member) }) }
        return .pairs(elements.map { (.bulk($0.member), .double($0.score)) })
    }

    /// The ranks `start…end` select in a set of `count` (negative: from the end), as
    /// Redis's ZRANGE and ZREMRANGEBYRANK sanitize them.
    static func rankRange(_ start: Int64, _ end: Int64, count: Int) -> Range<Int> {
        let length = Int64(count)
        var start = start < 0 ? start + length : start
        let end = end < 0 ? end + length : end
        if start < 0 { start = 0 }
        guard start <= end && start < length else { return 0..<0 }
        return Int(start)..<Int(Swift.min(end, length - 1) + 1)
    }

    /// The part of `ranks` LIMIT offset count keeps, counted from the top when `reverse`
    /// (a negative offset keeps nothing, a negative count everything after the offset).
    static func limited(_ ranks: Range<Int>, offset: Int64, limit: Int64, reverse: Bool) -> Range<Int> {
        guard offset >= 0 else { return 0..<0 }
        let skip = Int(Swift.min(offset, Int64(ranks.count)))
        let take = limit < 0 ? ranks.count : Int(Swift.min(limit, Int64(ranks.count)))
        if reverse {
            let upper = ranks.upperBound - skip
            return Swift.max(ranks.lowerBound, upper - take)..<upper
        }
        let lower = ranks.lowerBound + skip
        return lower..<Swift.min(ranks.upperBound, lower + take)
    }

    /// Stores `elements` as the sorted set at `key` (a put of the whole set, replacing any
    /// value and expiry), or deletes `key` when there are none; answers the count.
    mutating func storeSortedSet(
        _ key: [UInt8], _ elements: [(member: [UInt8], score: Double)], _ c: CommandContext, _ e: inout [WriteOperation]
    ) -> Reply {
        guard !elements.isEmpty else {
            let existed = key.withUnsafeBytes { live($0, context: c, effects: &e) } != nil
            if existed {
                _ = key.withUnsafeBytes { remove($0) }
                e.append(.delete(key: key))
            }
            return .integer(0)
        }
        let zset = SortedSetObject.make(elements)
        if let refusal = Self.admitStored(zset, context: c) { return .error(refusal) }
        put(Entry.make(key: key, object: zset, expiresAt: nil), &e)
        return .integer(Int64(zset.count))
    }

    /// ZREMRANGEBYRANK, ZREMRANGEBYSCORE, ZREMRANGEBYLEX.
    mutating func zremrange(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation], kind: RangeKind) throws(CommandError) -> Reply {
        var rankBounds: (Int64, Int64) = (0, 0)
        var scoreRange: ScoreRange?
        var lexRange: LexRange?
        switch kind {
        case .rank:
            guard let start = a.integer(2), let end = a.integer(3) else { throw .notInteger }
            rankBounds = (start, end)
        case .score: scoreRange = try ScoreRange(a[2], a[3])
        case .lex: lexRange = try LexRange(a[2], a[3])
        }
        let removed = try withObject(a[1], as: SortedSetObject.self, create: false, context: c, effects: &e) { zset, e in
            let ranks: Range<Int>
            switch kind {
            case .rank: ranks = Self.rankRange(rankBounds.0, rankBounds.1, count: zset.count)
            case .score: ranks = scoreRange!.ranks(in: zset)
            case .lex: ranks = lexRange!.ranks(in: zset)
            }
            let members = zset.removeRange(ranks)
            if !members.isEmpty { e.append(.edit(key: a.bytes(1), CollectionEdit(.zsetRemove, members))) }
            return members.count
        }
        return .integer(Int64(removed ?? 0))
    }
}
