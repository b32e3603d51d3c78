/// ZUNION, ZINTER, ZDIFF, their …STORE forms and ZINTERCARD, as Redis 7.0's
/// `zunionInterDiffGenericCommand`. Inputs may be sorted sets or sets (every member scoring 1).
extension Keyspace {
    enum SetOperation { case union, inter, diff }

    private enum Aggregate { case sum, min, max }

    /// One input: its elements in the order Redis walks them (a sorted set from its highest
    /// rank down) and a lookup.
    private struct Source {
        var elements: [(member: [UInt8], score: Double)] = []
        var zset: SortedSetObject?
        var members: [[UInt8]: Double] = [:]
        var weight = 1.0

        var count: Int { elements.count }

        func score(_ member: [UInt8]) -> Double? {
            if let zset { return member.withUnsafeBytes { zset.score($0) } }
            return members[member]
        }
    }

    /// `store`: ZUNIONSTORE and friends (the destination is argument 1, numkeys argument 2);
    /// `cardinalityOnly`: ZINTERCARD.
    mutating func zsetOperation(
        _ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation], _ operation: SetOperation,
        store: Bool, cardinalityOnly: Bool = false
    ) throws(CommandError) -> Reply {
        let numkeysIndex = store ? 2 : 1
        guard let setCount = a.integer(numkeysIndex) else { throw .notInteger }
        if setCount < 1 {
            throw CommandError("ERR at least 1 input key is needed for '\(a.lowercased(0))' command")
        }
        guard setCount <= Int64(a.count - numkeysIndex - 1) else { throw .syntax }
        var sources: [Source] = []
        var index = numkeysIndex + 1
        for _ in 0..<Int(setCount) {
            sources.append(try source(a[index], c, &e))
            index += 1
        }
        var aggregate = Aggregate.sum
        var withScores = false
        var limit = 0
        while index < a.count {
            let remaining = a.count - index
            if operation != .diff && !cardinalityOnly && remaining >= Int(setCount) + 1 && a.matches(index, "weights") {
                index += 1
                for position in 0..<sources.count {
                    guard let weight = ScoreText.parse(a[index]) else { throw CommandError("ERR weight value is not a float") }
                    sources[position].weight = weight
                    index += 1
                }
            } else if operation != .diff && !cardinalityOnly && remaining >= 2 && a.matches(index, "aggregate") {
                if a.matches(index + 1, "sum") { aggregate = .sum }
                else if a.matches(index + 1, "min") { aggregate = .min }
                else if a.matches(index + 1, "max") { aggregate = .max }
                else { throw .syntax }
                index += 2
            } else if !store && !cardinalityOnly && a.matches(index, "withscores") {
                withScores = true
                index += 1
            } else if cardinalityOnly && remaining >= 2 && a.matches(index, "limit") {
                guard let value = a.integer(index + 1), value >= 0 else { throw CommandError("ERR LIMIT can't be negative") }
                limit = Int(clamping: value)
                index += 2
            } else {
                throw .syntax
            }
        }
        // Smallest first, ties in the order given (glibc's qsort is a stable merge sort here).
        if operation != .diff {
            sources = sources.enumerated().sorted { ($0.element.count, $0.offset) < ($1.element.count, $1.offset) }.map(\.element)
        }

        var result: [(member: [UInt8], score: Double)] = []
        var cardinality = 0
        switch operation {
        case .inter:
            guard let first = sources.first, first.count > 0 else { break }
            outer: for element in first.elements {
                var score = first.weight * element.score
                if score.isNaN { score = 0 }
                for other in sources.dropFirst() {
                    guard let value = other.score(element.member) else { continue outer }
                    Self.aggregate(&score, value * other.weight, aggregate)
                }
                if cardinalityOnly {
                    cardinality += 1
                    if limit > 0 && cardinality >= limit { break outer }
                } else {
                    result.append((element.member, score))
                }
            }
        case .union:
            var positions: [[UInt8]: Int] = [:]
            for source in sources {
                for element in source.elements {
                    var score = source.weight * element.score
                    if score.isNaN { score = 0 }
                    if let position = positions[element.member] {
                        Self.aggregate(&result[position].score, score, aggregate)
                    } else {
                        positions[element.member] = result.count
                        result.append((element.member, score))
                    }
                }
            }
        case .diff:
            guard let first = sources.first else { break }
            for element in first.elements where !sources.dropFirst().contains(where: { $0.score(element.member) != nil }) {
                result.append(element)
            }
        }
        if cardinalityOnly { return .integer(Int64(cardinality)) }
        if store { return storeSortedSet(a.bytes(1), result, c, &e) }
        result.sort { x, y in x.member.withUnsafeBytes { a in y.member.withUnsafeBytes { ScoreOrder.less(x.score, a, y.score, $0) } } }
        guard withScores else { return .array(result.map { .bulk($0.member) }) }
        return .pairs(result.map { (.bulk($0.member), .double($0.score)) })
    }

    private static func aggregate(_ target: inout Double, _ value: Double, _ aggregate: Aggregate) {
        switch aggregate {
        case .sum:
            target += value
            // inf + -inf: Redis keeps 0.
            if target.isNaN { target = 0 }
        case .min: target = value < target ? value : target
        case .max: target = value > target ? value : target
        }
    }

    /// An input of a set operation: a sorted set, a set (its members score 1), or nothing.
    private mutating func source(_ key: UnsafeRawBufferPointer, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Source {
        var source = Source()
        guard let entry = live(key, context: c, effects: &e) else { return source }
        if let zset = entry.object as? SortedSetObject {
            source.zset = zset
            source.elements.reserveCapacity(zset.count)
            zset.forEach(reverse: true) { member, score in
                source.elements.append((Array(member), score))
                return true
            }
            return source
        }
        guard entry.kind == .set, let set = entry.object else { throw .wrongType }
        // A set's members, whatever its encoding: the elements it digests.
        set.digestElements { member in
            source.elements.append((member, 1))
            source.members[member] = 1
        }
        return source
    }
}
