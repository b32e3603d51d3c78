/// rand48, the generator behind Redis's `math.random` (src/rand.c): its state at process
/// start. The generator itself is C (`kv_lua_redis_random` in CLua's shim), next to Lua.
enum Rand48 {
    /// `X2 X1 X0` = 0x1234 0xABCD 0x330E, as rand48 starts before any seed.
    static let initialState: UInt64 = 0x1234_ABCD_330E
}
