import Foundation
import Testing

/// Lua scripting against a real redis-server, byte for byte in RESP2 and RESP3: replies,
/// conversions both ways (and under `redis.setresp(3)`), `redis.call` and `redis.pcall`
/// errors, the sandbox's refusals, shebang flags and the SCRIPT lifecycle.
@Suite(.serialized) struct ScriptDifferentialTests {

    static let script: [[String]] = [
        // Lua → reply
        // No bytecode: neither as the script, nor through loadstring, load or string.dump.
        ["EVAL", "\u{1B}LuaQ\u{0}\u{1}\u{4}\u{8}", "0"], ["EVAL", "return loadstring('\\27LuaQ')", "0"],
        ["EVAL", "return string.dump", "0"], ["EVAL", "return type(loadstring)", "0"], ["EVAL", "return type(load)", "0"],
        ["EVAL", "return loadstring('return 7')()", "0"],
        ["EVAL", "local parts = {'return ', '8'} local i = 0 return load(function() i = i + 1 return parts[i] end)()", "0"],
        ["EVAL", "local f = load(function() return nil end) return type(f)", "0"],
        ["EVAL", "return 1", "0"], ["EVAL", "return 'x'", "0"], ["EVAL", "return 3.99", "0"], ["EVAL", "return -3.7", "0"],
        ["EVAL", "return 1e20", "0"], ["EVAL", "return 2^53", "0"], ["EVAL", "return 0/0", "0"],
        ["EVAL", "return true", "0"], ["EVAL", "return false", "0"], ["EVAL", "return nil", "0"],
        ["EVAL", "return {1, 2, {3, 'x'}, nil, 4}", "0"], ["EVAL", "return {}", "0"], ["EVAL", "return {1, false, 3}", "0"],
        ["EVAL", "return {true, 'a'}", "0"],
        ["EVAL", "return {ok = 'fine'}", "0"], ["EVAL", "return {ok = 'two\\nlines'}", "0"], ["EVAL", "return {err = 'x'}", "0"],
        ["EVAL", "return {err = 'MY code'}", "0"], ["EVAL", "return {double = 3.5}", "0"], ["EVAL", "return {double = 'x'}", "0"],
        ["EVAL", "return {big_number = '12345678901234567890'}", "0"],
        ["EVAL", "return {map = {a = 1}}", "0"], ["EVAL", "return {set = {a = true}}", "0"],
        ["EVAL", "return {verbatim_string = {format = 'txt', string = 'hello'}}", "0"],
        ["EVAL", "return {err = 1, 'x'}", "0"], ["EVAL", "return {ok = 5}", "0"],
        ["EVAL", "return redis.status_reply('FINE')", "0"], ["EVAL", "return redis.error_reply('X y')", "0"],
        ["EVAL", "return redis.error_reply('y')", "0"], ["EVAL", "return redis.error_reply('-Z z')", "0"],
        ["EVAL", "return redis.error_reply(5)", "0"], ["EVAL", "return redis.status_reply()", "0"],
        ["EVAL", "return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS, #ARGV}", "2", "k1", "k2", "a1", "a2"],
        ["EVAL", "return ARGV", "0", "x", "y"],
        // RESP3 conversions (redis.setresp(3))
        ["EVAL", "redis.setresp(3) return true", "0"], ["EVAL", "redis.setresp(3) return false", "0"],
        ["EVAL", "redis.setresp(3) return nil", "0"], ["EVAL", "redis.setresp(3) return {1, true, false}", "0"],
        ["EVAL", "redis.setresp(4)", "0"], ["EVAL", "redis.setresp()", "0"],
        // redis.call: reply → Lua
        ["SET", "s", "v"], ["HSET", "h", "f", "1", "g", "2"], ["RPUSH", "l", "a", "b"], ["SADD", "set", "m"],
        ["ZADD", "z", "1.5", "m"],
        ["EVAL", "return redis.call('get', KEYS[1])", "1", "s"], ["EVAL", "return redis.call('get', 'nokey')", "0"],
        ["EVAL", "return type(redis.call('get', 'nokey'))", "0"], ["EVAL", "return redis.call('set', 'k', 'v')", "0"],
        ["EVAL", "return redis.call('set', 'k', 'v')['ok']", "0"], ["EVAL", "return redis.call('incr', 'counter')", "0"],
        ["EVAL", "return redis.call('hgetall', 'h')", "0"], ["EVAL", "return redis.call('lrange', 'l', 0, -1)", "0"],
        ["EVAL", "return redis.call('zscore', 'z', 'm')", "0"], ["EVAL", "return redis.call('ping')", "0"],
        ["EVAL", "return redis.call('type', 's')", "0"],
        ["EVAL", "redis.setresp(3) return redis.call('hgetall', 'h')", "0"],
        ["EVAL", "redis.setresp(3) local r = redis.call('hgetall', 'h') return r['map']['f']", "0"],
        ["EVAL", "redis.setresp(3) return redis.call('smembers', 'set')", "0"],
        ["EVAL", "redis.setresp(3) return redis.call('zscore', 'z', 'm')", "0"],
        ["EVAL", "redis.setresp(3) return type(redis.call('get', 'nokey'))", "0"],
        ["EVAL", "redis.setresp(3) return redis.call('get', 'nokey')", "0"],
        ["EVAL", "return redis.call('set', 'num', 3.5)", "0"], ["GET", "num"],
        ["EVAL", "return redis.call('set', 'num', 0.1)", "0"], ["GET", "num"],
        ["EVAL", "return redis.call('set', 'num', 100)", "0"], ["GET", "num"],
        ["EVAL", "return redis.call('exists', 's', 'h', 'nokey')", "0"],
        // Errors from redis.call and redis.pcall
        ["EVAL", "return redis.call('nosuch')", "0"], ["EVAL", "return redis.call('get')", "0"],
        ["EVAL", "return redis.call('incr', 's')", "0"], ["EVAL", "return redis.pcall('incr', 's')", "0"],
        ["EVAL", "return redis.pcall('nosuch')", "0"], ["EVAL", "return redis.pcall('get')", "0"],
        ["EVAL", "return redis.call()", "0"], ["EVAL", "return redis.call({})", "0"], ["EVAL", "return redis.call(1)", "0"],
        ["EVAL", "return redis.call('client', 'bogus')", "0"],
        ["EVAL", "local ok, err = pcall(redis.call, 'incr', 's') return {tostring(ok), err}", "0"],
        ["EVAL", "local r = redis.pcall('incr', 's') return r['err']", "0"],
        ["EVAL", "return redis.call('hget', 's', 'f')", "0"],
        ["EVAL", "redis.call('set', 'partial', '1') redis.call('incr', 's') redis.call('set', 'partial', '2')", "0"],
        ["GET", "partial"],
        ["EVAL", "return redis.call('multi')", "0"], ["EVAL", "return redis.call('eval', 'return 1', 0)", "0"],
        ["EVAL", "return redis.call('blpop', 'nolist', 0)", "0"],
        ["EVAL", "return redis.call('script', 'load', 'return 1')", "0"],
        // Script errors
        ["EVAL", "error('boom')", "0"], ["EVAL", "error({err = 'MY boom'})", "0"], ["EVAL", "error()", "0"],
        ["EVAL", "return 1 +", "0"], ["EVAL", "return nil + 1", "0"], ["EVAL", "local t = nil return t.x", "0"],
        ["EVAL", "\n\nerror('on line three')", "0"],
        // The sandbox
        ["EVAL", "x = 1", "0"], ["EVAL", "return y", "0"], ["EVAL", "return _G.foo", "0"],
        ["EVAL", "redis.call = nil", "0"], ["EVAL", "string.x = 1", "0"], ["EVAL", "rawset(_G, 'a', 1)", "0"],
        ["EVAL", "setmetatable(_G, nil)", "0"], ["EVAL", "local t = {} t.x = 1 return t.x", "0"],
        ["EVAL", "return os", "0"], ["EVAL", "return io", "0"], ["EVAL", "return dofile", "0"], ["EVAL", "return loadfile", "0"],
        ["EVAL", "return print", "0"], ["EVAL", "return debug", "0"], ["EVAL", "return require", "0"],
        ["EVAL", "return getfenv", "0"], ["EVAL", "return newproxy", "0"],
        ["EVAL", "return {type(loadstring), type(pcall), type(unpack), type(coroutine), type(string.format), type(math.floor), type(table.concat), type(_G)}", "0"],
        ["EVAL", "return loadstring('return 1 + 1')()", "0"], ["EVAL", "return loadstring('zz = 1')()", "0"],
        ["EVAL", "return ('abc'):upper()", "0"], ["EVAL", "return string.rep('x', 3)", "0"],
        ["EVAL", "return table.concat({1, 2, 3}, ',')", "0"],
        ["EVAL", "return {math.random(100), math.random(100), math.random(1, 6)}", "0"],
        ["EVAL", "return math.random()", "0"], ["EVAL", "math.randomseed(7) return {math.random(1000), math.random(1000)}", "0"],
        ["EVAL", "return math.random(0)", "0"],
        // The redis API
        ["EVAL", "return redis.sha1hex('')", "0"], ["EVAL", "return redis.sha1hex('abc')", "0"], ["EVAL", "return redis.sha1hex()", "0"],
        ["EVAL", "return redis.replicate_commands()", "0"], ["EVAL", "return redis.set_repl(redis.REPL_ALL)", "0"],
        ["EVAL", "return redis.set_repl(99)", "0"], ["EVAL", "return redis.set_repl()", "0"],
        ["EVAL", "return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_REPLICA, redis.REPL_SLAVE, redis.REPL_ALL}", "0"],
        ["EVAL", "return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}", "0"],
        ["EVAL", "return redis.log(redis.LOG_WARNING, 'from a test')", "0"], ["EVAL", "return redis.log(redis.LOG_WARNING)", "0"],
        ["EVAL", "return redis.log(99, 'x')", "0"], ["EVAL", "return redis.log('x', 'y')", "0"],
        ["EVAL", "return redis.breakpoint()", "0"], ["EVAL", "return redis.debug('x')", "0"],
        ["EVAL", "return type(redis.REDIS_VERSION)", "0"],
        // Shebang flags
        ["EVAL", "#!lua flags=no-writes\nreturn redis.call('set', 'x', 1)", "0"],
        ["EVAL", "#!lua flags=no-writes\nreturn redis.call('get', 's')", "0"], ["EVAL", "#!lua\nreturn 1", "0"],
        ["EVAL", "#!lua flags=bogus\nreturn 1", "0"], ["EVAL", "#!python\nreturn 1", "0"],
        // EVAL_RO
        ["EVAL_RO", "return redis.call('get', KEYS[1])", "1", "s"], ["EVAL_RO", "return redis.call('set', KEYS[1], 1)", "1", "s"],
        ["EVAL_RO", "return redis.call('del', 's')", "0"],
        // Arguments
        ["EVAL", "return 1", "-1"], ["EVAL", "return 1", "2", "a"], ["EVAL", "return 1", "x"], ["EVAL", "return 1"],
        ["EVALSHA", "1234", "0"], ["EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"],
        ["EVALSHA", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "0"], ["EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"],
        // SCRIPT
        ["SCRIPT", "LOAD", "return 'loaded'"], ["EVALSHA", "b534286061d4b9e4026607613b95c06c06015ae8", "0"],
        ["SCRIPT", "EXISTS", "b534286061d4b9e4026607613b95c06c06015ae8", "ffffffffffffffffffffffffffffffffffffffff"],
        ["SCRIPT", "LOAD", "return +"], ["SCRIPT", "LOAD"], ["SCRIPT", "EXISTS"], ["SCRIPT", "KILL"],
        ["SCRIPT", "FLUSH", "BOGUS"], ["SCRIPT", "FLUSH", "ASYNC"],
        ["SCRIPT", "EXISTS", "b534286061d4b9e4026607613b95c06c06015ae8"], ["EVALSHA", "b534286061d4b9e4026607613b95c06c06015ae8", "0"],
        ["SCRIPT", "FLUSH"], ["SCRIPT", "BOGUS"],
        // SELECT in a script stays in the script
        ["EVAL", "redis.call('select', 3) redis.call('set', 'in3', 'x') return redis.call('get', 'in3')", "0"],
        ["GET", "in3"], ["SELECT", "3"], ["GET", "in3"], ["SELECT", "0"],
    ]

