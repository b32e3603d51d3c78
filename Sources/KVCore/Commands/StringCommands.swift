/// GET, SET and their variants: whole values in, whole values out.
extension Keyspace {
    mutating func get(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        guard let entry = try liveString(a[1], context: c, effects: &e) else { return .null }
        return .value(entry)
    }

    mutating func set(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        if a.count == 3 {
            // The hot path: no options, nothing to look up first; the new entry replaces any old one.
            put(Entry.make(key: a[1], value: a[2], expiresAt: nil), &e)
            return .ok
        }
        let options = try SetOptions(a, from: 3, mode: .set)
        return try set(a, valueIndex: 2, options, command: "set", c, &e, success: .ok, aborted: .null)
    }

    mutating func setnx(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        var options = SetOptions.none
        options.nx = true
        return try set(a, valueIndex: 2, options, command: "setnx", c, &e, success: .integer(1), aborted: .integer(0))
    }

    /// SETEX key seconds value, PSETEX key milliseconds value.
    mutating func setex(
        _ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation], unit: TimeUnit
    ) throws(CommandError) -> Reply {
        var options = SetOptions.none
        options.expiry = SetOptions.Expiry(index: 2, unit: unit, absolute: false)
        let command = unit == .seconds ? "setex" : "psetex"
        return try set(a, valueIndex: 3, options, command: command, c, &e, success: .ok, aborted: .null)
    }

    /// Redis's `setGenericCommand`.
    private mutating func set(
        _ a: Arguments, valueIndex: Int, _ options: SetOptions, command: String,
        _ c: CommandContext, _ e: inout [WriteOperation], success: Reply, aborted: Reply
    ) throws(CommandError) -> Reply {
        var expiresAt = try options.expiry?.instant(a, now: c.now, command: command)
        let current = live(a[1], context: c, effects: &e)
        if options.get, let current, current.isObject { throw .wrongType }
        let old: Reply = current.map { .value($0) } ?? .null
        if (options.nx && current != nil) || (options.xx && current == nil) {
            return options.get ? old : aborted
        }
        if options.keepTTL { expiresAt = current?.expiresAt }
        put(Entry.make(key: a[1], value: a[valueIndex], expiresAt: expiresAt), &e)
        return options.get ? old : success
    }

    mutating func getset(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        let current = try liveString(a[1], context: c, effects: &e)
        put(Entry.make(key: a[1], value: a[2], expiresAt: nil), &e)
        return current.map { .value($0) } ?? .null
    }

    mutating func getdel(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        guard let current = try liveString(a[1], context: c, effects: &e) else { return .null }
        remove(a[1])
        e.append(.delete(key: current.key))
        return .value(current)
    }

    mutating func getex(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        let options = try SetOptions(a, from: 2, mode: .getex)
        guard let current = try liveString(a[1], context: c, effects: &e) else { return .null }
        if let expiry = options.expiry {
            let instant = try expiry.instant(a, now: c.now, command: "getex")
            if expiry.absolute && instant <= c.now && c.expiry == .primary {
                remove(a[1])
                e.append(.delete(key: current.key))
            } else {
                setExpiry(of: current, to: instant, &e)
            }
        } else if options.persist && current.expiresAt != nil {
            setExpiry(of: current, to: nil, &e)
        }
        return .value(current)
    }

    mutating func mget(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) -> Reply {
        var values: [Reply] = []
        values.reserveCapacity(a.count - 1)
        for index in 1..<a.count {
            // A key of another type reads as missing, as in Redis.
            values.append(live(a[index], context: c, effects: &e).flatMap { $0.isObject ? nil : .value($0) } ?? .null)
        }
        return .array(values)
    }

    mutating func mset(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        guard a.count % 2 == 1 else { throw .wrongArity("mset") }
        for index in stride(from: 1, to: a.count, by: 2) {
            put(Entry.make(key: a[index], value: a[index + 1], expiresAt: nil), &e)
        }
        return .ok
    }

    mutating func msetnx(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        guard a.count % 2 == 1 else { throw .wrongArity("msetnx") }
        for index in stride(from: 1, to: a.count, by: 2) where live(a[index], context: c, effects: &e) != nil {
            return .integer(0)
        }
        for index in stride(from: 1, to: a.count, by: 2) {
            put(Entry.make(key: a[index], value: a[index + 1], expiresAt: nil), &e)
        }
        return .integer(1)
    }

    /// Replaces `entry` by one with the same key and value and another expiry, and reports it.
    mutating func setExpiry(of entry: Entry, to instant: UnixMillis?, _ e: inout [WriteOperation]) {
        insert(entry.withExpiry(instant))
        e.append(.expire(key: entry.key, at: instant))
    }
}

extension SetOptions {
    /// No options.
    static var none: SetOptions { SetOptions() }

    private init() {}
}
