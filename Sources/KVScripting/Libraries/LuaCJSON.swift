import CLua

/// The `cjson` library as Redis 7.0 embeds it (lua-cjson 2.1.0): encode, decode, the seven
/// setting functions, `new`, `null`, `_NAME` and `_VERSION`. Each table made by
/// `pushModule` (the global one, or one from `cjson.new()`) shares one configuration userdata
/// among its functions as upvalue 1.
enum LuaCJSON {
    /// Pushes a new `cjson` table with its own default configuration.
    static func pushModule(_ state: OpaquePointer) {
        let functions: [(String, lua_CFunction)] = [
            ("encode", { LuaCJSON.run($0, LuaCJSONEncoder.encode) }),
            ("decode", { LuaCJSON.run($0, LuaCJSONDecoder.decode) }),
            ("encode_sparse_array", { LuaCJSON.run($0, LuaCJSONSettings.encodeSparseArray) }),
            ("encode_max_depth", { LuaCJSON.run($0, LuaCJSONSettings.encodeMaxDepth) }),
            ("decode_max_depth", { LuaCJSON.run($0, LuaCJSONSettings.decodeMaxDepth) }),
            ("encode_number_precision", { LuaCJSON.run($0, LuaCJSONSettings.encodeNumberPrecision) }),
            ("encode_keep_buffer", { LuaCJSON.run($0, LuaCJSONSettings.encodeKeepBuffer) }),
            ("encode_invalid_numbers", { LuaCJSON.run($0, LuaCJSONSettings.encodeInvalidNumbers) }),
            ("decode_invalid_numbers", { LuaCJSON.run($0, LuaCJSONSettings.decodeInvalidNumbers) }),
            ("new", { state in
                guard let state else { return 0 }
                LuaCJSON.pushModule(state)
                return 1
            }),
        ]
        lua_createtable(state, 0, Int32(functions.count + 3))
        LuaCJSONConfiguration.push(state)
        for (name, function) in functions {
            lua_pushvalue(state, -1)
            lua_pushcclosure(state, function, 1)
            lua_setfield(state, -3, name)
        }
        kv_lua_pop(state, 1)
        lua_pushlightuserdata(state, nil)
        lua_setfield(state, -2, "null")
        LuaCall.push(state, "cjson")
        lua_setfield(state, -2, "_NAME")
        LuaCall.push(state, "2.1.0")
        lua_setfield(state, -2, "_VERSION")
    }

    /// A C function's whole body: the Swift work, then the return or the raise.
    private static func run(_ state: OpaquePointer?, _ body: (OpaquePointer) -> LuaCall) -> Int32 {
        guard let state else { return 0 }
        return LuaCall.finish(state, body(state))
    }
}
