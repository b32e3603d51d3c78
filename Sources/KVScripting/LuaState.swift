import CLua

/// One Lua 5.1 interpreter (Debian's liblua5.1): created with Lua's standard libraries (or
/// none, for `ScriptEngine`, which opens its sandbox's own), closed when released. Used from one thread at a time.
public final class LuaState {
    /// The C state; valid until `self` is released.
    public let pointer: OpaquePointer

    public init(openingStandardLibraries: Bool = true) {
        guard let state = luaL_newstate() else { fatalError("Lua could not allocate its state") }
        pointer = state
        if openingStandardLibraries { luaL_openlibs(state) }
    }

    deinit { lua_close(pointer) }

    /// Runs `source` as a chunk; the error message when it fails to load or run.
    public func run(_ source: String) -> String? {
        if kv_luaL_dostring(pointer, source) == 0 { return nil }
        let message = kv_lua_tostring(pointer, -1).map { String(cString: $0) } ?? "(no message)"
        kv_lua_pop(pointer, 1)
        return message
    }
}
