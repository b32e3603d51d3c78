import CLua
import Glibc

/// `cjson.decode`: JSON text to Lua values as Redis's lua-cjson 2.1.0 reads it — `null` as
/// `cjson.null` (a NULL light userdata), numbers by the C library's `strtod` (so hex, `inf`
/// and `nan` pass unless `decode_invalid_numbers` is off), the same error messages with the
/// same 1-based character positions. A NUL byte ends the text, as in C.
struct LuaCJSONDecoder {
    /// Why decoding stopped; the text is what lua-cjson's `luaL_error` says.
    struct Failure: Error { let message: String }

    /// A token (`json_token_t`); `position` is its 0-based offset in the text.
    struct Token {
        enum Kind: String {
            case objectBegin = "T_OBJ_BEGIN", objectEnd = "T_OBJ_END", arrayBegin = "T_ARR_BEGIN"
            case arrayEnd = "T_ARR_END", string = "T_STRING", number = "T_NUMBER", boolean = "T_BOOLEAN"
            case null = "T_NULL", colon = "T_COLON", comma = "T_COMMA", end = "T_END"
        }
        /// The kind, or nil for an error token (then `error` says which).
        var kind: Kind?
        var position: Int
        var error = ""
        var number = 0.0
        var boolean = false
        var string: [UInt8] = []
    }

    private let state: OpaquePointer
    let configuration: LuaCJSONConfiguration
    /// The text, NUL-terminated (Lua guarantees the byte after the end).
    let text: UnsafePointer<CChar>
    let length: Int
    var position = 0
    private var depth: Int32 = 0

    /// The C function's body: exactly one string (or number) argument, decoded.
    static func decode(_ state: OpaquePointer) -> LuaCall {
        if lua_gettop(state) != 1 { return LuaCall.argumentError(state, 1, "expected 1 argument") }
        var length = 0
        guard lua_isstring(state, 1) != 0, let text = lua_tolstring(state, 1, &length) else {
            return LuaCall.typeError(state, 1, expected: "string")
        }
        if length >= 2 && (text[0] == 0 || text[1] == 0) {
            return LuaCall.error(state, "JSON parser does not support UTF-16 or UTF-32")
        }
        var decoder = LuaCJSONDecoder(
            state: state, configuration: LuaCJSONConfiguration.current(state).pointee, text: text, length: length)
        do throws(Failure) {
            var token = decoder.nextToken()
            try decoder.pushValue(token)
            token = decoder.nextToken()
            if token.kind != .end { throw decoder.failure(expected: "the end", found: token) }
        } catch {
            return LuaCall.error(state, error.message)
        }
        return .results(1)
    }

    private init(state: OpaquePointer, configuration: LuaCJSONConfiguration, text: UnsafePointer<CChar>, length: Int) {
        self.state = state
        self.configuration = configuration
        self.text = text
        self.length = length
    }

    func byte(_ offset: Int) -> UInt8 {
        offset < length ? UInt8(bitPattern: text[offset]) : 0
    }

    private func failure(expected: String, found token: Token) -> Failure {
        let found = token.kind?.rawValue ?? token.error
        return Failure(message: "Expected \(expected) but found \(found) at character \(token.position + 1)")
    }

    // MARK: Values

    /// `json_process_value`: pushes the value `token` starts.
    private mutating func pushValue(_ token: Token) throws(Failure) {
        switch token.kind {
        case .string:
            token.string.withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { lua_pushlstring(state, $0.baseAddress, $0.count) }
            }
        case .number:
            lua_pushnumber(state, token.number)
        case .boolean:
            lua_pushboolean(state, token.boolean ? 1 : 0)
        case .objectBegin:
            try pushObject()
        case .arrayBegin:
            try pushArray()
        case .null:
            lua_pushlightuserdata(state, nil)
        default:
            throw failure(expected: "value", found: token)
        }
    }

    /// `json_decode_descend`: one level deeper, within `decode_max_depth` and Lua's stack.
    private mutating func descend(slots: Int32) throws(Failure) {
        depth += 1
        guard depth <= configuration.decodeMaxDepth, lua_checkstack(state, slots) != 0 else {
            throw Failure(message: "Found too many nested data structures (\(depth)) at character \(position)")
        }
    }

    private mutating func pushObject() throws(Failure) {
        try descend(slots: 3)
        kv_lua_newtable(state)
        var token = nextToken()
        if token.kind == .objectEnd {
            depth -= 1
            return
        }
        while true {
            guard token.kind == .string else { throw failure(expected: "object key string", found: token) }
            token.string.withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { lua_pushlstring(state, $0.baseAddress, $0.count) }
            }
            token = nextToken()
            guard token.kind == .colon else { throw failure(expected: "colon", found: token) }
            try pushValue(nextToken())
            lua_rawset(state, -3)
            token = nextToken()
            if token.kind == .objectEnd {
                depth -= 1
                return
            }
            guard token.kind == .comma else { throw failure(expected: "comma or object end", found: token) }
            token = nextToken()
        }
    }

    private mutating func pushArray() throws(Failure) {
        try descend(slots: 2)
        kv_lua_newtable(state)
        var token = nextToken()
        if token.kind == .arrayEnd {
            depth -= 1
            return
        }
        var index: Int32 = 1
        while true {
            try pushValue(token)
            lua_rawseti(state, -2, index)
            token = nextToken()
            if token.kind == .arrayEnd {
                depth -= 1
                return
            }
            guard token.kind == .comma else { throw failure(expected: "comma or array end", found: token) }
            token = nextToken()
            index &+= 1
        }
    }
}
