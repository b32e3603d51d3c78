/// SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP: a string value as an array of bits (Redis's
/// `bitops.c`, as 7.0 answers, argument checks in its order).
extension Keyspace {
    /// Redis's `getBitOffsetFromArgument`: a bit offset within `proto-max-bulk-len` bytes; with
    /// `width` (BITFIELD), `#n` means n × width (multiplied as Redis does, wrapping).
    static func bitOffset(_ a: Arguments, _ index: Int, width: Int? = nil, _ c: CommandContext) throws(CommandError) -> Int {
        var argument = a[index]
        let hash = width != nil && argument.first == UInt8(ascii: "#")
        if hash { argument = UnsafeRawBufferPointer(rebasing: argument.dropFirst()) }
        guard var offset = IntegerText.parse(argument) else { throw .bitOffset }
        if hash, let width { offset = offset &* Int64(width) }
        guard offset >= 0 && offset >> 3 < Int64(c.maxValueSize) else { throw .bitOffset }
        return Int(offset)
    }

    mutating func setbit(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        let offset = try Self.bitOffset(a, 2, c)
        guard let on = a.integer(3), on & ~1 == 0 else { throw CommandError("ERR bit is not an integer or out of range") }
        let current = try liveString(a[1], context: c, effects: &e)
        let oldCount = current?.valueCount ?? 0
        let byte = offset >> 3
        let mask: UInt8 = 0x80 >> UInt8(offset & 7)
        let old = current?.withValue { byte < $0.count && $0[byte] & mask != 0 } ?? false
        if byte < oldCount && old == (on == 1) { return .integer(old ? 1 : 0) }
        let entry = Entry.make(key: a[1], valueCount: max(oldCount, byte + 1), expiresAt: current?.expiresAt) { value in
            value.initializeMemory(as: UInt8.self, repeating: 0)
            current?.withValue { value.copyMemory(from: $0) }
            if on == 1 { value[byte] |= mask } else { value[byte] &= ~mask }
        }
        put(entry, &e)
        return .integer(old ? 1 : 0)
    }

    mutating func getbit(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        let offset = try Self.bitOffset(a, 2, c)
        guard let current = try liveString(a[1], context: c, effects: &e) else { return .integer(0) }
        return .integer(current.withValue { Bitmap(bytes: $0).bit(offset) } ? 1 : 0)
    }

    /// BITCOUNT key [start end [BYTE|BIT]]. Redis 7.0 looks the key up before it reads the
    /// range: a missing key answers 0 whatever follows, a hash WRONGTYPE.
    mutating func bitcount(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        guard let current = try liveString(a[1], context: c, effects: &e) else { return .integer(0) }
        guard let range = try Self.bitRange(a, from: 2, length: current.valueCount, endOptional: false) else {
            return .integer(0)
        }
        return .integer(Int64(current.withValue { Bitmap(bytes: $0).population(range) }))
    }

    /// BITPOS key bit [start [end [BYTE|BIT]]].
    mutating func bitpos(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        guard let bit = a.integer(2) else { throw .notInteger }
        guard bit == 0 || bit == 1 else { throw CommandError("ERR The bit argument must be 1 or 0.") }
        guard let current = try liveString(a[1], context: c, effects: &e) else { return .integer(bit == 1 ? -1 : 0) }
        guard let range = try Self.bitRange(a, from: 3, length: current.valueCount, endOptional: true) else {
            return .integer(-1)
        }
        if let position = current.withValue({ Bitmap(bytes: $0).firstBit(bit == 1, in: range) }) {
            return .integer(Int64(position))
        }
        // Looking for a clear bit without an explicit end: the string is zero-padded on the right.
        return .integer(bit == 0 && a.count <= 4 ? Int64(range.upperBound + 1) : -1)
    }

