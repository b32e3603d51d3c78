import CLua
import KVCore

/// Redis's conversions between its replies and Lua values (src/script_lua.c
/// `redisProtocolToLuaType_*` and `luaReplyToRedisReply`), both ways, in RESP2 and RESP3.
extension ScriptEngine {
    // MARK: - Reply → Lua (what redis.call returns)

    /// Pushes `reply` as the script sees it under `redis.setresp(resp)`.
    func push(_ reply: Reply) {
        let L = lua.pointer
        _ = lua_checkstack(L, 4)
        switch reply {
        case .ok:
            pushStatus("OK")
        case let .simple(text):
            pushStatus(text)
        case let .error(error):
            pushErrorTable(reply: error.message)
        case let .integer(value):
            lua_pushnumber(L, Double(value))
        case .bulk, .value:
            pushBytes(reply.bulkBytes!)
        case .null, .nullArray:
            if resp == 2 { lua_pushboolean(L, 0) } else { lua_pushnil(L) }
        case let .double(value):
            if resp == 2 {
                pushString(ScoreText.text(value))
            } else {
                kv_lua_newtable(L)
                lua_pushnumber(L, value)
                lua_setfield(L, -2, "double")
            }
        case let .boolean(value):
            if resp == 2 { lua_pushnumber(L, value ? 1 : 0) } else { lua_pushboolean(L, value ? 1 : 0) }
        case let .bigNumber(text):
            if resp == 2 {
                pushString(text)
            } else {
                kv_lua_newtable(L)
                pushString(text)
                lua_setfield(L, -2, "big_number")
            }
        case let .verbatim(text):
            if resp == 2 {
                pushString(text)
            } else {
                kv_lua_newtable(L)
                kv_lua_newtable(L)
                pushString(text)
                lua_setfield(L, -2, "string")
                pushString("txt")
                lua_setfield(L, -2, "format")
                lua_setfield(L, -2, "verbatim_string")
            }
        case let .array(items):
            pushArray(items)
        case let .bulks(bulks):
            push(bulks.expanded)
        case let .push(items), let .frames(items):
            // Pub/Sub's shapes: no command a script may call answers with them (SUBSCRIBE and
            // the like are noscript); an array, should one ever do.
            pushArray(items)
        case let .set(items):
            if resp == 2 { pushArray(items); return }
            kv_lua_newtable(L)
            kv_lua_newtable(L)
            for item in items {
                push(item)
                lua_pushboolean(L, 1)
                lua_settable(L, -3)
            }
            lua_setfield(L, -2, "set")
        case let .map(pairs):
            if resp == 2 { pushArray(pairs.flatMap { [$0.0, $0.1] }); return }
            kv_lua_newtable(L)
            kv_lua_newtable(L)
            for (key, value) in pairs {
                push(key)
                push(value)
                lua_settable(L, -3)
            }
            lua_setfield(L, -2, "map")
        case let .pairs(pairs):
            if resp == 2 {
                pushArray(pairs.flatMap { [$0.0, $0.1] })
            } else {
                pushArray(pairs.map { .array([$0.0, $0.1]) })
            }
        }
    }

    private func pushStatus(_ text: String) {
        let L = lua.pointer
        kv_lua_newtable(L)
        pushString(text)
        lua_setfield(L, -2, "ok")
    }

    private func pushArray(_ items: [Reply]) {
        let L = lua.pointer
        lua_createtable(L, Int32(items.count), 0)
        for (index, item) in items.enumerated() {
            push(item)
            lua_rawseti(L, -2, Int32(index + 1))
        }
    }

    // MARK: - Lua → Reply (what a script returns)

