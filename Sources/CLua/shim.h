// Lua 5.1 from Debian's liblua5.1-0-dev (the one C library kv links; docs/architecture.md).
// Lua's API is partly C macros, which Swift does not import: the ones kv uses are wrapped
// here as inline functions with the macro's name and a `kv_` prefix.
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
