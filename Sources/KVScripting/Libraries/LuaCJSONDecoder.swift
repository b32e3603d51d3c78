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
        /// A string's bytes when it had escapes; without, the string is `text[start..<end]`.
        var unescaped: [UInt8]?
        var start = 0
        var end = 0
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

    /// A table being read: an array with the index its next item takes, or an object (the
    /// pending key is on the Lua stack above it).
    private enum Frame {
        case array(next: Int32)
        case object
    }

    /// Pushes the value `token` starts (`json_process_value` and the two contexts). Iterative,
    /// with the Lua stack laid out as lua-cjson's recursion lays it out (so the same depth
    /// exhausts it), and no Swift recursion: nesting allowed by `decode_max_depth` cannot
    /// overflow the thread's stack.
    private mutating func pushValue(_ first: Token) throws(Failure) {
        var frames: [Frame] = []
        var token = first
        while true {
            // `token` starts a value.
            var complete = true
            switch token.kind {
            case .string:
                pushString(token)
            case .number:
                lua_pushnumber(state, token.number)
            case .boolean:
                lua_pushboolean(state, token.boolean ? 1 : 0)
            case .null:
                lua_pushlightuserdata(state, nil)
            case .objectBegin:
                try descend(slots: 3)
                kv_lua_newtable(state)
                token = nextToken()
                if token.kind == .objectEnd {
                    depth -= 1
                } else {
                    frames.append(.object)
                    token = try memberKey(token)
                    complete = false
                }
            case .arrayBegin:
                try descend(slots: 2)
                kv_lua_newtable(state)
                token = nextToken()
                if token.kind == .arrayEnd {
                    depth -= 1
                } else {
                    frames.append(.array(next: 1))
                    complete = false
                }
            default:
                throw failure(expected: "value", found: token)
            }
            if !complete { continue }
            // A value is on top: store it in its table, closing the tables that end here.
            store: while let frame = frames.last {
                switch frame {
                case .array(let index):
                    lua_rawseti(state, -2, index)
                    token = nextToken()
                    if token.kind == .arrayEnd {
                        frames.removeLast()
                        depth -= 1
                        continue store
                    }
                    guard token.kind == .comma else { throw failure(expected: "comma or array end", found: token) }
                    frames[frames.count - 1] = .array(next: index &+ 1)
                    token = nextToken()
                    break store
                case .object:
                    lua_rawset(state, -3)
                    token = nextToken()
                    if token.kind == .objectEnd {
                        frames.removeLast()
                        depth -= 1
                        continue store
                    }
                    guard token.kind == .comma else { throw failure(expected: "comma or object end", found: token) }
                    token = try memberKey(nextToken())
                    break store
                }
            }
            if frames.isEmpty { return }
        }
    }

    /// An object member's key (pushed) and colon; answers the token that starts its value.
    private mutating func memberKey(_ token: Token) throws(Failure) -> Token {
        guard token.kind == .string else { throw failure(expected: "object key string", found: token) }
        pushString(token)
        let colon = nextToken()
        guard colon.kind == .colon else { throw failure(expected: "colon", found: colon) }
        return nextToken()
    }

    private func pushString(_ token: Token) {
        if let bytes = token.unescaped {
            bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { lua_pushlstring(state, $0.baseAddress, $0.count) }
            }
        } else {
            lua_pushlstring(state, text + token.start, token.end - token.start)
        }
    }

    /// `json_decode_descend`: one level deeper, within `decode_max_depth` and Lua's stack.
    private mutating func descend(slots: Int32) throws(Failure) {
        depth += 1
        guard depth <= configuration.decodeMaxDepth, lua_checkstack(state, slots) != 0 else {
            throw Failure(message: "Found too many nested data structures (\(depth)) at character \(position)")
        }
    }
}
