/// The list commands, as Redis 7.0's `t_list.c`: replies, errors and the order in which it
/// checks them (arguments, then the key, or the key first where Redis looks it up first).
/// Every change is logged as the list edit it made (`CollectionEdit`): pushes with their
/// elements, pops with the count removed, LREM with the positions removed.
extension Keyspace {
    /// LPUSH, RPUSH, LPUSHX, RPUSHX.
    mutating func push(
        _ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation], head: Bool, onlyIfExists: Bool
    ) throws(CommandError) -> Reply {
        let length = try withObject(a[1], as: ListObject.self, create: !onlyIfExists, grows: true, context: c, effects: &e) { list, e in
            var items: [[UInt8]] = []
            items.reserveCapacity(a.count - 2)
            for index in 2..<a.count {
                if head { list.pushHead(a[index]) } else { list.pushTail(a[index]) }
                items.append(a.bytes(index))
            }
            e.append(.edit(key: a.bytes(1), CollectionEdit(head ? .listPushHead : .listPushTail, items)))
            return list.count
        }
        return .integer(Int64(length ?? 0))
    }

    /// LPOP, RPOP key [count]: one element as a bulk string; with a count, an array (a null
    /// array for a missing key, an empty one for count 0).
    mutating func pop(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation], head: Bool) throws(CommandError) -> Reply {
        guard a.count <= 3 else { throw .wrongArity(head ? "lpop" : "rpop") }
        let count = a.count == 3 ? try Self.positive(a, 2, CommandError.mustBePositive) : nil
        if count == 0 {
            return try read(a[1], as: ListObject.self, context: c, effects: &e) == nil ? .nullArray : .array([])
        }
        let popped = try withObject(a[1], as: ListObject.self, create: false, context: c, effects: &e) { list, e in
            Self.popElements(list, key: a.bytes(1), count: count ?? 1, head: head, &e)
        }
        guard let popped else { return count == nil ? .null : .nullArray }
        return count == nil ? popped[0] : .array(popped)
    }

    /// Pops up to `count` elements and logs it: the elements in the order popped.
    private static func popElements(_ list: ListObject, key: [UInt8], count: Int, head: Bool, _ e: inout [WriteOperation]) -> [Reply] {
        var items: [Reply] = []
        items.reserveCapacity(min(count, list.count))
        if head {
            list.removeHead(count) { items.append(.bulk(Array($0))) }
        } else {
            list.removeTail(count) { items.append(.bulk(Array($0))) }
        }
        let number = CollectionEdit.numberItem(items.count)
        e.append(.edit(key: key, CollectionEdit(head ? .listPopHead : .listPopTail, [number])))
        return items
    }

    mutating func llen(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        .integer(Int64(try read(a[1], as: ListObject.self, context: c, effects: &e)?.count ?? 0))
    }

    mutating func lrange(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        guard let start = a.integer(2), let stop = a.integer(3) else { throw .notInteger }
        guard let list = try read(a[1], as: ListObject.self, context: c, effects: &e),
              let range = Self.range(start, stop, length: list.count)
        else { return .array([]) }
        return .bulks(list.encodedElements(from: range.start, to: range.stop))
    }

    mutating func lindex(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        guard let list = try read(a[1], as: ListObject.self, context: c, effects: &e) else { return .null }
        guard let index = a.integer(2) else { throw .notInteger }
        return Self.resolve(index, length: list.count).flatMap(list.element(at:)).map { .bulk($0) } ?? .null
    }

    mutating func lset(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        let done: Void? = try withObject(a[1], as: ListObject.self, create: false, grows: true, context: c, effects: &e) { list, e throws(CommandError) in
            guard let index = a.integer(2) else { throw .notInteger }
            guard let position = Self.resolve(index, length: list.count), position < list.count else {
                throw CommandError("ERR index out of range")
            }
            list.replace(at: position, with: a[3])
            e.append(.edit(key: a.bytes(1), CollectionEdit(.listSet, [CollectionEdit.numberItem(position), a.bytes(3)])))
        }
        guard done != nil else { throw .noSuchKey }
        return .ok
    }

    /// LINSERT key BEFORE|AFTER pivot element: the new length, -1 without the pivot, 0
    /// without the key.
    mutating func linsert(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        let after: Bool
        if a.matches(2, "after") {
            after = true
        } else if a.matches(2, "before") {
            after = false
        } else {
            throw .syntax
        }
        let length = try withObject(a[1], as: ListObject.self, create: false, grows: true, context: c, effects: &e) { list, e in
            var index = 0
            var found: Int?
            let pivot = a[3]
            list.forEach { element in
                if memcmpEqual(element, pivot) {
                    found = index
                    return false
                }
                index += 1
                return true
            }
            guard let found else { return -1 }
            let position = after ? found + 1 : found
            list.insert(a[4], at: position)
            e.append(.edit(key: a.bytes(1), CollectionEdit(.listInsert, [CollectionEdit.numberItem(position), a.bytes(4)])))
            return list.count
        }
        return .integer(Int64(length ?? 0))
    }

    /// LREM key count element: count > 0 from the head, < 0 from the tail, 0 all.
    mutating func lrem(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        guard let count = a.integer(2) else { throw .notInteger }
        let removed = try withObject(a[1], as: ListObject.self, create: false, context: c, effects: &e) { list, e in
            let limit = count == 0 ? Int.max : Int(clamping: count.magnitude)
            let wanted = a[3]
            var positions: [Int] = []
            if count >= 0 {
                var index = 0
                list.forEach { element in
                    if memcmpEqual(element, wanted) { positions.append(index) }
                    index += 1
                    return positions.count < limit
                }
            } else {
                var index = list.count - 1
                list.forEachReversed { element in
                    if memcmpEqual(element, wanted) { positions.append(index) }
                    index -= 1
                    return positions.count < limit
                }
                positions.reverse()
            }
            guard !positions.isEmpty else { return 0 }
            list.remove(atPositions: positions)
            e.append(.edit(key: a.bytes(1), CollectionEdit(.listRemoveAt, positions.map(CollectionEdit.numberItem))))
            return positions.count
        }
        return .integer(Int64(removed ?? 0))
    }

    /// LTRIM: logged as the range kept, or as the key's deletion when nothing is kept.
    mutating func ltrim(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        guard let start = a.integer(2), let stop = a.integer(3) else { throw .notInteger }
        _ = try withObject(a[1], as: ListObject.self, create: false, context: c, effects: &e) { list, e in
            guard let range = Self.range(start, stop, length: list.count) else {
                list.removeAll()
                e.append(.delete(key: a.bytes(1)))
                return
            }
            guard range.start > 0 || range.stop < list.count - 1 else { return }
            list.trim(start: range.start, stop: range.stop)
            e.append(.edit(key: a.bytes(1), CollectionEdit(
                .listTrim, [CollectionEdit.numberItem(range.start), CollectionEdit.numberItem(range.stop)])))
        }
        return .ok
    }

    /// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len].
    mutating func lpos(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        var rank = 1
        var count: Int?
        var maxLength = 0
        var index = 3
        while index < a.count {
            let hasValue = index + 1 < a.count
            if a.matches(index, "rank") && hasValue {
                guard let value = a.integer(index + 1) else { throw .notInteger }
                guard value != 0 else {
                    throw CommandError("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
                        + "or use negative to start from the end of the list")
                }
                rank = Int(value)
            } else if a.matches(index, "count") && hasValue {
                count = try Self.positive(a, index + 1, CommandError("ERR COUNT can't be negative"))
            } else if a.matches(index, "maxlen") && hasValue {
                maxLength = try Self.positive(a, index + 1, CommandError("ERR MAXLEN can't be negative"))
            } else {
                throw .syntax
            }
            index += 2
        }
        guard let list = try read(a[1], as: ListObject.self, context: c, effects: &e) else {
            return count == nil ? .null : .array([])
        }
        let fromTail = rank < 0
        // Redis negates a negative rank; -Int.min stays negative there, so every match counts.
        if fromTail { rank = 0 &- rank }
        let wanted = a[2]
        let length = list.count
        var scanned = 0
        var matches = 0
        var found: [Reply] = []
        let visit: (UnsafeRawBufferPointer) -> Bool = { element in
            guard maxLength == 0 || scanned < maxLength else { return false }
            defer { scanned += 1 }
            guard memcmpEqual(element, wanted) else { return true }
            matches += 1
            guard matches >= rank else { return true }
            found.append(.integer(Int64(fromTail ? length - scanned - 1 : scanned)))
            guard let count else { return false }
            return count == 0 || matches &- rank &+ 1 < count
        }
        if fromTail { list.forEachReversed(visit) } else { list.forEach(visit) }
        guard count != nil else { return found.first ?? .null }
        return .array(found)
    }

    /// LMOVE source destination LEFT|RIGHT LEFT|RIGHT (and RPOPLPUSH: RIGHT LEFT).
    mutating func lmove(
        _ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation], fromHead: Bool, toHead: Bool
    ) throws(CommandError) -> Reply {
        guard try read(a[1], as: ListObject.self, context: c, effects: &e) != nil else { return .null }
        let source = a.bytes(1)
        let destination = a.bytes(2)
        if source == destination {
            let moved = try withObject(a[1], as: ListObject.self, create: false, context: c, effects: &e) { list, e in
                // One element moved onto its own list changes nothing, and logs nothing: a pop
                // then a push, applied on a replica, would empty and delete the key between
                // them and lose its expiry.
                if list.count == 1 { return Reply.bulk(list.element(at: 0)!) }
                let element = Self.popElements(list, key: source, count: 1, head: fromHead, &e)[0]
                Self.pushElement(list, element, key: destination, head: toHead, &e)
                return element
            }
            return moved!
        }
        let target = try read(a[2], as: ListObject.self, context: c, effects: &e)
        // Room for the element in the destination is checked before it leaves the source.
        if c.expiry == .primary, let list = try read(a[1], as: ListObject.self, context: c, effects: &e),
           let element = list.element(at: fromHead ? 0 : list.count - 1) {
            try Self.admitGrowth(of: target?.footprint ?? 0, adding: element.count, context: c)
        }
        let element = try withObject(a[1], as: ListObject.self, create: false, context: c, effects: &e) { list, e in
            Self.popElements(list, key: source, count: 1, head: fromHead, &e)[0]
        }!
        _ = try withObject(a[2], as: ListObject.self, create: true, grows: false, context: c, effects: &e) { list, e in
            Self.pushElement(list, element, key: destination, head: toHead, &e)
        }
        return element
    }

    private static func pushElement(_ list: ListObject, _ element: Reply, key: [UInt8], head: Bool, _ e: inout [WriteOperation]) {
        let bytes = element.bulkBytes!
        bytes.withUnsafeBytes { if head { list.pushHead($0) } else { list.pushTail($0) } }
        e.append(.edit(key: key, CollectionEdit(head ? .listPushHead : .listPushTail, [bytes])))
    }

    /// LMPOP numkeys key [key …] LEFT|RIGHT [COUNT count]: [key, elements] from the first
    /// non-empty list, a null array when there is none.
    mutating func lmpop(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        guard let keys = a.integer(1), keys > 0 else { throw CommandError("ERR numkeys should be greater than 0") }
        guard keys < Int64(a.count - 2) else { throw .syntax }
        let whereIndex = Int(keys) + 2
        let head: Bool
        if a.matches(whereIndex, "left") {
            head = true
        } else if a.matches(whereIndex, "right") {
            head = false
        } else {
            throw .syntax
        }
        var count: Int?
        var index = whereIndex + 1
        while index < a.count {
            guard count == nil && a.matches(index, "count") && index + 1 < a.count else { throw .syntax }
            let message = CommandError("ERR count should be greater than 0")
            guard let value = a.integer(index + 1), value > 0 else { throw message }
            count = Int(value)
            index += 2
        }
        for index in 2..<whereIndex {
            guard try read(a[index], as: ListObject.self, context: c, effects: &e) != nil else { continue }
            let key = a.bytes(index)
            let popped = try withObject(a[index], as: ListObject.self, create: false, context: c, effects: &e) { list, e in
                Self.popElements(list, key: key, count: count ?? 1, head: head, &e)
            }!
            return .array([.bulk(key), .array(popped)])
        }
        return .nullArray
    }

    /// A count that must be 0 or more: `error` for a negative number or none at all (Redis's
    /// `getPositiveLongFromObjectOrReply`).
    private static func positive(_ a: Arguments, _ index: Int, _ error: CommandError) throws(CommandError) -> Int {
        guard let value = a.integer(index), value >= 0 else { throw error }
        return Int(value)
    }

    /// A possibly negative index (from the tail) as a position, nil when before the head.
    private static func resolve(_ index: Int64, length: Int) -> Int? {
        let position = index < 0 ? Int64(length) + index : index
        return position >= 0 ? Int(position) : nil
    }

    /// LRANGE's and LTRIM's range, clamped as Redis does; nil when empty.
    private static func range(_ start: Int64, _ stop: Int64, length: Int) -> (start: Int, stop: Int)? {
        let length = Int64(length)
        var start = start < 0 ? length + start : start
        var stop = stop < 0 ? length + stop : stop
        if start < 0 { start = 0 }
        guard start <= stop && start < length else { return nil }
        if stop >= length { stop = length - 1 }
        return (Int(start), Int(stop))
    }
}

extension CommandError {
    static let mustBePositive = CommandError("ERR value is out of range, must be positive")
}
