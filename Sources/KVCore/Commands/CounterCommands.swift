/// INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT: values read as numbers, written back as text.
/// The expiry of the key is kept; the effect is the `.put` of the new value.
extension Keyspace {
    mutating func incrby(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        guard let increment = a.integer(2) else { throw .notInteger }
        return try incrementBy(a, c, &e, increment)
    }

    mutating func decrby(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        guard let decrement = a.integer(2) else { throw .notInteger }
        // Negating Int64.min overflows.
        if decrement == .min { throw CommandError("ERR decrement would overflow") }
        return try incrementBy(a, c, &e, -decrement)
    }

    /// Redis's `incrDecrCommand`.
    mutating func incrementBy(
        _ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation], _ increment: Int64
    ) throws(CommandError) -> Reply {
        let current = try liveString(a[1], context: c, effects: &e)
        var old: Int64 = 0
        if let current {
            guard let value = current.withValue(IntegerText.parse) else { throw .notInteger }
            old = value
        }
        let (new, overflow) = old.addingReportingOverflow(increment)
        if overflow { throw .overflow }
        let entry = IntegerText.withDigits(new) { digits in
            Entry.make(key: a[1], value: digits, expiresAt: current?.expiresAt)
        }
        put(entry, &e)
        return .integer(new)
    }

    /// Redis's `incrbyfloatCommand`: long double arithmetic, written with 17 decimals and
    /// trailing zeros removed.
    mutating func incrbyfloat(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        let current = try liveString(a[1], context: c, effects: &e)
        var value: FloatText.Value = 0
        if let current {
            guard let old = current.withValue(FloatText.parse) else { throw .notFloat }
            value = old
        }
        guard let increment = FloatText.parse(a[2]) else { throw .notFloat }
        value += increment
        if value.isNaN || value.isInfinite { throw .nanOrInfinity }
        let text = FloatText.format(value)
        let entry = text.withUnsafeBytes { Entry.make(key: a[1], value: $0, expiresAt: current?.expiresAt) }
        put(entry, &e)
        return .bulk(text)
    }
}

extension IntegerText {
    /// Calls `body` with the decimal digits of `value`, written on the stack.
    static func withDigits<R>(_ value: Int64, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var magnitude = value.magnitude
            var start = 20
            repeat {
                start -= 1
                buffer[start] = 48 &+ UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                start -= 1
                buffer[start] = UInt8(ascii: "-")
            }
            return body(UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[start...])))
        }
    }
}
