import CLua
@testable import KVScripting

/// A Lua state with kv's `cjson` and `bit` opened, running chunks under the name Redis gives
/// scripts (`@user_script`), so error positions read "user_script:1:" as in Redis.
final class LibraryLua {
    let lua = LuaState()

    init() { LuaLibraries.open(lua.pointer) }

    /// Runs `source`; its first result as a string (nil and other types by name), or
    /// "error: <message>" when it fails.
    func evaluate(_ source: String) -> String {
        let state = lua.pointer
        let top = lua_gettop(state)
        defer { lua_settop(state, top) }
        var status = luaL_loadbuffer(state, source, source.utf8.count, "@user_script")
        if status == 0 { status = lua_pcall(state, 0, 1, 0) }
        var length = 0
        let text = lua_isstring(state, -1) != 0
            ? lua_tolstring(state, -1, &length).map { String(decoding: UnsafeRawBufferPointer(start: $0, count: length), as: UTF8.self) }
            : String(cString: lua_typename(state, lua_type(state, -1)))
        return status == 0 ? text ?? "?" : "error: \(text ?? "?")"
    }
}