    /// SCRIPT HELP is Redis's without SCRIPT DEBUG (kv has no script debugger).
    @Test func scriptHelpListsWhatKVHas() throws {
        let server = try ServerProcess().start()
        let help = try server.redis("SCRIPT", "HELP")
        #expect(help.hasPrefix("SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\nEXISTS <sha1>"))
        #expect(!help.contains("DEBUG"))
    }

    @Test func scriptsAnswerAsRedisDoes() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let pair = try DifferentialPair(kv: try ServerProcess().start(), redis: try RedisServerProcess())
        for command in Self.script {
            try pair.compare(command)
        }
        pair.expectAllMatched()
    }

    /// Pipelined scripts (the first run of a script goes to the script thread, later quick
    /// runs run in place) answer in order, interleaved with plain commands.
    @Test func pipelinedScriptsAnswerInOrder() throws {
        let server = try ServerProcess().start()
        let session = try RESPSession(port: server.port)
        for index in 0..<200 {
            if index % 3 == 0 {
                session.send(["SET", "plain", String(index)])
            } else {
                session.send(["EVAL", "redis.call('SET', KEYS[1], ARGV[1]) return redis.call('INCR', 'n')", "1", "k", String(index)])
            }
        }
        var expected = 0
        for index in 0..<200 {
            let reply = try session.read()
            if index % 3 == 0 {
                #expect(reply == .simple("+OK"))
            } else {
                expected += 1
                #expect(reply == .simple(":\(expected)"), "reply \(index)")
            }
        }
        #expect(try session.call(["GET", "k"]) == .bulk("$", Array("199".utf8)))
    }

    /// Scripts from the wild: a sliding-window rate limiter (a sorted set of request times) and
    /// a job queue that moves jobs between lists and records them in a hash; the clock is an
    /// argument so that both servers see the same times.
    @Test func aRateLimiterAndAJobQueueAnswerAsRedisDoes() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let pair = try DifferentialPair(kv: try ServerProcess().start(), redis: try RedisServerProcess())
        let limiter = """
            local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
            redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
            local count = redis.call('ZCARD', key)
            if count >= limit then return {0, count} end
            redis.call('ZADD', key, now, ARGV[4])
            redis.call('PEXPIRE', key, window)
            return {1, count + 1}
            """
        let claim = """
            local job = redis.call('LMOVE', KEYS[1], KEYS[2], 'LEFT', 'RIGHT')
            if not job then return false end
            redis.call('HSET', KEYS[3], job, ARGV[1])
            return job
            """
        let finish = """
            local removed = redis.call('LREM', KEYS[1], 1, ARGV[1])
            if removed == 0 then return redis.error_reply('NOTCLAIMED ' .. ARGV[1]) end
            redis.call('HDEL', KEYS[2], ARGV[1])
            return redis.call('LLEN', KEYS[1])
            """
        for request in 0..<14 {
            // 10 requests allowed per 1000 ms window; requests 100 ms apart, the window slides.
            try pair.compare(["EVAL", limiter, "1", "rate:user", String(1_000 + request * 50), "1000", "10", "req\(request)"], once: true)
        }
        try pair.compare(["ZCARD", "rate:user"])
        try pair.compare(["RPUSH", "jobs", "a", "b", "c"], once: true)
        for worker in ["w1", "w2", "w3", "w4"] {
            try pair.compare(["EVAL", claim, "3", "jobs", "running", "owners", worker], once: true)
        }
        try pair.compare(["HGETALL", "owners"])
        try pair.compare(["EVAL", finish, "2", "running", "owners", "b"], once: true)
        try pair.compare(["EVAL", finish, "2", "running", "owners", "b"], once: true)
        try pair.compare(["LRANGE", "running", "0", "-1"])
        try pair.compare(["HGETALL", "owners"])
        pair.expectAllMatched()
    }

    /// MONITOR shows the commands a script calls, from the client `lua`, as Redis does.
    @Test func monitorShowsAScriptsCommands() throws {
        let server = try ServerProcess().start()
        let monitor = try RESPSession(port: server.port)
        #expect(try monitor.call(["MONITOR"]) == .simple("+OK"))
        _ = try server.redis("EVAL", "return redis.call('SET', KEYS[1], 'v')", "1", "seen")
        var lines: [String] = []
        for _ in 0..<2 {
            lines.append(try monitor.read().description)
            if lines.last!.contains("[0 lua] \"SET\" \"seen\" \"v\"") { break }
        }
        #expect(lines.contains { $0.contains("[0 lua] \"SET\" \"seen\" \"v\"") }, "\(lines)")
    }

    /// A script's write is a write for WATCH: another client's EXEC on that key fails.
    @Test func aScriptWriteFailsAWatchersExec() throws {
        let server = try ServerProcess().start()
        let watcher = try RESPSession(port: server.port)
        let writer = try RESPSession(port: server.port)
        #expect(try watcher.call(["WATCH", "w"]) == .simple("+OK"))
        #expect(try writer.call(["EVAL", "return redis.call('SET', KEYS[1], 'by script')", "1", "w"]) == .simple("+OK"))
        #expect(try watcher.call(["MULTI"]) == .simple("+OK"))
        #expect(try watcher.call(["SET", "w", "by transaction"]) == .simple("+QUEUED"))
        #expect(try watcher.call(["EXEC"]) == .simple("*-1"))
        #expect(try watcher.call(["GET", "w"]) == .bulk("$", Array("by script".utf8)))
    }

    /// EVAL inside MULTI is queued and runs in EXEC; a WATCHed key a script changes fails
    /// another client's EXEC, as any write.
    @Test func scriptsInTransactionsAnswerAsRedisDoes() throws {
        try #require(RedisServerProcess.isAvailable, "redis-server is needed (apt-get install redis-server)")
        let pair = try DifferentialPair(kv: try ServerProcess().start(), redis: try RedisServerProcess())
        for command: [String] in [
            ["MULTI"], ["EVAL", "return redis.call('incr', 'n')", "0"], ["EVAL", "return redis.call('incr', KEYS[1])", "1", "n"],
            ["EVAL", "error('inside')", "0"], ["EXEC"], ["GET", "n"],
            ["MULTI"], ["EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"], ["EXEC"],
        ] {
            try pair.compare(command)
        }
        pair.expectAllMatched()
    }
}
