import KVCore
import Testing
@testable import KVScripting

/// The engine without a server: conversions both ways, the sandbox, the kill switch and
/// Redis's `math.random` sequence.
@Suite struct ScriptEngineTests {
    private func run(_ engine: ScriptEngine, _ body: String, keys: [String] = [], argv: [String] = [],
                     kill: Int32 = 0, call: ([[UInt8]]) -> Reply = { _ in .ok }) -> Reply {
        let sha: String
        switch engine.load(Array(body.utf8)) {
        case let .success(loaded): sha = loaded
        case let .failure(error): return .error(error)
        }
        let killSwitch = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        defer { killSwitch.deallocate() }
        killSwitch.initialize(to: kill)
        return engine.run(sha: sha, keys: keys.map { Array($0.utf8) }, arguments: argv.map { Array($0.utf8) },
                          killSwitch: killSwitch, call: call)
    }

    @Test func convertsLuaValuesToReplies() {
        let engine = ScriptEngine(version: "7.2.0")
        #expect(run(engine, "return 3.99") == .integer(3))
        #expect(run(engine, "return -3.99") == .integer(-3))
        #expect(run(engine, "return 1e20") == .integer(.min))
        #expect(run(engine, "return {1, 'a', {2}, nil, 5}") == .array([.integer(1), .bulk("a"), .array([.integer(2)])]))
        #expect(run(engine, "return true") == .integer(1))
        #expect(run(engine, "return false") == .null)
        #expect(run(engine, "redis.setresp(3) return false") == .boolean(false))
        #expect(run(engine, "return {ok = 'fine'}") == .simple("fine"))
        #expect(run(engine, "return {err = 'CODE text'}") == .error(CommandError("CODE text")))
        #expect(run(engine, "return {double = 1.5}") == .double(1.5))
        #expect(run(engine, "return {KEYS[1], ARGV[1]}", keys: ["k"], argv: ["a"]) == .array([.bulk("k"), .bulk("a")]))
    }

    @Test func convertsRepliesToLuaValues() {
        let engine = ScriptEngine(version: "7.2.0")
        let reply: Reply = .array([.integer(7), .null, .map([(.bulk("f"), .bulk("v"))])])
        #expect(run(engine, "local r = redis.call('x') return {r[1], type(r[2]), r[3][1], r[3][2]}") { _ in reply }
            == .array([.integer(7), .bulk("boolean"), .bulk("f"), .bulk("v")]))
        #expect(run(engine, "redis.setresp(3) local r = redis.call('x') return {r[1], type(r[2]), r[3]['map']['f']}") { _ in reply }
            == .array([.integer(7), .bulk("nil"), .bulk("v")]))
        #expect(run(engine, "return redis.call('x', 1.5, 10, 'y')") { arguments in
            .array(arguments.map { .bulk($0) })
        } == .array([.bulk("x"), .bulk("1.5"), .bulk("10"), .bulk("y")]))
        let failed = run(engine, "return redis.call('x')") { _ in .error(CommandError("WRONGTYPE bad")) }
        #expect(failed.description.hasPrefix("-WRONGTYPE bad script: "))
        #expect(run(engine, "return redis.pcall('x')") { _ in .error(CommandError("WRONGTYPE bad")) } == .error(CommandError("WRONGTYPE bad")))
    }

    @Test func theSandboxRefusesAsRedis() {
        let engine = ScriptEngine(version: "7.2.0")
        #expect(run(engine, "x = 1").description.hasPrefix("-ERR user_script:1: Attempt to modify a readonly table script: "))
        #expect(run(engine, "return os").description.hasPrefix("-ERR user_script:1: Script attempted to access nonexistent global variable 'os'"))
        #expect(run(engine, "redis = nil").description.hasPrefix("-ERR user_script:1: Attempt to modify a readonly table"))
        #expect(run(engine, "return redis.call ~= nil") == .integer(1), "a refused change leaves the API in place")
        #expect(run(engine, "return 1 +").description.hasPrefix("-ERR Error compiling script (new function): user_script:1:"))
    }

    @Test func theKillSwitchStopsALoop() {
        let engine = ScriptEngine(version: "7.2.0")
        let reply = run(engine, "while true do end", kill: 1)
        #expect(reply.description.hasPrefix("-ERR Script killed by user with SCRIPT KILL... script: "))
        #expect(run(engine, "return 1") == .integer(1))
    }

    @Test func mathRandomFollowsRedisSequence() {
        // redis-server 7.0.15's first three math.random(100) after start: 40, 85, 36.
        let engine = ScriptEngine(version: "7.2.0")
        #expect(run(engine, "return {math.random(100), math.random(100), math.random(100)}")
            == .array([.integer(40), .integer(85), .integer(36)]))
        engine.flush()
        #expect(run(engine, "math.randomseed(0) return math.random(100)") == .integer(18))
    }
}
