import Foundation
import Testing

/// A script past `--busy-reply-threshold`: every other client is answered `-BUSY` (on every
/// event loop, the script's own included), SCRIPT KILL stops a script that has not written,
/// one that wrote is UNKILLABLE and SHUTDOWN NOSAVE still stops the server, its half-done
/// writes never logged.
@Suite(.serialized) struct ScriptBusyTests {
    static let loop = "local i = 0 while true do i = i + 1 end"

    @Test func aLoopingScriptAnswersBusyUntilScriptKill() throws {
        let server = try ServerProcess(arguments: ["--busy-reply-threshold", "300"]).start()
        #expect(try server.redis("CONFIG", "GET", "busy-reply-threshold") == "busy-reply-threshold\n300")
        #expect(try server.redis("CONFIG", "GET", "lua-time-limit") == "lua-time-limit\n300")
        let looping = try RESPSession(port: server.port)
        looping.send(["EVAL", Self.loop, "0"])
        Thread.sleep(forTimeInterval: 0.6)
        // Four clients: with two event loops, some share the script caller's loop.
        let others = try (0..<4).map { _ in try RESPSession(port: server.port) }
        for other in others {
            #expect(try other.call(["GET", "x"]) == .simple("-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."))
        }
        #expect(try others[0].call(["SCRIPT", "KILL"]) == .simple("+OK"))
        let killed = try looping.read()
        #expect(killed.description.hasPrefix("-ERR Script killed by user with SCRIPT KILL... script: "), "\(killed)")
        for other in others { #expect(try other.call(["PING"]) == .simple("+PONG")) }
        #expect(try others[1].call(["SCRIPT", "KILL"]) == .simple("-NOTBUSY No scripts in execution right now."))
        // Run on the script thread, the EVAL is in SLOWLOG with the script's time.
        #expect(try server.redis("SLOWLOG", "GET", "1").contains(Self.loop))
        // pcall cannot catch the kill: the hook fires again on the next line.
        looping.send(["EVAL", "while true do pcall(function() while true do end end) end", "0"])
        Thread.sleep(forTimeInterval: 0.6)
        #expect(try others[2].call(["SCRIPT", "KILL"]) == .simple("+OK"))
        #expect(try looping.read().description.hasPrefix("-ERR Script killed by user"))
        #expect(try looping.call(["EVAL", "return 'alive'", "0"]) == .bulk("$", Array("alive".utf8)))
    }

    @Test func aScriptThatWroteIsUnkillableAndShutdownNosaveDropsItsWrites() throws {
        let server = try ServerProcess(arguments: ["--busy-reply-threshold", "300"]).start()
        #expect(try server.redis("SET", "before", "1") == "OK")
        let looping = try RESPSession(port: server.port)
        looping.send(["EVAL", "redis.call('set', 'half', '1') " + Self.loop, "0"])
        Thread.sleep(forTimeInterval: 0.6)
        let other = try RESPSession(port: server.port)
        #expect(try other.call(["SCRIPT", "KILL"]) == .simple(
            "-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."))
        #expect(try other.call(["SHUTDOWN"]) == .simple("-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."))
        other.send(["SHUTDOWN", "NOSAVE"])
        _ = try server.waitUntilExited(timeout: 20)
        try server.start()
        #expect(try server.redis("GET", "before") == "1")
        #expect(try server.redis("EXISTS", "half") == "0", "half a script must never be in the log")
    }
}
