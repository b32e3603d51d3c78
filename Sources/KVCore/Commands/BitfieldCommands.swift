/// BITFIELD and BITFIELD_RO: integers of 1 to 64 bits at any bit offset of a string (Redis's
/// `bitfieldGeneric`). Every operation is parsed before the key is read; the writes then run
/// in order on one new value, logged once as a `.put` if any of them changed a bit.
extension Keyspace {
    /// One parsed BITFIELD operation.
    struct BitfieldOperation {
        enum Kind { case get, set, incrby }
        /// What `INCRBY`/`SET` do when the result does not fit (Redis's `BFOVERFLOW_*`).
        enum Overflow { case wrap, sat, fail }

        var kind: Kind
        var overflow: Overflow
        var signed: Bool
        var width: Int
        var offset: Int
        /// The value of SET, the increment of INCRBY.
        var operand: Int64
    }

    mutating func bitfield(
        _ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation], readOnly: Bool
    ) throws(CommandError) -> Reply {
        let operations = try Self.bitfieldOperations(a, c)
        let writes = operations.contains { $0.kind != .get }
        if readOnly && writes { throw CommandError("ERR BITFIELD_RO only supports the GET subcommand") }
        let current = try liveString(a[1], context: c, effects: &e)
        guard writes else {
            let read = { (bytes: UnsafeRawBufferPointer) -> Reply in
                .array(operations.map { .integer(Self.read($0, Bitmap(bytes: bytes))) })
            }
            return current?.withValue(read) ?? read(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        let highest = operations.filter { $0.kind != .get }.map { $0.offset + $0.width - 1 }.max()!
        let oldCount = current?.valueCount ?? 0
        let count = max(oldCount, highest >> 3 + 1)
        var replies: [Reply] = []
        var changed = count > oldCount
        let entry = Entry.make(key: a[1], valueCount: count, expiresAt: current?.expiresAt) { value in
            value.initializeMemory(as: UInt8.self, repeating: 0)
            current?.withValue { value.copyMemory(from: $0) }
            for operation in operations {
                let bitmap = Bitmap(bytes: UnsafeRawBufferPointer(value))
                guard operation.kind != .get else {
                    replies.append(.integer(Self.read(operation, bitmap)))
                    continue
                }
                let old = bitmap.unsigned(at: operation.offset, width: operation.width)
                guard let (new, reply) = Self.result(of: operation, old: old) else {
                    replies.append(.null)
                    continue
                }
                replies.append(.integer(reply))
                Bitmap.write(new, width: operation.width, at: operation.offset, into: value)
                if new & Self.mask(operation.width) != old { changed = true }
            }
        }
        if changed { put(entry, &e) }
        return .array(replies)
    }

    /// The integer a GET reads.
    private static func read(_ operation: BitfieldOperation, _ bitmap: Bitmap) -> Int64 {
        operation.signed
            ? bitmap.signed(at: operation.offset, width: operation.width)
            : Int64(bitmap.unsigned(at: operation.offset, width: operation.width))
    }

    private static func mask(_ width: Int) -> UInt64 { width == 64 ? .max : (1 << UInt64(width)) - 1 }

    /// What SET or INCRBY writes (its low `width` bits) and answers, given the field's `old`
    /// bits; nil when the result overflows under OVERFLOW FAIL (nothing written, a null answered).
    private static func result(of operation: BitfieldOperation, old: UInt64) -> (write: UInt64, reply: Int64)? {
        let width = operation.width
        if operation.signed {
            var oldValue = Int64(bitPattern: old)
            if width < 64 && old & (1 << UInt64(width - 1)) != 0 { oldValue = Int64(bitPattern: old | UInt64.max << UInt64(width)) }
            let isIncrement = operation.kind == .incrby
            let (value, increment) = isIncrement ? (oldValue, operation.operand) : (operation.operand, 0)
            let (overflowed, limit) = signedOverflow(value, increment, width: width, operation.overflow)
            if overflowed && operation.overflow == .fail { return nil }
            let new = overflowed ? limit : value &+ increment
            return (UInt64(bitPattern: new), isIncrement ? new : oldValue)
        }
        let isIncrement = operation.kind == .incrby
        let (value, increment) = isIncrement ? (old, operation.operand) : (UInt64(bitPattern: operation.operand), 0)
        let (overflowed, limit) = unsignedOverflow(value, increment, width: width, operation.overflow)
        if overflowed && operation.overflow == .fail { return nil }
        let new = overflowed ? limit : value &+ UInt64(bitPattern: increment)
        return (new, Int64(bitPattern: isIncrement ? new : old))
    }

    /// Redis's `checkUnsignedBitfieldOverflow`: whether `value + increment` leaves `width`
    /// bits, and the value WRAP or SAT makes of it.
    private static func unsignedOverflow(
        _ value: UInt64, _ increment: Int64, width: Int, _ mode: BitfieldOperation.Overflow
    ) -> (Bool, UInt64) {
        let max = mask(width)
        let maxIncrement = Int64(bitPattern: max &- value)
        let minIncrement = Int64(bitPattern: 0 &- value)
        let wrapped = (value &+ UInt64(bitPattern: increment)) & max
        if value > max || (increment > 0 && increment > maxIncrement) {
            return (true, mode == .sat ? max : wrapped)
        }
        if increment < 0 && increment < minIncrement {
            return (true, mode == .sat ? 0 : wrapped)
        }
        return (false, 0)
    }

    /// Redis's `checkSignedBitfieldOverflow`, two's complement in `width` bits.
    private static func signedOverflow(
        _ value: Int64, _ increment: Int64, width: Int, _ mode: BitfieldOperation.Overflow
    ) -> (Bool, Int64) {
        let max: Int64 = width == 64 ? .max : (1 << Int64(width - 1)) - 1
        let min = -max - 1
        let maxIncrement = Int64(bitPattern: UInt64(bitPattern: max) &- UInt64(bitPattern: value))
        let minIncrement = min &- value
        var wrapped = UInt64(bitPattern: value) &+ UInt64(bitPattern: increment)
        if width < 64 {
            let high = UInt64.max << UInt64(width)
            wrapped = wrapped & (1 << UInt64(width - 1)) != 0 ? wrapped | high : wrapped & ~high
        }
        if value > max || (width != 64 && increment > maxIncrement) || (value >= 0 && increment > 0 && increment > maxIncrement) {
            return (true, mode == .sat ? max : Int64(bitPattern: wrapped))
        }
        if value < min || (width != 64 && increment < minIncrement) || (value < 0 && increment < 0 && increment < minIncrement) {
            return (true, mode == .sat ? min : Int64(bitPattern: wrapped))
        }
        return (false, 0)
    }

    /// Parses `GET type offset`, `SET type offset value`, `INCRBY type offset increment` and
    /// `OVERFLOW WRAP|SAT|FAIL` from argument 2 on, failing at the first bad one as Redis does.
    private static func bitfieldOperations(_ a: Arguments, _ c: CommandContext) throws(CommandError) -> [BitfieldOperation] {
        var operations: [BitfieldOperation] = []
        var overflow = BitfieldOperation.Overflow.wrap
        var index = 2
        while index < a.count {
            let remaining = a.count - index - 1
            let kind: BitfieldOperation.Kind
            if a.matches(index, "get") && remaining >= 2 {
                kind = .get
            } else if a.matches(index, "set") && remaining >= 3 {
                kind = .set
            } else if a.matches(index, "incrby") && remaining >= 3 {
                kind = .incrby
            } else if a.matches(index, "overflow") && remaining >= 1 {
                if a.matches(index + 1, "wrap") { overflow = .wrap }
                else if a.matches(index + 1, "sat") { overflow = .sat }
                else if a.matches(index + 1, "fail") { overflow = .fail }
                else { throw CommandError("ERR Invalid OVERFLOW type specified") }
                index += 2
                continue
            } else {
                throw .syntax
            }
            let (signed, width) = try bitfieldType(a[index + 1])
            let offset = try bitOffset(a, index + 2, width: width, c)
            var operand: Int64 = 0
            if kind != .get {
                guard let value = a.integer(index + 3) else { throw .notInteger }
                operand = value
            }
            operations.append(BitfieldOperation(
                kind: kind, overflow: overflow, signed: signed, width: width, offset: offset, operand: operand))
            index += kind == .get ? 3 : 4
        }
        return operations
    }

    /// Redis's `getBitfieldTypeFromArgument`: `i1`…`i64` or `u1`…`u63` (read up to a NUL,
    /// as Redis reads it with `strlen`).
    private static func bitfieldType(_ argument: UnsafeRawBufferPointer) throws(CommandError) -> (signed: Bool, width: Int) {
        let text = argument.prefix { $0 != 0 }
        guard let sign = text.first, sign == UInt8(ascii: "i") || sign == UInt8(ascii: "u"),
              let width = IntegerText.parse(UnsafeRawBufferPointer(rebasing: argument[1..<text.count])),
              width >= 1 && width <= (sign == UInt8(ascii: "i") ? 64 : 63)
        else {
            throw CommandError("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.")
        }
        return (sign == UInt8(ascii: "i"), Int(width))
    }
}
