import KVCore
import Testing

@Suite("Command table")
struct CommandTableTests {
    @Test(arguments: ["get", "GET", "Get", "gEt"])
    func lookupIgnoresCase(name: String) {
        #expect(CommandTable.lookup(name)?.name == "get")
    }

    @Test func unknownNamesAreNotFound() {
        for name in ["", "ge", "gett", "lpush", "hset", "eval", "get\0", "clientsetname", "a-very-long-command-name"] {
            #expect(CommandTable.lookup(name) == nil, "\(name)")
        }
    }

    @Test func everyCommandIsFoundUnderItsNameAndNamesAreUnique() {
        #expect(Set(CommandTable.all.map(\.name)).count == CommandTable.all.count)
        for spec in CommandTable.all {
            #expect(CommandTable.lookup(spec.name)?.name == spec.name)
            #expect(CommandTable.lookup(spec.name.uppercased())?.name == spec.name)
            #expect(spec.name == spec.name.lowercased())
            #expect(!spec.summary.isEmpty)
        }
    }

    @Test func everyKeyspaceCommandHasOneSpecWithItsArity() {
        for command in KeyspaceCommand.allCases {
            let specs = CommandTable.all.filter { $0.handler == .keyspace(command) }
            #expect(specs.count == 1, "\(command)")
            #expect(specs.first?.arity == command.arity, "\(command)")
            #expect(specs.first?.name == command.name)
        }
    }

    @Test func theConnectionCommandsTheSpecNamesAreThere() {
        for name in ["ping", "echo", "hello", "auth", "select", "quit", "reset", "client", "command", "info",
                     "role", "wait", "time", "config", "multi", "exec", "discard"] {
            #expect(CommandTable.lookup(name)?.handler == .connection, "\(name)")
        }
        #expect(CommandTable.lookup("dbsize")?.handler == .keyspace(.dbsize))
    }

    @Test func writeCommandsAreMarkedAndReadsAreNot() {
        for name in ["set", "del", "incr", "expire", "flushall", "getex", "getdel", "persist", "rename"] {
            #expect(CommandTable.lookup(name)?.isWrite == true, "\(name)")
        }
        for name in ["get", "mget", "ttl", "scan", "keys", "exists", "ping", "dbsize"] {
            #expect(CommandTable.lookup(name)?.isWrite == false, "\(name)")
        }
    }

    @Test func arityFollowsRedisConventions() throws {
        let get = try #require(CommandTable.lookup("get"))
        #expect(get.accepts(argumentCount: 2))
        #expect(!get.accepts(argumentCount: 1) && !get.accepts(argumentCount: 3))
        let set = try #require(CommandTable.lookup("set"))
        #expect(set.accepts(argumentCount: 3) && set.accepts(argumentCount: 9))
        #expect(!set.accepts(argumentCount: 2))
        #expect(set.wrongArity.message == "ERR wrong number of arguments for 'set' command")
        #expect(set.flags.names == ["write", "denyoom"])
        #expect((set.firstKey, set.lastKey, set.keyStep) == (1, 1, 1))
        let mset = try #require(CommandTable.lookup("mset"))
        #expect((mset.firstKey, mset.lastKey, mset.keyStep) == (1, -1, 2))
        #expect(CommandTable.lookup("hello")?.flags.contains(.noAuth) == true)
        #expect(CommandTable.lookup("auth")?.flags.contains(.noAuth) == true)
        #expect(CommandTable.lookup("get")?.flags.contains(.noAuth) == false)
    }

    @Test func subcommandsAreFoundIgnoringCase() throws {
        let client = try #require(CommandTable.lookup("client"))
        let setname = Array("SetName".utf8).withUnsafeBytes { CommandTable.subcommand($0, of: client) }
        #expect(setname?.name == "client|setname")
        #expect(setname?.arity == 3)
        #expect(setname?.wrongArity.message == "ERR wrong number of arguments for 'client|setname' command")
        let none = Array("kill".utf8).withUnsafeBytes { CommandTable.subcommand($0, of: client) }
        #expect(none == nil)
        let command = try #require(CommandTable.lookup("command"))
        #expect(command.subcommands.map(\.name) == ["command|count", "command|docs", "command|info"])
    }
}
