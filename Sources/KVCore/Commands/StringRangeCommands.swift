/// APPEND, STRLEN, GETRANGE, SETRANGE: commands on parts of a value.
extension Keyspace {
    mutating func append(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        let suffix = a[2]
        guard let current = try liveString(a[1], context: c, effects: &e) else {
            put(Entry.make(key: a[1], value: suffix, expiresAt: nil), &e)
            return .integer(Int64(suffix.count))
        }
        let total = current.valueCount + suffix.count
        if total > c.maxValueSize { throw .stringTooLong }
        if suffix.isEmpty { return .integer(Int64(total)) }
        let entry = Entry.make(key: a[1], valueCount: total, expiresAt: current.expiresAt) { value in
            current.withValue { value.copyMemory(from: $0) }
            UnsafeMutableRawBufferPointer(rebasing: value[current.valueCount...]).copyMemory(from: suffix)
        }
        put(entry, &e)
        return .integer(Int64(total))
    }

    mutating func strlen(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        .integer(Int64(try liveString(a[1], context: c, effects: &e)?.valueCount ?? 0))
    }

    /// Redis's `getrangeCommand`, negative indexes counting from the end.
    mutating func getrange(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        guard var start = a.integer(2), var end = a.integer(3) else { throw .notInteger }
        guard let current = try liveString(a[1], context: c, effects: &e) else { return .bulk([]) }
        let length = Int64(current.valueCount)
        if start < 0 && end < 0 && start > end { return .bulk([]) }
        if start < 0 { start += length }
        if end < 0 { end += length }
        start = max(start, 0)
        end = max(end, 0)
        if end >= length { end = length - 1 }
        if start > end || length == 0 { return .bulk([]) }
        return current.withValue { .bulk(Array($0[Int(start)...Int(end)])) }
    }

    /// Redis's `setrangeCommand`: overwrites from `offset`, zero-padding a gap.
    mutating func setrange(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        guard let offset64 = a.integer(2) else { throw .notInteger }
        if offset64 < 0 { throw CommandError("ERR offset is out of range") }
        let patch = a[3]
        let current = try liveString(a[1], context: c, effects: &e)
        if patch.isEmpty { return .integer(Int64(current?.valueCount ?? 0)) }
        let (end64, overflow) = offset64.addingReportingOverflow(Int64(patch.count))
        if overflow || end64 > Int64(c.maxValueSize) { throw .stringTooLong }
        let offset = Int(offset64)
        let oldCount = current?.valueCount ?? 0
        let total = max(oldCount, Int(end64))
        let entry = Entry.make(key: a[1], valueCount: total, expiresAt: current?.expiresAt) { value in
            value.initializeMemory(as: UInt8.self, repeating: 0)
            current?.withValue { value.copyMemory(from: $0) }
            UnsafeMutableRawBufferPointer(rebasing: value[offset..<(offset + patch.count)]).copyMemory(from: patch)
        }
        put(entry, &e)
        return .integer(Int64(total))
    }
}
