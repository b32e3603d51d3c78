import CLua
import KVCore

/// The `redis` table's functions written in Swift (src/script_lua.c's `luaRedis…Command`);
/// the rest (error_reply, status_reply, set_repl, the constants) is the sandbox's prelude.
/// Each returns its result count, or -1 with an error on the stack that the C trampoline
/// raises: Lua's longjmp never crosses a Swift frame.
extension ScriptEngine {
    func installRedisAPI() {
        let L = lua.pointer
        kv_lua_newtable(L)
        let functions: [(String, kv_swift_function)] = [
            ("call", { L in ScriptEngine.current(L).command(raise: true) }),
            ("pcall", { L in ScriptEngine.current(L).command(raise: false) }),
            ("sha1hex", { L in ScriptEngine.current(L).sha1hex() }),
            ("log", { L in ScriptEngine.current(L).logCommand() }),
            ("setresp", { L in ScriptEngine.current(L).setResp() }),
            ("acl_check_cmd", { L in ScriptEngine.current(L).aclCheckCommand() }),
            ("set_repl", { L in ScriptEngine.current(L).setReplication() }),
        ]
        for (name, function) in functions {
            kv_lua_pushswiftfunction(L, function)
            lua_setfield(L, -2, name)
        }
        pushString(version)
        lua_setfield(L, -2, "REDIS_VERSION")
        lua_pushnumber(L, Double(Self.versionNumber(version)))
        lua_setfield(L, -2, "REDIS_VERSION_NUM")
        kv_lua_setglobal(L, "redis")
    }

    /// The engine whose interpreter `L` is.
    static func current(_ L: OpaquePointer?) -> ScriptEngine {
        lua_getfield(L, kv_lua_registryindex(), "kv_engine")
        let raw = lua_touserdata(L, -1)!
        kv_lua_pop(L, 1)
        return Unmanaged<ScriptEngine>.fromOpaque(raw).takeUnretainedValue()
    }

    /// `0x00MMmmpp`, as Redis's `REDIS_VERSION_NUM`.
    static func versionNumber(_ version: String) -> Int {
        let parts = version.split(separator: ".").map { Int($0) ?? 0 } + [0, 0, 0]
        return parts[0] << 16 | parts[1] << 8 | parts[2]
    }

    /// `redis.call` / `redis.pcall`: the command's reply as Lua values; an error reply (or a
    /// refused call) raised for `call`, returned as `{err=…}` for `pcall`.
    func command(raise: Bool) -> Int32 {
        let L = lua.pointer
        let count = lua_gettop(L)
        guard count > 0 else {
            pushErrorTable(plain: "Please specify at least one argument for this redis lib call")
            return raise ? -1 : 1
        }
        var arguments: [[UInt8]] = []
        arguments.reserveCapacity(Int(count))
        for index in 1...count {
            switch lua_type(L, index) {
            case LUA_TSTRING:
                arguments.append(bytes(at: index)!)
            case LUA_TNUMBER:
                // Not lua_tolstring: Lua's own format (%.14g) loses precision.
                var buffer = [CChar](repeating: 0, count: 64)
                let length = kv_format_number(&buffer, 64, kv_lua_tonumber(L, index))
                arguments.append(buffer[0..<Int(length)].map { UInt8(bitPattern: $0) })
            default:
                pushErrorTable(plain: "Lua redis lib command arguments must be strings or integers")
                return raise ? -1 : 1
            }
        }
        guard let call else {
            pushErrorTable(plain: "redis.call/pcall can only be called inside a script invocation")
            return raise ? -1 : 1
        }
        let reply = call(arguments)
        if case let .error(error) = reply {
            pushErrorTable(reply: error.message)
            return raise ? -1 : 1
        }
        guard lua_checkstack(L, 8) != 0 else {
            pushErrorTable(plain: "reached lua stack limit")
            return raise ? -1 : 1
        }
        push(reply)
        return 1
    }

