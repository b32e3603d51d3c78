import CLua

/// The libraries Redis adds to Lua's own for scripts in the wild: `cjson` and `bit`.
///
/// MERGE POINT (luadata helper): their open functions are registered here; this body is a
/// stub until that branch lands. Called once per interpreter, after the standard libraries
/// and before the sandbox makes every global table read-only.
enum LuaLibraries {
    /// Opens kv's extra libraries in `state` as globals.
    static func open(_ state: LuaState) {
        _ = state
    }
}
