/// DEL, UNLINK, EXISTS, TYPE, RENAME, RENAMENX, RANDOMKEY, KEYS, SCAN, FLUSHDB, FLUSHALL.
extension Keyspace {
    /// DEL and UNLINK (both free a large collection on a background thread: `discard`).
    mutating func del(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) -> Reply {
        var deleted: Int64 = 0
        for index in 1..<a.count where live(a[index], context: c, effects: &e) != nil {
            discard(a[index])
            e.append(.delete(key: a.bytes(index)))
            deleted += 1
        }
        return .integer(deleted)
    }

    /// EXISTS counts a key given twice twice, as Redis does.
    mutating func exists(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) -> Reply {
        var found: Int64 = 0
        for index in 1..<a.count where live(a[index], context: c, effects: &e) != nil {
            found += 1
        }
        return .integer(found)
    }

    /// Every value is a string; a missing key is "none".
    mutating func type(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) -> Reply {
        .simple(live(a[1], context: c, effects: &e)?.kind.name ?? "none")
    }

    /// Redis's `renameGenericCommand`: the value and its expiry move to the new name.
    mutating func rename(
        _ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation], onlyIfNew: Bool
    ) throws(CommandError) -> Reply {
        guard let source = live(a[1], context: c, effects: &e) else { throw .noSuchKey }
        if source.hasKey(a[2]) { return onlyIfNew ? .integer(0) : .ok }
        if live(a[2], context: c, effects: &e) != nil && onlyIfNew { return .integer(0) }
        let moved = source.rekeyed(a[2], expiresAt: source.expiresAt)
        put(moved, &e)
        remove(a[1])
        e.append(.delete(key: source.key))
        return onlyIfNew ? .integer(1) : .ok
    }

    mutating func randomkey(_ c: CommandContext, _ e: inout [WriteOperation]) -> Reply {
        randomEntry(context: c, effects: &e).map { .bulk($0.key) } ?? .null
    }

    /// KEYS skips expired keys without removing them, as Redis does.
    func keys(_ a: Arguments, _ c: CommandContext) -> Reply {
        let pattern = GlobPattern(pattern: a[1])
        let everything = pattern.matchesEverything
        var keys: [Reply] = []
        forEach { entry in
            if !entry.isExpired(at: c.now) && (everything || entry.withKey(pattern.matches)) {
                keys.append(.bulk(entry.key))
            }
        }
        return .array(keys)
    }

    /// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type] (see `Keyspace+Scan.swift`).
    mutating func scan(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        let options = try CollectionScan(a, cursorAt: 1, takesType: true)
        var found: [Entry] = []
        let next = scan(cursor: options.cursor, count: options.count) { found.append($0) }
        var keys: [Reply] = []
        var expired: [Entry] = []
        for entry in found {
            if entry.isExpired(at: c.now) {
                if c.expiry == .primary { expired.append(entry) }
            } else if options.selects(entry.kind) && entry.withKey(options.matches) {
                keys.append(.bulk(entry.key))
            }
        }
        for entry in expired {
            entry.withKey { _ = remove($0) }
            e.append(.delete(key: entry.key))
        }
        return .array([.bulk(String(next)), .array(keys)])
    }

    /// FLUSHDB and FLUSHALL, with ASYNC or SYNC accepted (and the same).
    mutating func flush(_ a: Arguments, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        if a.count > 2 || (a.count == 2 && !a.matches(1, "async") && !a.matches(1, "sync")) {
            throw .syntax
        }
        if count > 0 {
            removeAll()
            e.append(a.matches(0, "flushall") ? .flushAll : .flushDatabase)
        }
        return .ok
    }
}