    /// `redis.sha1hex(text)`.
    func sha1hex() -> Int32 {
        let L = lua.pointer
        guard lua_gettop(L) == 1 else {
            pushErrorTable(plain: "wrong number of arguments")
            return -1
        }
        pushString(Self.sha(of: bytes(at: 1) ?? []))
        return 1
    }

    /// `redis.log(level, message, …)`: the arguments joined by spaces, to kv's log.
    func logCommand() -> Int32 {
        let L = lua.pointer
        let count = lua_gettop(L)
        guard count >= 2 else {
            pushErrorTable(plain: "redis.log() requires two arguments or more.")
            return -1
        }
        guard lua_isnumber(L, 1) != 0 else {
            pushErrorTable(plain: "First argument must be a number (log level).")
            return -1
        }
        guard let level = ScriptLogLevel(rawValue: Int(kv_lua_tonumber(L, 1))) else {
            pushErrorTable(plain: "Invalid debug level.")
            return -1
        }
        let message = (2...count).compactMap { string(at: $0) }.joined(separator: " ")
        log?(level, message)
        return 0
    }

    /// `redis.setresp(2|3)`: the protocol of the next `redis.call` replies.
    func setResp() -> Int32 {
        let L = lua.pointer
        guard lua_gettop(L) == 1 else {
            pushErrorTable(plain: "redis.setresp() requires one argument.")
            return -1
        }
        let version = Int(kv_lua_tonumber(L, 1))
        guard version == 2 || version == 3 else {
            pushErrorTable(plain: "RESP version must be 2 or 3.")
            return -1
        }
        resp = version
        return 0
    }

    /// `redis.set_repl(flags)`: checked as Redis checks it, then ignored — kv always logs and
    /// replicates a script's effects.
    func setReplication() -> Int32 {
        let L = lua.pointer
        guard lua_gettop(L) == 1 else {
            // Redis's text says "two" for one argument.
            pushErrorTable(plain: "redis.set_repl() requires two arguments.")
            return -1
        }
        let flags = Int(Self.truncated(kv_lua_tonumber(L, 1)))
        guard flags & ~3 == 0 else {
            pushErrorTable(plain: "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.")
            return -1
        }
        return 0
    }

    /// `redis.acl_check_cmd(command, …)`: kv has one user, allowed every command.
    func aclCheckCommand() -> Int32 {
        let L = lua.pointer
        guard lua_gettop(L) >= 1 else {
            pushErrorTable(plain: "Please specify at least one argument for this redis lib call")
            return -1
        }
        guard let name = bytes(at: 1), commandExists?(name) ?? false else {
            pushErrorTable(plain: "Invalid command passed to redis.acl_check_cmd()")
            return -1
        }
        lua_pushboolean(L, 1)
        return 1
    }

    /// Pushes `{err = "ERR <text>"}` (Redis's `luaPushError` of its own texts).
    func pushErrorTable(plain text: String) {
        pushErrorTable(code: "ERR", message: text)
    }

    /// Pushes the `{err = …}` table of a command's error reply (`luaPushErrorBuff`): its first
    /// word is the code, `ERR` when it has no space.
    func pushErrorTable(reply message: String) {
        if let space = message.firstIndex(of: " ") {
            pushErrorTable(code: String(message[..<space]), message: String(message[message.index(after: space)...]))
        } else {
            pushErrorTable(code: "ERR", message: message)
        }
    }

    private func pushErrorTable(code: String, message: String) {
        let L = lua.pointer
        let trimmed = message.trimmingLineEnds
        kv_lua_newtable(L)
        pushString(code + " " + trimmed)
        lua_setfield(L, -2, "err")
    }
}

extension String {
    /// Without CR and LF at either end (Redis's `sdstrim(msg, "\r\n")`).
    var trimmingLineEnds: String {
        var scalars = Substring(self)
        while let first = scalars.first, first == "\r" || first == "\n" || first == "\r\n" { scalars = scalars.dropFirst() }
        while let last = scalars.last, last == "\r" || last == "\n" || last == "\r\n" { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
