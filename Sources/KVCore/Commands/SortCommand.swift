/// SORT and SORT_RO, as Redis 7.0's `sort.c`: the elements of a list, set or sorted set,
/// sorted as numbers (or bytes, with ALPHA), by their own value or by weights looked up with
/// BY, cut with LIMIT, answered as themselves or as GET lookups, or stored as a list.
extension Keyspace {
    /// SORT's parsed options.
    struct SortOptions {
        var descending = false
        var alpha = false
        var limit: (offset: Int, count: Int)?
        var store: [UInt8]?
        var by: [UInt8]?
        var gets: [[UInt8]] = []
    }

    mutating func sort(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation], readOnly: Bool) throws(CommandError) -> Reply {
        var options = SortOptions()
        var index = 2
        while index < a.count {
            let left = a.count - index - 1
            if a.matches(index, "asc") {
                options.descending = false
            } else if a.matches(index, "desc") {
                options.descending = true
            } else if a.matches(index, "alpha") {
                options.alpha = true
            } else if a.matches(index, "limit") && left >= 2 {
                guard let offset = a.integer(index + 1), let count = a.integer(index + 2) else { throw .notInteger }
                options.limit = (Int(clamping: offset), Int(clamping: count))
                index += 2
            } else if a.matches(index, "store") && left >= 1 && !readOnly {
                options.store = a.bytes(index + 1)
                index += 1
            } else if a.matches(index, "by") && left >= 1 {
                options.by = a.bytes(index + 1)
                index += 1
            } else if a.matches(index, "get") && left >= 1 {
                options.gets.append(a.bytes(index + 1))
                index += 1
            } else {
                throw .syntax
            }
            index += 1
        }
        // The key's elements (nothing for a missing key), in its own order.
        var elements: [[UInt8]] = []
        var kind = ValueKind.list
        if let entry = live(a[1], context: c, effects: &e) {
            switch entry.object {
            case let list as ListObject: elements = list.elements(from: 0, to: list.count - 1)
            case let set as SetObject:
                kind = .set
                elements = set.members
            case let zset as SortedSetObject:
                kind = .zset
                zset.forEach { member, _ in
                    elements.append(Array(member))
                    return true
                }
            default: throw .wrongType
            }
        }
        // BY without `*` sorts nothing (a set is then sorted as bytes when stored, so that
        // what is stored does not depend on a table's order).
        var sortNeeded = !(options.by.map { !$0.contains(UInt8(ascii: "*")) } ?? false)
        if !sortNeeded && kind == .set && options.store != nil {
            sortNeeded = true
            options.alpha = true
            options.by = nil
        }
        if sortNeeded {
            elements = try sorted(elements, options, context: c)
        } else if options.descending && kind != .set {
            elements.reverse()
        }
        if let (offset, count) = options.limit {
            let start = min(max(offset, 0), elements.count)
            let end = count < 0 ? elements.count : min(elements.count, start + min(count, elements.count))
            elements = Array(elements[start..<end])
        }
        var results: [[UInt8]?] = []
        if options.gets.isEmpty {
            results = elements
        } else {
            for element in elements {
                for pattern in options.gets { results.append(lookup(pattern: pattern, for: element, now: c.now)) }
            }
        }
        guard let destination = options.store else { return .array(results.map { $0.map { .bulk($0) } ?? .null }) }
        // STORE: the destination becomes the list (or goes, when empty), whatever it was.
        let items = results.map { $0 ?? [] }
        let list = ListObject()
        list.apply(CollectionEdit(.listPushTail, items))
        if let refusal = Self.admitStored(list, context: c) { return .error(refusal) }
        destination.withUnsafeBytes { key in
            if live(key, context: c, effects: &e) != nil {
                remove(key)
                e.append(.delete(key: destination))
            }
            guard !items.isEmpty else { return }
            insert(Entry.make(key: key, object: list, expiresAt: nil))
            e.append(.edit(key: destination, CollectionEdit(.listPushTail, items)))
        }
        return .integer(Int64(results.count))
    }

    /// Redis's `sortCompare`: by weight (a number; with ALPHA the bytes, a missing one first),
    /// ties broken by the elements' bytes; DESC reverses the whole order.
    private func sorted(_ elements: [[UInt8]], _ options: SortOptions, context: CommandContext) throws(CommandError) -> [[UInt8]] {
        struct Item { var element: [UInt8]; var score: Double; var weight: [UInt8]? }
        var items: [Item] = []
        items.reserveCapacity(elements.count)
        for element in elements {
            var item = Item(element: element, score: 0, weight: element)
            if let by = options.by { item.weight = lookup(pattern: by, for: element, now: context.now) }
            if !options.alpha, let weight = item.weight {
                guard let score = Self.sortScore(weight) else {
                    throw CommandError("ERR One or more scores can't be converted into double")
                }
                item.score = score
            }
            items.append(item)
        }
        func less(_ x: Item, _ y: Item) -> Bool {
            var order: Int
            if !options.alpha {
                order = x.score < y.score ? -1 : (x.score > y.score ? 1 : Self.compare(x.element, y.element))
            } else if options.by != nil {
                switch (x.weight, y.weight) {
                case let (first?, second?): order = Self.compare(first, second)
                case (nil, nil): order = 0
                case (nil, _): order = -1
                case (_, nil): order = 1
                }
            } else {
                order = Self.compare(x.element, y.element)
            }
            return options.descending ? order > 0 : order < 0
        }
        return items.sorted(by: less).map(\.element)
    }

    static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        a.lexicographicallyPrecedes(b) ? -1 : (a == b ? 0 : 1)
    }

    /// A weight read as Redis's `strtod`: the whole text a number (spaces before it allowed),
    /// not NaN.
    static func sortScore(_ bytes: [UInt8]) -> Double? {
        let text = String(decoding: bytes, as: UTF8.self)
        let trimmed = text.drop { $0 == " " || $0 == "\t" || $0 == "\n" }
        guard !trimmed.isEmpty, let value = Double(trimmed), !value.isNaN else { return bytes.isEmpty ? 0 : nil }
        return value
    }

    /// Redis's `lookupKeyByPattern`: `#` is the element; the first `*` of `pattern` is
    /// replaced by it; `key->field` reads a hash's field, else the key must be a string.
    func lookup(pattern: [UInt8], for element: [UInt8], now: UnixMillis) -> [UInt8]? {
        if pattern == [UInt8(ascii: "#")] { return element }
        guard let star = pattern.firstIndex(of: UInt8(ascii: "*")) else { return nil }
        var field: [UInt8]?
        var end = pattern.count
        if let arrow = Self.find([UInt8(ascii: "-"), UInt8(ascii: ">")], in: pattern, after: star + 1), arrow + 2 < pattern.count {
            field = Array(pattern[(arrow + 2)...])
            end = arrow
        }
        let key = Array(pattern[..<star]) + element + Array(pattern[(star + 1)..<end])
        guard let entry = key.withUnsafeBytes({ liveEntry($0, now: now) }) else { return nil }
        if let field {
            guard let hash = entry.object as? HashObject else { return nil }
            return field.withUnsafeBytes { hash.value($0) }
        }
        return entry.isObject ? nil : entry.value
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], after start: Int) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var index = start
        while index + needle.count <= haystack.count {
            if haystack[index] == needle[0] && haystack[index + 1] == needle[1] { return index }
            index += 1
        }
        return nil
    }
}
