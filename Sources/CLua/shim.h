// Lua 5.1 from Debian's liblua5.1-0-dev (the one C library kv links; docs/architecture.md).
// Lua's API is partly C macros, which Swift does not import: the ones kv uses are wrapped
// here as inline functions with the macro's name and a `kv_` prefix.
#include <math.h>
#include <stdio.h>
#include <lua5.1/lua.h>
#include <lua5.1/lauxlib.h>
#include <lua5.1/lualib.h>

static inline void kv_lua_pop(lua_State *L, int n) { lua_pop(L, n); }
static inline void kv_lua_newtable(lua_State *L) { lua_newtable(L); }
static inline void kv_lua_pushcfunction(lua_State *L, lua_CFunction f) { lua_pushcfunction(L, f); }
static inline void kv_lua_register(lua_State *L, const char *name, lua_CFunction f) { lua_register(L, name, f); }
static inline int kv_lua_isfunction(lua_State *L, int n) { return lua_isfunction(L, n); }
static inline int kv_lua_istable(lua_State *L, int n) { return lua_istable(L, n); }
static inline int kv_lua_isnil(lua_State *L, int n) { return lua_isnil(L, n); }
static inline int kv_lua_isboolean(lua_State *L, int n) { return lua_isboolean(L, n); }
static inline const char *kv_lua_tostring(lua_State *L, int i) { return lua_tostring(L, i); }
static inline void kv_lua_setglobal(lua_State *L, const char *name) { lua_setglobal(L, name); }
static inline void kv_lua_getglobal(lua_State *L, const char *name) { lua_getglobal(L, name); }
static inline int kv_lua_upvalueindex(int i) { return lua_upvalueindex(i); }
static inline int kv_lua_registryindex(void) { return LUA_REGISTRYINDEX; }
static inline int kv_lua_globalsindex(void) { return LUA_GLOBALSINDEX; }
static inline int kv_luaL_dostring(lua_State *L, const char *s) { return luaL_dostring(L, s); }

// ---- Scripting (KVScripting) ----

static inline int kv_lua_isstring_type(lua_State *L, int i) { return lua_type(L, i) == LUA_TSTRING; }
static inline lua_Number kv_lua_tonumber(lua_State *L, int i) { return lua_tonumber(L, i); }

/// A Swift function Lua calls through `kv_lua_trampoline`: it returns its result count, or -1
/// after pushing an error value that the trampoline raises. Lua raises errors with longjmp,
/// which must never cross Swift frames: Swift code returns, C raises.
typedef int (*kv_swift_function)(lua_State *L);

static int kv_lua_trampoline(lua_State *L) {
    kv_swift_function function = (kv_swift_function)lua_touserdata(L, lua_upvalueindex(1));
    int results = function(L);
    if (results < 0) return lua_error(L);
    return results;
}

/// Pushes `function` as a Lua function (a C closure over the trampoline).
static inline void kv_lua_pushswiftfunction(lua_State *L, kv_swift_function function) {
    lua_pushlightuserdata(L, (void *)function);
    lua_pushcclosure(L, kv_lua_trampoline, 1);
}

