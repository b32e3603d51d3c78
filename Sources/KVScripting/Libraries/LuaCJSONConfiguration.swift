import CLua

/// One `cjson` table's settings (lua-cjson 2.1.0's `json_config_t`, defaults as Redis has them).
/// Lives in a Lua full userdata that is upvalue 1 of each of the table's functions, so
/// `cjson.new()` tables have settings of their own; plain values only (Lua owns the memory).
struct LuaCJSONConfiguration {
    var encodeSparseConvert: Int32 = 0
    var encodeSparseRatio: Int32 = 2
    var encodeSparseSafe: Int32 = 10
    var encodeMaxDepth: Int32 = 1000
    var decodeMaxDepth: Int32 = 1000
    /// 0 refuse NaN/Inf, 1 write them as printf does ("nan" for any NaN), 2 write `null`.
    var encodeInvalidNumbers: Int32 = 0
    var decodeInvalidNumbers: Int32 = 1
    /// Kept for `encode_keep_buffer`'s answers; kv's encoder builds a fresh buffer each call.
    var encodeKeepBuffer: Int32 = 1
    var encodeNumberPrecision: Int32 = 14

    /// Pushes a userdata holding the default configuration.
    static func push(_ state: OpaquePointer) {
        let memory = lua_newuserdata(state, MemoryLayout<Self>.size)!
        memory.initializeMemory(as: Self.self, repeating: Self(), count: 1)
    }

    /// The configuration of the running C function (its upvalue 1).
    static func current(_ state: OpaquePointer) -> UnsafeMutablePointer<Self> {
        lua_touserdata(state, kv_lua_upvalueindex(1))!.assumingMemoryBound(to: Self.self)
    }
}

/// The setting functions (`cjson.encode_max_depth(...)` and the others), following
/// lua-cjson's `json_integer_option`/`json_enum_option`: each argument is applied in turn, so
/// an error in a later one leaves the earlier ones set, as in Redis.
enum LuaCJSONSettings {
    static func encodeSparseArray(_ state: OpaquePointer) -> LuaCall {
        let configuration = LuaCJSONConfiguration.current(state)
        if let failure = arguments(state, atMost: 3) { return failure }
        if let failure = enumOption(state, 1, &configuration.pointee.encodeSparseConvert, options: nil) { return failure }
        if let failure = integerOption(state, 2, &configuration.pointee.encodeSparseRatio, 0, Int32.max) { return failure }
        if let failure = integerOption(state, 3, &configuration.pointee.encodeSparseSafe, 0, Int32.max) { return failure }
        return .results(3)
    }

    static func encodeMaxDepth(_ state: OpaquePointer) -> LuaCall {
        integerSetting(state, \.encodeMaxDepth, 1, Int32.max)
    }

    static func decodeMaxDepth(_ state: OpaquePointer) -> LuaCall {
        integerSetting(state, \.decodeMaxDepth, 1, Int32.max)
    }

    static func encodeNumberPrecision(_ state: OpaquePointer) -> LuaCall {
        integerSetting(state, \.encodeNumberPrecision, 1, 14)
    }

    static func encodeKeepBuffer(_ state: OpaquePointer) -> LuaCall {
        enumSetting(state, \.encodeKeepBuffer, options: nil)
    }

    static func encodeInvalidNumbers(_ state: OpaquePointer) -> LuaCall {
        enumSetting(state, \.encodeInvalidNumbers, options: ["off", "on", "null"])
    }

    static func decodeInvalidNumbers(_ state: OpaquePointer) -> LuaCall {
        enumSetting(state, \.decodeInvalidNumbers, options: nil)
    }

    private static func integerSetting(
        _ state: OpaquePointer, _ setting: WritableKeyPath<LuaCJSONConfiguration, Int32>, _ lowest: Int32, _ highest: Int32
    ) -> LuaCall {
        let configuration = LuaCJSONConfiguration.current(state)
        if let failure = arguments(state, atMost: 1) { return failure }
        return integerOption(state, 1, &configuration.pointee[keyPath: setting], lowest, highest) ?? .results(1)
    }

    private static func enumSetting(
        _ state: OpaquePointer, _ setting: WritableKeyPath<LuaCJSONConfiguration, Int32>, options: [String]?
    ) -> LuaCall {
        let configuration = LuaCJSONConfiguration.current(state)
        if let failure = arguments(state, atMost: 1) { return failure }
        return enumOption(state, 1, &configuration.pointee[keyPath: setting], options: options) ?? .results(1)
    }

    /// `json_arg_init`: at most `count` arguments, the missing ones padded with nil.
    private static func arguments(_ state: OpaquePointer, atMost count: Int32) -> LuaCall? {
        if lua_gettop(state) > count {
            return LuaCall.argumentError(state, count + 1, "found too many arguments")
        }
        while lua_gettop(state) < count { lua_pushnil(state) }
        return nil
    }

    /// Sets `setting` from argument `index` unless it is nil, then pushes the value. The range
    /// error names argument 1 whatever `index` is, as lua-cjson does.
    private static func integerOption(
        _ state: OpaquePointer, _ index: Int32, _ setting: inout Int32, _ lowest: Int32, _ highest: Int32
    ) -> LuaCall? {
        if !kv_lua_isnil(state, index).isTrue {
            let wide = lua_tointeger(state, index)
            if wide == 0 && lua_isnumber(state, index) == 0 {
                return LuaCall.typeError(state, index, expected: "number")
            }
            let value = Int32(truncatingIfNeeded: wide)  // luaL_checkinteger's result stored in an int
            guard lowest <= value && value <= highest else {
                return LuaCall.argumentError(state, 1, "expected integer between \(lowest) and \(highest)")
            }
            setting = value
        }
        lua_pushinteger(state, lua_Integer(setting))
        return nil
    }

    /// Sets `setting` from argument `index` (a boolean, or one of `options`; nil options mean
    /// "off"/"on") unless it is nil, then pushes the value: a boolean for 0 and 1, else its name.
    private static func enumOption(_ state: OpaquePointer, _ index: Int32, _ setting: inout Int32, options: [String]?) -> LuaCall? {
        let names = options ?? ["off", "on"]
        if !kv_lua_isnil(state, index).isTrue {
            if kv_lua_isboolean(state, index).isTrue {
                setting = lua_toboolean(state, index)
            } else {
                guard lua_isstring(state, index) != 0, let text = lua_tolstring(state, index, nil) else {
                    return LuaCall.typeError(state, index, expected: "string")
                }
                let name = String(cString: text)
                guard let position = names.firstIndex(of: name) else {
                    return LuaCall.argumentError(state, index, "invalid option '\(name)'")
                }
                setting = Int32(position)
            }
        }
        if setting == 0 || setting == 1 {
            lua_pushboolean(state, setting)
        } else {
            LuaCall.push(state, names[Int(setting)])
        }
        return nil
    }
}

extension Int32 {
    /// A C truth value as a Bool.
    var isTrue: Bool { self != 0 }
}
