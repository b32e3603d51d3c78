import KVCore
import Testing

/// The keyspace's own table (KVCore's families); the server's, with the connection commands,
/// is tested in KVServerTests/ServerCommandTableTests.
@Suite("Command table")
struct CommandTableTests {
    let table = KeyspaceCommands.table

    @Test(arguments: ["get", "GET", "Get", "gEt"])
    func lookupIgnoresCase(name: String) {
        #expect(table.lookup(name)?.spec.name == "get")
    }

    @Test func unknownNamesAreNotFound() {
        for name in ["", "ge", "gett", "lpushall", "hsetall", "evalx", "get\0", "clientsetname", "a-very-long-command-name", "ping"] {
            #expect(table.lookup(name) == nil, "\(name)")
        }
    }

    @Test func everyCommandIsFoundUnderItsNameAndNamesAreUnique() {
        #expect(Set(table.specs.map(\.name)).count == table.count)
        for spec in table.specs {
            #expect(table.lookup(spec.name)?.spec.name == spec.name)
            #expect(table.lookup(spec.name.uppercased())?.spec.name == spec.name)
            #expect(spec.name == spec.name.lowercased())
            #expect(!spec.summary.isEmpty)
        }
    }

    /// Each row runs its own command: the handler behind a name answers as that command
    /// (on a keyspace holding k = "v" and n = "1").
    @Test(arguments: [
        (["set", "k", "v"], Reply.ok), (["get", "k"], .bulk("v")), (["strlen", "k"], .integer(1)),
        (["append", "k", "w"], .integer(2)), (["exists", "k", "nope"], .integer(1)), (["type", "k"], .simple("string")),
        (["incr", "n"], .integer(2)), (["decrby", "n", "5"], .integer(-4)), (["dbsize"], .integer(2)),
        (["unlink", "n"], .integer(1)), (["ttl", "k"], .integer(-1)), (["getrange", "k", "0", "-1"], .bulk("v")),
    ] as [([String], Reply)])
    func rowsRunTheirCommand(command: [String], reply: Reply) {
        let now = UnixMillis(1_700_000_000_000)
        var keyspace = Keyspace()
        keyspace.run(["set", "k", "v"], now: now)
        keyspace.run(["set", "n", "1"], now: now)
        #expect(keyspace.run(command, now: now).reply == reply, "\(command)")
    }

    @Test func writeCommandsAreMarkedAndReadsAreNot() {
        for name in ["set", "del", "incr", "expire", "flushall", "getex", "getdel", "persist", "rename"] {
            #expect(table.lookup(name)?.spec.isWrite == true, "\(name)")
        }
        for name in ["get", "mget", "ttl", "scan", "keys", "exists", "dbsize"] {
            #expect(table.lookup(name)?.spec.isWrite == false, "\(name)")
        }
    }

    @Test func arityFollowsRedisConventions() throws {
        let get = try #require(table.lookup("get")?.spec)
        #expect(get.accepts(argumentCount: 2))
        #expect(!get.accepts(argumentCount: 1) && !get.accepts(argumentCount: 3))
        let set = try #require(table.lookup("set")?.spec)
        #expect(set.accepts(argumentCount: 3) && set.accepts(argumentCount: 9))
        #expect(!set.accepts(argumentCount: 2))
        #expect(set.wrongArity.message == "ERR wrong number of arguments for 'set' command")
        #expect(set.flags.names == ["write", "denyoom"])
        #expect((set.firstKey, set.lastKey, set.keyStep) == (1, 1, 1))
        let mset = try #require(table.lookup("mset")?.spec)
        #expect((mset.firstKey, mset.lastKey, mset.keyStep) == (1, -1, 2))
        #expect(table.lookup("get")?.spec.flags.contains(.noAuth) == false)
    }

    /// The wrong arity is caught by the row's spec before its handler runs.
    @Test func executeChecksTheArity() {
        var keyspace = Keyspace()
        #expect(keyspace.run(["get"], now: UnixMillis(0)).reply == .error(CommandError("ERR wrong number of arguments for 'get' command")))
        #expect(keyspace.run(["expire", "k"], now: UnixMillis(0)).reply == .error(CommandError("ERR wrong number of arguments for 'expire' command")))
    }
}