/// The kill switch a running script's count hook reads: 0 running, 1 kill requested, 2 wrote
/// (SCRIPT KILL refused from then on), 3 stop for SHUTDOWN NOSAVE. Shared with other threads,
/// hence atomic (KVServer's `ScriptActivity` writes it).
static inline int kv_atomic_load_int(int *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
static inline void kv_atomic_store_int(int *p, int value) { __atomic_store_n(p, value, __ATOMIC_SEQ_CST); }
/// Sets *p to `desired` if it holds `expected`; returns what it held.
static inline int kv_atomic_exchange_if(int *p, int expected, int desired) {
    __atomic_compare_exchange_n(p, &expected, desired, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return expected;
}

static const char *const kv_kill_switch_key = "kv_kill_switch";

/// The count hook: stops the script once SCRIPT KILL (or SHUTDOWN NOSAVE) asked, as Redis's
/// `luaMaskCountHook`; from then on it fires on every line, so a script cannot catch the
/// error with pcall and go on.
static void kv_lua_count_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    lua_getfield(L, LUA_REGISTRYINDEX, kv_kill_switch_key);
    int *flag = (int *)lua_touserdata(L, -1);
    lua_pop(L, 1);
    if (flag == NULL) return;
    int state = kv_atomic_load_int(flag);
    if (state != 1 && state != 3) return;
    lua_sethook(L, kv_lua_count_hook, LUA_MASKLINE, 0);
    lua_newtable(L);
    lua_pushstring(L, "err");
    lua_pushstring(L, "ERR Script killed by user with SCRIPT KILL...");
    lua_settable(L, -3);
    lua_error(L);
}

/// Installs the count hook (every `count` instructions) with `flag` as the kill switch.
static inline void kv_lua_install_kill_hook(lua_State *L, int *flag, int count) {
    lua_pushlightuserdata(L, flag);
    lua_setfield(L, LUA_REGISTRYINDEX, kv_kill_switch_key);
    lua_sethook(L, kv_lua_count_hook, LUA_MASKCOUNT, count);
}

/// Opens one standard library the way Lua 5.1's `luaL_openlibs` does.
static inline void kv_lua_openlib(lua_State *L, lua_CFunction open, const char *name) {
    lua_pushcfunction(L, open);
    lua_pushstring(L, name);
    lua_call(L, 1, 0);
}

/// The error handler of a pcall and its function run; 0 on success.
static inline int kv_lua_pcall(lua_State *L, int arguments, int results, int handler) {
    return lua_pcall(L, arguments, results, handler);
}

/// Redis's `math.random` (src/script_lua.c `redis_math_random`) over rand48 (src/rand.c): the
/// same sequence on every architecture. The state is a 48-bit value behind the upvalue.
static int kv_lua_redis_random(lua_State *L) {
    unsigned long long *state = (unsigned long long *)lua_touserdata(L, lua_upvalueindex(1));
    *state = (0x5DEECE66DULL * *state + 0xBULL) & 0xFFFFFFFFFFFFULL;
    int value = (int)(*state >> 17);
    lua_Number r = (lua_Number)(value % 2147483647) / (lua_Number)2147483647;
    switch (lua_gettop(L)) {
    case 0:
        lua_pushnumber(L, r);
        break;
    case 1: {
        int u = luaL_checkint(L, 1);
        luaL_argcheck(L, 1 <= u, 1, "interval is empty");
        lua_pushnumber(L, floor(r * u) + 1);
        break;
    }
    case 2: {
        int l = luaL_checkint(L, 1);
        int u = luaL_checkint(L, 2);
        luaL_argcheck(L, l <= u, 2, "interval is empty");
        lua_pushnumber(L, floor(r * (u - l + 1)) + l);
        break;
    }
    default:
        return luaL_error(L, "wrong number of arguments");
    }
    return 1;
}

/// Redis's `math.randomseed`: rand48's `srand48`.
static int kv_lua_redis_randomseed(lua_State *L) {
    unsigned long long *state = (unsigned long long *)lua_touserdata(L, lua_upvalueindex(1));
    int seed = luaL_checkint(L, 1);
    *state = ((unsigned long long)(unsigned int)seed << 16) | 0x330EULL;
    return 0;
}

static inline void kv_lua_push_random(lua_State *L, unsigned long long *state) {
    lua_pushlightuserdata(L, state);
    lua_pushcclosure(L, kv_lua_redis_random, 1);
}

static inline void kv_lua_push_randomseed(lua_State *L, unsigned long long *state) {
    lua_pushlightuserdata(L, state);
    lua_pushcclosure(L, kv_lua_redis_randomseed, 1);
}

/// A Lua number as Redis passes it to a command (`%.17g`).
static inline int kv_format_number(char *buffer, size_t size, double value) {
    return snprintf(buffer, size, "%.17g", value);
}