    /// The reply for the Lua value at `index`, as Redis converts a script's return value
    /// (booleans depend on `redis.setresp`).
    func reply(at index: Int32) -> Reply {
        let L = lua.pointer
        guard lua_checkstack(L, 4) != 0 else { return .error(CommandError("ERR reached lua stack limit")) }
        let index = index < 0 ? lua_gettop(L) + 1 + index : index
        switch lua_type(L, index) {
        case LUA_TSTRING:
            return .bulk(bytes(at: index)!)
        case LUA_TBOOLEAN:
            let value = lua_toboolean(L, index) != 0
            if resp == 2 { return value ? .integer(1) : .null }
            return .boolean(value)
        case LUA_TNUMBER:
            return .integer(Self.truncated(kv_lua_tonumber(L, index)))
        case LUA_TTABLE:
            return tableReply(at: index)
        default:
            return .null
        }
    }

    /// A table: `{err=…}`, `{ok=…}`, `{double=…}`, `{big_number=…}`, `{verbatim_string=…}`, `{map=…}`,
    /// `{set=…}`
    /// (checked in Redis's order), else an array up to its first nil.
    private func tableReply(at index: Int32) -> Reply {
        let L = lua.pointer
        if let text = field(index, "err", LUA_TSTRING, { string(at: -1)! }) {
            return .error(CommandError(text.trimmingLineEnds))
        }
        if let text = field(index, "ok", LUA_TSTRING, { string(at: -1)! }) {
            return .simple(text.trimmingLineEnds)
        }
        if let value = field(index, "double", LUA_TNUMBER, { kv_lua_tonumber(L, -1) }) {
            return .double(value)
        }
        if let text = field(index, "big_number", LUA_TSTRING, { string(at: -1)! }) {
            return .bigNumber(String(text.map { $0 == "\r" || $0 == "\n" ? " " : $0 }))
        }
        if let text = field(index, "verbatim_string", LUA_TTABLE, { () -> String? in
            lua_getfield(L, -1, "string")
            lua_getfield(L, -2, "format")
            defer { kv_lua_pop(L, 2) }
            guard lua_type(L, -2) == LUA_TSTRING, lua_type(L, -1) == LUA_TSTRING else { return nil }
            return string(at: -2)
        }), let text {
            return .verbatim(text)
        }
        if let pairs = field(index, "map", LUA_TTABLE, { () -> [(Reply, Reply)] in
            var pairs: [(Reply, Reply)] = []
            let map = lua_gettop(L)
            lua_pushnil(L)
            while lua_next(L, map) != 0 {
                pairs.append((reply(at: -2), reply(at: -1)))
                kv_lua_pop(L, 1)
            }
            return pairs
        }) {
            return .map(pairs)
        }
        if let items = field(index, "set", LUA_TTABLE, { () -> [Reply] in
            var items: [Reply] = []
            let set = lua_gettop(L)
            lua_pushnil(L)
            while lua_next(L, set) != 0 {
                items.append(reply(at: -2))
                kv_lua_pop(L, 1)
            }
            return items
        }) {
            return .set(items)
        }
        var items: [Reply] = []
        var position: Int32 = 1
        while true {
            lua_rawgeti(L, index, position)
            if kv_lua_isnil(L, -1) != 0 {
                kv_lua_pop(L, 1)
                break
            }
            items.append(reply(at: -1))
            kv_lua_pop(L, 1)
            position += 1
        }
        return .array(items)
    }

    /// The raw field `name` of the table at `index`, read by `read` when it has `type`.
    private func field<T>(_ index: Int32, _ name: String, _ type: Int32, _ read: () -> T) -> T? {
        let L = lua.pointer
        pushString(name)
        lua_rawget(L, index)
        defer { kv_lua_pop(L, 1) }
        guard lua_type(L, -1) == type else { return nil }
        return read()
    }

    /// A Lua number as Redis's `(long long)` cast makes it an integer: truncated toward zero;
    /// out of range (and NaN) gives the minimum, as the cast does on x86-64.
    static func truncated(_ value: Double) -> Int64 {
        guard value.isFinite, value > -9.223372036854775808e18, value < 9.223372036854775808e18 else { return .min }
        return Int64(value)
    }
}
