import CLua

/// The `bit` library (LuaBitOp 1.0.2, as Redis embeds it): 32-bit operations on Lua numbers.
/// Arguments are normalised as LuaBitOp does — add 2^52+2^51 to the double and keep the low 32
/// bits of its representation — so fractions round half to even and any number wraps modulo
/// 2^32; results are signed 32-bit numbers.
enum LuaBit {
    /// Pushes a new `bit` table with its twelve functions.
    static func pushModule(_ state: OpaquePointer) {
        let functions: [(String, lua_CFunction)] = [
            ("tobit", { LuaBit.run($0, LuaBit.tobit) }),
            ("bnot", { LuaBit.run($0, LuaBit.bnot) }),
            ("band", { LuaBit.run($0, LuaBit.band) }),
            ("bor", { LuaBit.run($0, LuaBit.bor) }),
            ("bxor", { LuaBit.run($0, LuaBit.bxor) }),
            ("lshift", { LuaBit.run($0, LuaBit.lshift) }),
            ("rshift", { LuaBit.run($0, LuaBit.rshift) }),
            ("arshift", { LuaBit.run($0, LuaBit.arshift) }),
            ("rol", { LuaBit.run($0, LuaBit.rol) }),
            ("ror", { LuaBit.run($0, LuaBit.ror) }),
            ("bswap", { LuaBit.run($0, LuaBit.bswap) }),
            ("tohex", { LuaBit.run($0, LuaBit.hex) }),
        ]
        lua_createtable(state, 0, Int32(functions.count))
        for (name, function) in functions {
            lua_pushcclosure(state, function, 0)
            lua_setfield(state, -2, name)
        }
    }

    /// What one call answers.
    private enum Answer {
        /// A 32-bit result, pushed as a signed number.
        case bits(UInt32)
        /// A string (tohex).
        case text(String)
    }

    /// An argument that is not a number: the index of the argument.
    private struct NotANumber: Error { let argument: Int32 }

    /// A C function's whole body: the operation, then the return or the raise.
    private static func run(_ state: OpaquePointer?, _ body: (OpaquePointer) throws(NotANumber) -> Answer) -> Int32 {
        guard let state else { return 0 }
        return LuaCall.finish(state, call(state, body))
    }

    private static func tobit(_ state: OpaquePointer) throws(NotANumber) -> Answer { .bits(try argument(state, 1)) }
    private static func bnot(_ state: OpaquePointer) throws(NotANumber) -> Answer { .bits(~(try argument(state, 1))) }
    private static func band(_ state: OpaquePointer) throws(NotANumber) -> Answer { .bits(try fold(state, &)) }
    private static func bor(_ state: OpaquePointer) throws(NotANumber) -> Answer { .bits(try fold(state, |)) }
    private static func bxor(_ state: OpaquePointer) throws(NotANumber) -> Answer { .bits(try fold(state, ^)) }
    private static func lshift(_ state: OpaquePointer) throws(NotANumber) -> Answer { try shift(state) { $0 << $1 } }
    private static func rshift(_ state: OpaquePointer) throws(NotANumber) -> Answer { try shift(state) { $0 >> $1 } }
    private static func arshift(_ state: OpaquePointer) throws(NotANumber) -> Answer {
        try shift(state) { UInt32(bitPattern: Int32(bitPattern: $0) >> $1) }
    }
    private static func rol(_ state: OpaquePointer) throws(NotANumber) -> Answer { try shift(state) { $0.rotatedLeft($1) } }
    private static func ror(_ state: OpaquePointer) throws(NotANumber) -> Answer { try shift(state) { $0.rotatedLeft((32 - $1) & 31) } }
    private static func bswap(_ state: OpaquePointer) throws(NotANumber) -> Answer { .bits((try argument(state, 1)).byteSwapped) }

    private static func call(_ state: OpaquePointer, _ body: (OpaquePointer) throws(NotANumber) -> Answer) -> LuaCall {
        do {
            switch try body(state) {
            case .bits(let bits): lua_pushnumber(state, lua_Number(Int32(bitPattern: bits)))
            case .text(let text): LuaCall.push(state, text)
            }
            return .results(1)
        } catch {
            return LuaCall.typeError(state, error.argument, expected: "number")
        }
    }

    /// LuaBitOp's `barg`: the argument's low 32 bits after adding 2^52+2^51 to the double.
    /// A non-number argument is an error only when this comes out 0, as in LuaBitOp.
    private static func argument(_ state: OpaquePointer, _ index: Int32) throws(NotANumber) -> UInt32 {
        let shifted = lua_tonumber(state, index) + 6_755_399_441_055_744.0
        let bits = UInt32(truncatingIfNeeded: shifted.bitPattern)
        if bits == 0 && lua_isnumber(state, index) == 0 { throw NotANumber(argument: index) }
        return bits
    }

    /// band/bor/bxor: the first argument, then the others from the last one down (LuaBitOp's
    /// order, which decides which bad argument is reported).
    private static func fold(_ state: OpaquePointer, _ combine: (UInt32, UInt32) -> UInt32) throws(NotANumber) -> UInt32 {
        var bits = try argument(state, 1)
        var index = lua_gettop(state)
        while index > 1 {
            bits = combine(bits, try argument(state, index))
            index -= 1
        }
        return bits
    }

    private static func shift(_ state: OpaquePointer, _ operation: (UInt32, UInt32) -> UInt32) throws(NotANumber) -> Answer {
        let bits = try argument(state, 1)
        let count = try argument(state, 2) & 31
        return .bits(operation(bits, count))
    }

    /// tohex(x [, n]): n hex digits (default 8, at most 8), upper case when n is negative.
    private static func hex(_ state: OpaquePointer) throws(NotANumber) -> Answer {
        var bits = try argument(state, 1)
        var count = lua_type(state, 2) == LUA_TNONE ? 8 : Int32(bitPattern: try argument(state, 2))
        var digits = Array("0123456789abcdef".utf8)
        if count < 0 {
            digits = Array("0123456789ABCDEF".utf8)
            // -Int32.min overflows in C; Redis's build answers 8 digits, as here.
            count = count == Int32.min ? 8 : -count
        }
        count = min(count, 8)
        var text = [UInt8](repeating: 0, count: Int(count))
        for position in text.indices.reversed() {
            text[position] = digits[Int(bits & 15)]
            bits >>= 4
        }
        return .text(String(decoding: text, as: UTF8.self))
    }
}

extension UInt32 {
    /// The bits rotated left by `count` (0...31).
    fileprivate func rotatedLeft(_ count: UInt32) -> UInt32 {
        count == 0 ? self : (self << count) | (self >> (32 - count))
    }
}
