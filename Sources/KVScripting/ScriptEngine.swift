import CLua
import KVCore

/// Lua scripts as Redis 7.0 runs them (src/eval.c, src/script_lua.c): one Lua 5.1
/// interpreter with Redis's sandbox and `redis` API, the scripts it compiled kept by SHA1,
/// one script run at a time.
///
/// Not thread-safe: the server keeps it under its database lock, so a script has the dataset
/// to itself while it runs (atomic, as in Redis). The commands a script calls reach the
/// server through the `call` closure given to `run`, which does the server's checks.
public final class ScriptEngine {
    /// The interpreter; replaced by `flush` (SCRIPT FLUSH starts a fresh one, as Redis).
    private(set) var lua: LuaState
    /// The scripts compiled, by lowercase hex SHA1.
    private var bodies: [String: CachedScript] = [:]

    /// A compiled script's facts.
    struct CachedScript {
        var size: Int
        var flags: ScriptFlags
        /// Its runs' time, in microseconds, as a moving average (each run weighs 1/8); nil before
        /// its first run.
        var typicalRun: Int?
    }

    /// Scripts whose typical run is shorter are quick (`isQuick`).
    public static let quickRunMicroseconds = 1000
    /// The state of Redis's `math.random` (rand48): one sequence for the process, never reset
    /// by a run or by SCRIPT FLUSH, as Redis's.
    let random: UnsafeMutablePointer<UInt64>
    /// What `redis.REDIS_VERSION` says (the version INFO reports).
    let version: String
    /// The RESP version `redis.call`'s replies are converted from and booleans converted to
    /// (`redis.setresp`); 2 at the start of every run.
    var resp = 2
    /// The current run's command runner; nil between runs.
    var call: (([[UInt8]]) -> Reply)?
    /// `redis.log`'s destination: the level (`ScriptLogLevel`) and the message.
    public var log: (@Sendable (ScriptLogLevel, String) -> Void)?
    /// Whether a command name is known (`redis.acl_check_cmd`).
    public var commandExists: (@Sendable ([UInt8]) -> Bool)?

    /// A fresh interpreter with the sandbox; `version` is what `redis.REDIS_VERSION` says.
    public init(version: String) {
        self.version = version
        random = .allocate(capacity: 1)
        random.initialize(to: Rand48.initialState)
        lua = LuaState(openingStandardLibraries: false)
        installSandbox()
    }

    deinit {
        random.deallocate()
    }

    /// The number of scripts cached (INFO memory's `number_of_cached_scripts`).
    public var scriptCount: Int { bodies.count }

    /// The bytes of the cached scripts' bodies (INFO memory's `used_memory_scripts_eval`).
    public var scriptBytes: Int { bodies.values.reduce(0) { $0 + $1.size } }

    /// Whether a script with this SHA1 (hex, either case) is cached.
    public func contains(sha: String) -> Bool {
        bodies[sha.lowercased()] != nil
    }

    /// The shebang flags of the cached script `sha`; nil when it is not cached.
    public func flags(sha: String) -> ScriptFlags? {
        bodies[sha.lowercased()]?.flags
    }

    /// Whether `sha`'s runs typically take less than `quickRunMicroseconds` (false before its
    /// first run): the server runs such scripts in place rather than on its script thread. An
    /// average, not the slowest run: one run slowed by the scheduler must not send a script to
    /// the script thread for good, while a run that loops (killed after seconds) does for long.
    public func isQuick(sha: String) -> Bool {
        guard let typical = bodies[sha.lowercased()]?.typicalRun else { return false }
        return typical < Self.quickRunMicroseconds
    }

    /// Notes how long a run of `sha` took.
    public func noteRun(sha: String, microseconds: Int) {
        let sha = sha.lowercased()
        guard let script = bodies[sha] else { return }
        bodies[sha]?.typicalRun = script.typicalRun.map { ($0 * 7 + microseconds) / 8 } ?? microseconds
    }

    /// SCRIPT FLUSH: forgets every script and starts a fresh interpreter.
    public func flush() {
        bodies.removeAll()
        lua = LuaState(openingStandardLibraries: false)
        installSandbox()
    }

