import CLua
import KVCore

/// Redis's sandbox on a stock Lua 5.1 (Redis patches its own Lua with read-only tables; kv
/// links Debian's, so the same refusals come from metatables): only the base, table, string
/// and math libraries (plus cjson and bit, `LuaLibraries`); no `os`, `io`, `loadfile`,
/// `dofile`, `print`; the globals and every library table read-only; reading an undefined
/// global is an error.
extension ScriptEngine {
    /// Builds the sandbox in a fresh interpreter.
    func installSandbox() {
        let L = lua.pointer
        kv_lua_openlib(L, luaopen_base, "")
        kv_lua_openlib(L, luaopen_table, LUA_TABLIBNAME)
        kv_lua_openlib(L, luaopen_string, LUA_STRLIBNAME)
        kv_lua_openlib(L, luaopen_math, LUA_MATHLIBNAME)
        kv_lua_openlib(L, luaopen_debug, LUA_DBLIBNAME)
        LuaLibraries.open(L)
        lua_pushlightuserdata(L, Unmanaged.passUnretained(self).toOpaque())
        lua_setfield(L, kv_lua_registryindex(), "kv_engine")
        installRedisAPI()
        kv_lua_getglobal(L, "math")
        kv_lua_push_random(L, random)
        lua_setfield(L, -2, "random")
        kv_lua_push_randomseed(L, random)
        lua_setfield(L, -2, "randomseed")
        kv_lua_pop(L, 1)
        // The prelude returns the protected globals, the real ones and the error handler.
        guard luaL_loadbuffer(L, Self.prelude, Self.prelude.utf8.count, "=kv") == 0,
              kv_lua_pcall(L, 0, 3, 0) == 0
        else {
            fatalError("kv's Lua sandbox failed to build: \(string(at: -1) ?? "?")")
        }
        lua_setfield(L, kv_lua_registryindex(), "kv_error_handler")
        lua_setfield(L, kv_lua_registryindex(), "kv_globals")
        lua_replace(L, kv_lua_globalsindex())
    }

    /// Lua run once per interpreter, with the real globals as its environment. Its functions
    /// live in the chunk `=kv`, which the error handler skips when it looks for the script's
    /// line. Redis's texts: "Attempt to modify a readonly table", "Script attempted to access
    /// nonexistent global variable '…'".
    static let prelude = """
    local real = _G
    local dbg = debug
    local error, rawset, setmetatable, type, tostring, select, ipairs = error, rawset, setmetatable, type, tostring, select, ipairs
    for _, name in ipairs({'print', 'dofile', 'loadfile', 'getfenv', 'setfenv', 'newproxy', 'module', 'require',
                           'package', 'io', 'os', 'debug'}) do
      real[name] = nil
    end
    -- No bytecode from scripts either (see ScriptEngine.load): string.dump makes it, and
    -- loadstring and load take only source text.
    real.string.dump = nil
    local loadstring, concat = real.loadstring, real.table.concat
    local function source(chunk, name)
      if type(chunk) == 'string' and chunk:byte(1) == 27 then return nil, 'binary chunks are not allowed' end
      return loadstring(chunk, name)
    end
    real.loadstring = source
    real.load = function(reader, name)
      if type(reader) ~= 'function' then return loadstring(reader, name) end
      local pieces = {}
      while true do
        local piece = reader()
        if piece == nil or piece == '' then break end
        if type(piece) ~= 'string' then return nil, 'reader function must return a string' end
        pieces[#pieces + 1] = piece
      end
      return source(concat(pieces), name)
    end

    local redis = real.redis
    redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL = 0, 1, 2, 2, 3
    redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING = 0, 1, 2, 3
    -- kv always replicates a script's effects: these are accepted for scripts written for older Redis.
    redis.replicate_commands = function() return true end
    -- Outside Redis's debugger these do nothing.
    redis.breakpoint = function() return false end
    redis.debug = function() end
    local function errorTable(text)
      local code, message = 'ERR', text
      if text:sub(1, 1) == '-' then
        local space = text:find(' ', 1, true)
        if space then code, message = text:sub(2, space - 1), text:sub(space + 1) else message = text:sub(2) end
      end
      message = message:gsub('^[\\r\\n]+', ''):gsub('[\\r\\n]+$', '')
      return {err = code .. ' ' .. message}
    end
    redis.error_reply = function(...)
      local text = ...
      if select('#', ...) ~= 1 or type(text) ~= 'string' then
        return errorTable('wrong number or type of arguments')
      end
      if text:sub(1, 1) ~= '-' then text = '-' .. text end
      return errorTable(text)
    end
    redis.status_reply = function(...)
      local text = ...
      if select('#', ...) ~= 1 or type(text) ~= 'string' then
        return errorTable('wrong number or type of arguments')
      end
      return {ok = text}
    end

    real.__redis__err__handler = function(err)
      local level = 2
      local info = dbg.getinfo(level, 'nSl')
      while info and (info.what == 'C' or info.what == 'tail' or info.source == '=kv') do
        level = level + 1
        info = dbg.getinfo(level, 'nSl')
      end
      if type(err) ~= 'table' then err = {err = 'ERR ' .. tostring(err)} end
      if info then
        err['source'] = info.source
        err['line'] = info.currentline
      end
      return err
    end

    -- Redis 7.0's pcall: an error raised as a table (redis.call's) is caught as its message.
    local pcall = pcall
    local function caught(ok, ...)
      if ok then return true, ... end
      local err = ...
      if type(err) == 'table' and (type(err.err) == 'string' or type(err.err) == 'number') then err = err.err end
      return false, err
    end
    real.pcall = function(...) return caught(pcall(...)) end

    local readonly = setmetatable({}, {__mode = 'k'})
    local function refuse() error('Attempt to modify a readonly table', 2) end
    local function protect(t)
      local proxy = setmetatable({}, {__index = t, __newindex = refuse, __metatable = false})
      readonly[proxy] = true
      return proxy
    end
    real.rawset = function(t, k, v)
      if readonly[t] then error('Attempt to modify a readonly table', 0) end
      return rawset(t, k, v)
    end
    real.setmetatable = function(t, m)
      if readonly[t] then error('Attempt to modify a readonly table', 0) end
      return setmetatable(t, m)
    end
    for name, value in pairs(real) do
      if type(value) == 'table' and name ~= '_G' then real[name] = protect(value) end
    end
    local stringMeta = getmetatable('')
    if stringMeta then stringMeta.__index = real.string end
    setmetatable(real, {__index = function(_, name)
      error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2)
    end})
    local globals = protect(real)
    rawset(real, '_G', globals)
    return globals, real, real.__redis__err__handler
    """
}
