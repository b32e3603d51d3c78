import CLua
import Glibc

/// `cjson.encode`: one Lua value to JSON text, byte for byte as Redis's lua-cjson 2.1.0 writes
/// it — numbers with printf's `%.<precision>g`, `/` and DEL escaped, tables as arrays when all
/// keys are positive integers and the array is not excessively sparse, object keys in `next`
/// order.
struct LuaCJSONEncoder {
    /// Why encoding stopped; the text is what lua-cjson's `luaL_error` says.
    struct Failure: Error { let message: String }

    let state: OpaquePointer
    let configuration: LuaCJSONConfiguration
    private(set) var output: [UInt8] = []

    init(state: OpaquePointer, configuration: LuaCJSONConfiguration) {
        self.state = state
        self.configuration = configuration
    }

    /// The C function's body: exactly one argument, encoded.
    static func encode(_ state: OpaquePointer) -> LuaCall {
        if lua_gettop(state) != 1 { return LuaCall.argumentError(state, 1, "expected 1 argument") }
        var encoder = LuaCJSONEncoder(state: state, configuration: LuaCJSONConfiguration.current(state).pointee)
        do {
            try encoder.appendValue()
        } catch {
            return LuaCall.error(state, error.message)
        }
        encoder.output.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { lua_pushlstring(state, $0.baseAddress, $0.count) }
        }
        return .results(1)
    }

    /// A table being written: an array with the next index to read, or an object (its
    /// current key is on the Lua stack above it).
    private enum Frame {
        case array(next: Int32, length: Int32)
        case object(first: Bool)
    }

    /// Appends the value on top of the stack and pops it (`json_append_data`). Iterative, with
    /// the Lua stack laid out as lua-cjson's recursion lays it out (so the same depth exhausts
    /// it), and no Swift recursion: nesting allowed by `encode_max_depth` cannot overflow the
    /// thread's stack.
    mutating func appendValue() throws(Failure) {
        var frames: [Frame] = []
        while true {
            // The value on top of the stack starts here.
            if lua_type(state, -1) == LUA_TTABLE {
                let depth = Int32(frames.count) + 1
                // Room for key, value and an error message, as lua-cjson checks.
                guard depth <= configuration.encodeMaxDepth, lua_checkstack(state, 3) != 0 else {
                    throw Failure(message: "Cannot serialise, excessive nesting (\(depth))")
                }
                let length = try arrayLength()
                if length > 0 {
                    output.append(UInt8(ascii: "["))
                    frames.append(.array(next: 1, length: length))
                } else {
                    output.append(UInt8(ascii: "{"))
                    lua_pushnil(state)
                    frames.append(.object(first: true))
                }
            } else {
                try appendScalar()
                kv_lua_pop(state, 1)
            }
            // Find the next value to write, closing the tables that are done.
            nextValue: while let frame = frames.last {
                switch frame {
                case .array(let next, let length):
                    if next > length {
                        output.append(UInt8(ascii: "]"))
                        frames.removeLast()
                        kv_lua_pop(state, 1)
                        continue nextValue
                    }
                    if next > 1 { output.append(UInt8(ascii: ",")) }
                    lua_rawgeti(state, -1, next)
                    frames[frames.count - 1] = .array(next: next + 1, length: length)
                    break nextValue
                case .object(let first):
                    if lua_next(state, -2) == 0 {
                        output.append(UInt8(ascii: "}"))
                        frames.removeLast()
                        kv_lua_pop(state, 1)
                        continue nextValue
                    }
                    if !first { output.append(UInt8(ascii: ",")) }
                    frames[frames.count - 1] = .object(first: false)
                    try appendKey()
                    break nextValue
                }
            }
            if frames.isEmpty { return }
        }
    }

    /// A value that is not a table.
    private mutating func appendScalar() throws(Failure) {
        switch lua_type(state, -1) {
        case LUA_TSTRING:
            appendString(at: -1)
        case LUA_TNUMBER:
            try appendNumber(at: -1)
        case LUA_TBOOLEAN:
            output += lua_toboolean(state, -1) != 0 ? Array("true".utf8) : Array("false".utf8)
        case LUA_TNIL:
            output += Array("null".utf8)
        case LUA_TLIGHTUSERDATA where lua_touserdata(state, -1) == nil:
            output += Array("null".utf8)
        default:
            throw failure(at: -1, "type not supported")
        }
    }

    /// An object's key (below its value on the stack) and the colon.
    private mutating func appendKey() throws(Failure) {
        switch lua_type(state, -2) {
        case LUA_TNUMBER:
            output.append(UInt8(ascii: "\""))
            try appendNumber(at: -2)
            output += Array("\":".utf8)
        case LUA_TSTRING:
            appendString(at: -2)
            output.append(UInt8(ascii: ":"))
        default:
            throw failure(at: -2, "table key must be a number or string")
        }
    }

    /// "Cannot serialise <type of the value at index>: <reason>".
    private func failure(at index: Int32, _ reason: String) -> Failure {
        let type = String(cString: lua_typename(state, lua_type(state, index)))
        return Failure(message: "Cannot serialise \(type): \(reason)")
    }

    /// `lua_array_length`: the array length of the table on top, or a value ≤ 0 for an object.
    /// The largest key is kept in a C `int`: keys of 2^31 and above become INT_MIN as x86's
    /// conversion makes them, so such tables are objects, as in Redis.
    private func arrayLength() throws(Failure) -> Int32 {
        var largest: Int32 = 0
        var items: Int32 = 0
        lua_pushnil(state)
        while lua_next(state, -2) != 0 {
            let key = lua_type(state, -2) == LUA_TNUMBER ? lua_tonumber(state, -2) : 0
            guard key != 0, key.rounded(.down) == key, key >= 1 else {
                kv_lua_pop(state, 2)
                return -1
            }
            if key > Double(largest) { largest = Self.cInt(key) }
            items &+= 1
            kv_lua_pop(state, 1)
        }
        let ratio = configuration.encodeSparseRatio
        if ratio > 0 && largest > items &* ratio && largest > configuration.encodeSparseSafe {
            if configuration.encodeSparseConvert == 0 { throw failure(at: -1, "excessively sparse array") }
            return -1
        }
        return largest
    }

    /// A whole, positive double converted to a C int as x86-64 does (out of range: INT_MIN).
    private static func cInt(_ value: Double) -> Int32 {
        value < 2_147_483_648.0 ? Int32(value) : Int32.min
    }

    /// `json_append_number`: NaN and ±Inf per `encode_invalid_numbers`, else `%.<precision>g`.
    private mutating func appendNumber(at index: Int32) throws(Failure) {
        let number = lua_tonumber(state, index)
        if !number.isFinite {
            switch configuration.encodeInvalidNumbers {
            case 0:
                throw failure(at: index, "must not be NaN or Inf")
            case 1:
                // lua-cjson writes "nan" itself: printf would say "-nan" for a negative NaN.
                if number.isNaN {
                    output += Array("nan".utf8)
                    return
                }
            default:
                output += Array("null".utf8)
                return
            }
        }
        let precision = configuration.encodeNumberPrecision
        // Fast path: `%.<p>g` writes an integer below 10^p as its plain digits (not -0).
        if number.rounded(.towardZero) == number, abs(number) < Self.powersOfTen[Int(precision)],
            !(number == 0 && number.sign == .minus) {
            output += String(Int64(number)).utf8
            return
        }
        output += Self.format(number, precision: precision)
    }

    /// 10^0 ... 10^14, exact in a double.
    private static let powersOfTen: [Double] = (0...14).map { pow(10, Double($0)) }

    /// printf's `%.<precision>g`, from the C library as lua-cjson's fpconv uses it.
    static func format(_ number: Double, precision: Int32) -> [UInt8] {
        var buffer = [CChar](repeating: 0, count: 32)
        let length = withVaList([number]) { arguments in
            buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, 32, "%.\(precision)g", arguments) }
        }
        return buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }
    }

    /// `json_append_string`: quoted, with Redis's cjson escapes.
    private mutating func appendString(at index: Int32) {
        var length = 0
        guard let text = lua_tolstring(state, index, &length) else { return }
        output.reserveCapacity(output.count + length + 2)
        output.append(UInt8(ascii: "\""))
        let escapes = Self.escapes
        let bytes = UnsafeRawBufferPointer(start: text, count: length)
        var plainStart = 0
        for (position, byte) in bytes.enumerated() {
            guard let escape = escapes[Int(byte)] else { continue }
            output += bytes[plainStart..<position]
            output += escape
            plainStart = position + 1
        }
        output += bytes[plainStart...]
        output.append(UInt8(ascii: "\""))
    }

    /// lua-cjson's `char2escape`: control characters, `"`, `\`, `/` and DEL; other bytes
    /// (UTF-8 included) pass as they are.
    private static let escapes: [[UInt8]?] = (0..<256).map { byte -> [UInt8]? in
        switch byte {
        case 8: Array("\\b".utf8)
        case 9: Array("\\t".utf8)
        case 10: Array("\\n".utf8)
        case 12: Array("\\f".utf8)
        case 13: Array("\\r".utf8)
        case 34: Array("\\\"".utf8)
        case 47: Array("\\/".utf8)
        case 92: Array("\\\\".utf8)
        case 0..<32, 127:
            Array("\\u00".utf8) + [hexDigit(byte >> 4), hexDigit(byte & 15)]
        default: nil
        }
    }

    private static func hexDigit(_ value: Int) -> UInt8 {
        Array("0123456789abcdef".utf8)[value]
    }
}