    /// The lowercase hex SHA1 of `body`, as Redis names scripts.
    public static func sha(of body: [UInt8]) -> String {
        var hash = SHA1()
        hash.update(body)
        return hash.finish().map { byte in
            let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
            return String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 15)])
        }.joined()
    }

    /// Compiles `body` and caches it (EVAL, SCRIPT LOAD): its SHA1, or Redis's compile error.
    public func load(_ body: [UInt8]) -> Result<String, CommandError> {
        let sha = Self.sha(of: body)
        if bodies[sha] != nil { return .success(sha) }
        let flags: ScriptFlags
        switch ScriptFlags.parse(body) {
        case let .success(parsed): flags = parsed
        case let .failure(error): return .failure(error)
        }
        let L = lua.pointer
        // A shebang line (`#!lua flags=no-writes`) is not Lua: compiled without it, as Redis does.
        let skipped = ScriptFlags.shebangLength(body)
        // Never precompiled bytecode (ESC "Lua"…): Lua 5.1's loader trusts it, and crafted
        // bytecode can corrupt memory (CVE-2015-4335). Redis's Lua parses such a body as text
        // and fails on its first byte; the same error here. (`loadstring` and `load` refuse it
        // in the sandbox, and `string.dump` is gone.)
        if skipped < body.count && body[skipped] == 0x1B {
            return .failure(CommandError(
                "ERR Error compiling script (new function): user_script:1: unexpected symbol near 'char(27)'"))
        }
        // One byte more than the body, so that an empty body still has an address.
        let source = body + [0]
        let status = source.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { base in
                luaL_loadbuffer(L, base + skipped, body.count - skipped, "@user_script")
            }
        }
        if status != 0 {
            let message = string(at: -1) ?? "(no message)"
            kv_lua_pop(L, 1)
            return .failure(CommandError("ERR Error compiling script (new function): \(message)"))
        }
        lua_setfield(L, kv_lua_registryindex(), "f_" + sha)
        bodies[sha] = CachedScript(size: body.count, flags: flags)
        return .success(sha)
    }

    /// Runs the cached script `sha` with `keys` and `arguments` as KEYS and ARGV: its reply,
    /// converted as Redis converts a script's return value, or its error in Redis's format.
    /// `call` runs each command the script calls. `killSwitch` is read by the count hook
    /// every 100,000 instructions: once it holds 1 the script stops with Redis's error.
    public func run(
        sha: String, keys: [[UInt8]], arguments: [[UInt8]], killSwitch: UnsafeMutablePointer<Int32>,
        call: ([[UInt8]]) -> Reply
    ) -> Reply {
        let sha = sha.lowercased()
        let L = lua.pointer
        return withoutActuallyEscaping(call) { call in
            self.call = call
            resp = 2
            defer {
                self.call = nil
                lua_sethook(L, nil, 0, 0)
            }
            setGlobalArray("KEYS", keys)
            setGlobalArray("ARGV", arguments)
            lua_getfield(L, kv_lua_registryindex(), "kv_error_handler")
            lua_getfield(L, kv_lua_registryindex(), "f_" + sha)
            guard kv_lua_isfunction(L, -1) != 0 else {
                kv_lua_pop(L, 2)
                return .error(CommandError("NOSCRIPT No matching script. Please use EVAL."))
            }
            kv_lua_install_kill_hook(L, killSwitch, 100_000)
            let status = kv_lua_pcall(L, 0, 1, -2)
            let reply = status == 0 ? self.reply(at: -1) : runError(sha: sha)
            kv_lua_pop(L, 2)
            return reply
        }
    }

    /// `KEYS` or `ARGV`: a fresh array of strings in the unprotected globals.
    private func setGlobalArray(_ name: String, _ values: [[UInt8]]) {
        let L = lua.pointer
        lua_getfield(L, kv_lua_registryindex(), "kv_globals")
        lua_createtable(L, Int32(values.count), 0)
        for (index, value) in values.enumerated() {
            pushBytes(value)
            lua_rawseti(L, -2, Int32(index + 1))
        }
        lua_setfield(L, -2, name)
        kv_lua_pop(L, 1)
    }

    /// The reply for a run that raised: the error handler's table as Redis formats it
    /// (`luaCallFunction`): its `err`, then ` script: <sha>, on <source>:<line>.`.
    private func runError(sha: String) -> Reply {
        let L = lua.pointer
        guard kv_lua_istable(L, -1) != 0 else {
            let message = string(at: -1) ?? "execution failure"
            return .error(CommandError("ERR Error running script f_\(sha), \(message.prefix(100))"))
        }
        lua_getfield(L, -1, "err")
        var message = string(at: -1) ?? ""
        lua_getfield(L, -2, "source")
        let source = string(at: -1)
        lua_getfield(L, -3, "line")
        let line = string(at: -1)
        kv_lua_pop(L, 3)
        if let source, let line { message += " script: \(sha), on \(source):\(line)." }
        return .error(CommandError(message))
    }

    // MARK: - Stack helpers

    /// The string at `index` (a string or a number), else nil.
    func string(at index: Int32) -> String? {
        guard let bytes = bytes(at: index) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The bytes of the string at `index` (a string or a number), else nil.
    func bytes(at index: Int32) -> [UInt8]? {
        let L = lua.pointer
        let type = lua_type(L, index)
        guard type == LUA_TSTRING || type == LUA_TNUMBER else { return nil }
        var length = 0
        guard let base = lua_tolstring(L, index, &length) else { return nil }
        return base.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
    }

    func pushBytes(_ bytes: [UInt8]) {
        let L = lua.pointer
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { lua_pushlstring(L, $0.baseAddress, $0.count) }
        }
    }

    func pushString(_ text: String) {
        pushBytes(Array(text.utf8))
    }
}

/// `redis.log`'s levels, as Redis's `LL_*`.
public enum ScriptLogLevel: Int, Sendable {
    case debug = 0, verbose, notice, warning
}
