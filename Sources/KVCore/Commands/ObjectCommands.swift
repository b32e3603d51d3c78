/// TOUCH, OBJECT, MEMORY USAGE, DUMP and RESTORE: what a key holds, as Redis 7.0 reports it.
extension Keyspace {
    mutating func touch(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) -> Reply {
        .integer(Int64((1..<a.count).filter { live(a[$0], context: c, effects: &e) != nil }.count))
    }

    /// OBJECT ENCODING: a string is `int` (a 64-bit integer's digits, as Redis stores it),
    /// `embstr` (up to 44 bytes) or `raw`; a collection its encoding's name (`listpack`, …).
    mutating func objectEncoding(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) -> Reply {
        guard let entry = live(a[2], context: c, effects: &e) else { return .null }
        if let object = entry.object { return .bulk(object.encodingName) }
        return .bulk(entry.withValue(Self.stringEncoding))
    }

    static func stringEncoding(_ value: UnsafeRawBufferPointer) -> String {
        if value.count <= 20, let number = IntegerText.parse(value), IntegerText.bytes(number).elementsEqual(value) { return "int" }
        return value.count <= 44 ? "embstr" : "raw"
    }

    /// OBJECT REFCOUNT: Redis shares one object for each integer 0–9999 (and reports INT_MAX
    /// for it); every other value has one reference.
    mutating func objectRefcount(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) -> Reply {
        guard let entry = live(a[2], context: c, effects: &e) else { return .null }
        let shared = !entry.isObject && entry.withValue { value in
            value.count <= 4 && IntegerText.parse(value).map { (0..<10_000).contains($0) && IntegerText.bytes($0).elementsEqual(value) } == true
        }
        return .integer(shared ? Int64(Int32.max) : 1)
    }

    /// OBJECT FREQ and IDLETIME: kv keeps no access times or counters (it evicts nothing:
    /// `--max-memory` refuses writes, as Redis's `noeviction`). FREQ answers Redis's own error
    /// for a server without an LFU policy; IDLETIME says plainly that kv does not track it.
    mutating func objectFreq(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        guard live(a[2], context: c, effects: &e) != nil else { return .null }
        throw CommandError("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
    }

    mutating func objectIdletime(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        guard live(a[2], context: c, effects: &e) != nil else { return .null }
        throw CommandError("ERR kv does not track access times: OBJECT IDLETIME is not available (see docs/protocol.md)")
    }

    /// MEMORY USAGE key [SAMPLES n]: the entry's bytes as the allocator sees them (its block,
    /// a collection's structures) plus its slot; kv's own estimate, not Redis's numbers.
    mutating func memoryUsage(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        var index = 3
        while index < a.count {
            guard a.matches(index, "samples"), index + 1 < a.count else { throw .syntax }
            guard let samples = a.integer(index + 1) else { throw .notInteger }
            if samples < 0 { throw .syntax }
            index += 2
        }
        guard let entry = live(a[2], context: c, effects: &e) else { return .null }
        return .integer(Int64(entry.footprint + MemoryLayout<Entry?>.stride + MemoryLayout<UInt8>.stride))
    }

    mutating func dump(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) -> Reply {
        guard let entry = live(a[1], context: c, effects: &e) else { return .null }
        return .bulk(DumpPayload.encode(entry))
    }

    /// RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f], as Redis 7.0's
    /// `restoreCommand`: the options first, then BUSYKEY, then the TTL, then the payload.
    mutating func restore(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        var replace = false
        var absolute = false
        var index = 4
        while index < a.count {
            if a.matches(index, "replace") {
                replace = true
            } else if a.matches(index, "absttl") {
                absolute = true
            } else if a.matches(index, "idletime"), index + 1 < a.count {
                guard let idle = a.integer(index + 1) else { throw .notInteger }
                if idle < 0 { throw CommandError("ERR Invalid IDLETIME value, must be >= 0") }
                index += 1
            } else if a.matches(index, "freq"), index + 1 < a.count {
                guard let frequency = a.integer(index + 1) else { throw .notInteger }
                if frequency < 0 || frequency > 255 { throw CommandError("ERR Invalid FREQ value, must be >= 0 and <= 255") }
                index += 1
            } else {
                throw .syntax
            }
            index += 1
        }
        let existing = live(a[1], context: c, effects: &e)
        if existing != nil && !replace { throw CommandError("BUSYKEY Target key name already exists.") }
        guard let ttl = a.integer(2) else { throw .notInteger }
        if ttl < 0 { throw CommandError("ERR Invalid TTL value, must be >= 0") }
        var expiresAt: UnixMillis?
        if ttl > 0 {
            let (instant, overflow) = absolute ? (ttl, false) : c.now.rawValue.addingReportingOverflow(ttl)
            expiresAt = UnixMillis(overflow ? Int64.max : instant)
        }
        let entry = try DumpPayload.decode(a[3], key: a[1], expiresAt: expiresAt)
        if let expiresAt, expiresAt <= c.now {
            // Already expired: nothing is created (a replaced key is deleted), as Redis.
            if existing != nil {
                remove(a[1])
                e.append(.delete(key: a.bytes(1)))
            }
            return .ok
        }
        put(entry, &e)
        return .ok
    }
}