    /// The bits that `[start [end [BYTE|BIT]]]` from argument `index` select in a string of
    /// `length` bytes (Redis's index conversion: negative counts from the end, clamped); nil
    /// when the range is empty. BITCOUNT needs both or neither of start and end.
    private static func bitRange(
        _ a: Arguments, from index: Int, length: Int, endOptional: Bool
    ) throws(CommandError) -> ClosedRange<Int>? {
        let given = a.count - index
        if given == 0 { return length == 0 ? nil : 0...(length * 8 - 1) }
        guard given <= 3 && (endOptional || given >= 2) else { throw .syntax }
        guard var start = a.integer(index) else { throw .notInteger }
        // BITCOUNT reads end before the unit, BITPOS the unit before end.
        var end = Int64(length) - 1
        if given >= 2 && !endOptional {
            guard let parsed = a.integer(index + 1) else { throw .notInteger }
            end = parsed
        }
        var inBits = false
        if given == 3 {
            if a.matches(index + 2, "bit") { inBits = true } else if !a.matches(index + 2, "byte") { throw .syntax }
        }
        if given >= 2 && endOptional {
            guard let parsed = a.integer(index + 1) else { throw .notInteger }
            end = parsed
        }
        let total = Int64(length) * (inBits ? 8 : 1)
        // BITCOUNT alone answers 0 for two negative indexes in the wrong order.
        if !endOptional && start < 0 && end < 0 && start > end { return nil }
        if start < 0 { start += total }
        if end < 0 { end += total }
        start = max(start, 0)
        end = max(end, 0)
        if end >= total { end = total - 1 }
        if start > end { return nil }
        return inBits ? Int(start)...Int(end) : Int(start * 8)...Int(end * 8 + 7)
    }

    /// BITOP AND|OR|XOR|NOT destkey key [key ...]: missing sources are empty strings, shorter
    /// ones zero-padded; the destination is replaced whatever its type (without expiry), or
    /// deleted when the result is empty.
    mutating func bitop(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        enum Operation { case and, or, xor, not }
        let operation: Operation
        if a.matches(1, "and") { operation = .and }
        else if a.matches(1, "or") { operation = .or }
        else if a.matches(1, "xor") { operation = .xor }
        else if a.matches(1, "not") { operation = .not }
        else { throw .syntax }
        if operation == .not && a.count != 4 { throw CommandError("ERR BITOP NOT must be called with a single source key.") }
        var sources: [Entry?] = []
        sources.reserveCapacity(a.count - 3)
        for index in 3..<a.count {
            sources.append(try liveString(a[index], context: c, effects: &e))
        }
        let length = sources.reduce(0) { max($0, $1?.valueCount ?? 0) }
        let destination = live(a[2], context: c, effects: &e)
        guard length > 0 else {
            if destination != nil {
                remove(a[2])
                e.append(.delete(key: Array(a[2])))
            }
            return .integer(0)
        }
        let entry = Entry.make(key: a[2], valueCount: length, expiresAt: nil) { result in
            result.initializeMemory(as: UInt8.self, repeating: 0)
            sources[0]?.withValue { result.copyMemory(from: $0) }
            if operation == .not {
                for index in 0..<length { result[index] = ~result[index] }
                return
            }
            for source in sources.dropFirst() {
                let count = source?.valueCount ?? 0
                source?.withValue { bytes in
                    switch operation {
                    case .and: for index in 0..<count { result[index] &= bytes[index] }
                    case .or: for index in 0..<count { result[index] |= bytes[index] }
                    case .xor: for index in 0..<count { result[index] ^= bytes[index] }
                    case .not: break
                    }
                }
                // AND with the zero padding of a shorter (or missing) source.
                if operation == .and && count < length {
                    UnsafeMutableRawBufferPointer(rebasing: result[count...]).initializeMemory(as: UInt8.self, repeating: 0)
                }
            }
        }
        // The same bytes already there, without an expiry: nothing changes, nothing is logged.
        if let destination, !destination.isObject, destination.expiresAt == nil,
           destination.withValue({ old in entry.withValue { old.elementsEqual($0) } }) {
            return .integer(Int64(length))
        }
        put(entry, &e)
        return .integer(Int64(length))
    }
}

extension CommandError {
    /// A bit offset that is not an integer, negative, or past `proto-max-bulk-len` bytes.
    static let bitOffset = CommandError("ERR bit offset is not an integer or out of range")
}
