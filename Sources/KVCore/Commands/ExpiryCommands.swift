/// EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST.
extension Keyspace {
    /// The NX/XX/GT/LT options of the EXPIRE family.
    struct ExpireConditions {
        var nx = false, xx = false, gt = false, lt = false

        /// Redis's `parseExtendedExpireArgumentsOrReply`.
        init(_ a: Arguments, from start: Int) throws(CommandError) {
            for index in start..<max(start, a.count) {
                if a.matches(index, "nx") {
                    nx = true
                } else if a.matches(index, "xx") {
                    xx = true
                } else if a.matches(index, "gt") {
                    gt = true
                } else if a.matches(index, "lt") {
                    lt = true
                } else {
                    throw CommandError("ERR Unsupported option \(CommandError.sanitized(a.string(index)))")
                }
            }
            if nx && (xx || gt || lt) {
                throw CommandError("ERR NX and XX, GT or LT options at the same time are not compatible")
            }
            if gt && lt { throw CommandError("ERR GT and LT options at the same time are not compatible") }
        }

        /// True when a key whose expiry is `current` (nil: none) may get `new`.
        func allow(current: Int64?, new: Int64) -> Bool {
            if nx && current != nil { return false }
            if xx && current == nil { return false }
            if gt { guard let current, new > current else { return false } }
            if lt, let current, new >= current { return false }
            return true
        }
    }

    /// Redis's `expireGenericCommand`. An instant already past deletes the key (on the primary).
    mutating func expire(
        _ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation], unit: TimeUnit, relative: Bool
    ) throws(CommandError) -> Reply {
        let conditions = try ExpireConditions(a, from: 3)
        guard var when = a.integer(2) else { throw .notInteger }
        if unit == .seconds {
            if when > Int64.max / 1000 || when < Int64.min / 1000 { throw .invalidExpireTime(a.lowercased(0)) }
            when *= 1000
        }
        let base = relative ? c.now.rawValue : 0
        if when > Int64.max - base { throw .invalidExpireTime(a.lowercased(0)) }
        when += base
        guard let current = live(a[1], context: c, effects: &e) else { return .integer(0) }
        guard conditions.allow(current: current.expiresAt?.rawValue, new: when) else { return .integer(0) }
        if when <= c.now.rawValue && c.expiry == .primary {
            remove(a[1])
            e.append(.delete(key: current.key))
        } else {
            // 0 would read as "no expiry"; any instant in the past means the same as another.
            setExpiry(of: current, to: UnixMillis(when == 0 ? -1 : when), &e)
        }
        return .integer(1)
    }

    /// TTL and PTTL (time left), EXPIRETIME and PEXPIRETIME (the instant): -2 for a missing
    /// key, -1 for a key without expiry; seconds are rounded to the nearest.
    mutating func ttl(
        _ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation], unit: TimeUnit, absolute: Bool
    ) -> Reply {
        guard let current = live(a[1], context: c, effects: &e) else { return .integer(-2) }
        guard let expiresAt = current.expiresAt else { return .integer(-1) }
        let value = max(0, absolute ? expiresAt.rawValue : expiresAt.rawValue - c.now.rawValue)
        if unit == .milliseconds { return .integer(value) }
        return .integer(value / 1000 + (value % 1000 >= 500 ? 1 : 0))
    }

    mutating func persist(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) -> Reply {
        guard let current = live(a[1], context: c, effects: &e), current.expiresAt != nil else { return .integer(0) }
        setExpiry(of: current, to: nil, &e)
        return .integer(1)
    }
}
