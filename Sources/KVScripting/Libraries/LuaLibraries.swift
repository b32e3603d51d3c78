import CLua

/// The Lua libraries Redis embeds beside Lua's own, written in Swift because kv links one C
/// library only (Lua 5.1): `cjson` (lua-cjson 2.1.0) and `bit` (LuaBitOp 1.0.2). `cmsgpack`
/// and `struct` are not here (docs/scripting-libraries.md).
public enum LuaLibraries {
    /// Registers the globals `cjson` and `bit` in `state`, as Redis does for every script.
    public static func open(_ state: OpaquePointer) {
        LuaCJSON.pushModule(state)
        kv_lua_setglobal(state, "cjson")
        LuaBit.pushModule(state)
        kv_lua_setglobal(state, "bit")
    }
}

/// How a library function written in Swift ends. A Lua error is a `longjmp`, which must not
/// cross Swift frames that still own references: the Swift work returns one of these, and only
/// `LuaCall.finish`, called last from a C function with trivial locals only, raises.
enum LuaCall {
    /// Returned this many values (already pushed).
    case results(Int32)
    /// Failed; the whole message (position prefix included) is on top of the stack.
    case error
    /// Argument `n` was bad; the reason (`luaL_argerror`'s extra message) is on top of the stack.
    case argumentError(Int32)

    /// Returns the result count or raises the Lua error; for the last line of a C function.
    static func finish(_ state: OpaquePointer, _ outcome: LuaCall) -> Int32 {
        switch outcome {
        case .results(let count):
            return count
        case .error:
            return lua_error(state)
        case .argumentError(let argument):
            return luaL_argerror(state, argument, lua_tolstring(state, -1, nil))
        }
    }

    /// Pushes `message` as `luaL_error` would: prefixed with the calling Lua line's position.
    static func error(_ state: OpaquePointer, _ message: String) -> LuaCall {
        luaL_where(state, 1)
        push(state, message)
        lua_concat(state, 2)
        return .error
    }

    /// Pushes the reason for argument `argument`'s error.
    static func argumentError(_ state: OpaquePointer, _ argument: Int32, _ reason: String) -> LuaCall {
        push(state, reason)
        return .argumentError(argument)
    }

    /// `luaL_typerror`: "<expected> expected, got <type of argument>".
    static func typeError(_ state: OpaquePointer, _ argument: Int32, expected: String) -> LuaCall {
        let actual = String(cString: lua_typename(state, lua_type(state, argument)))
        return argumentError(state, argument, "\(expected) expected, got \(actual)")
    }

    /// Pushes a Swift string as a Lua string (bytes as they are).
    static func push(_ state: OpaquePointer, _ text: String) {
        var text = text
        text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { lua_pushlstring(state, $0.baseAddress, $0.count) }
        }
    }
}
