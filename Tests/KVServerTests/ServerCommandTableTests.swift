import KVCore
import Testing
@testable import KVServer

/// The server's table: KVCore's families plus the server's own rows, subcommands as rows, and
/// the rules that are read from it (MULTI queueing, arity of subcommands).
@Suite struct ServerCommandTableTests {
    let table = ServerCommands.table

    /// Every KVCore row is in the server's table with its spec as it is, run by the keyspace
    /// — but FLUSHALL, which the server runs over every database (`DatasetCommands.overrides`).
    @Test func everyKeyspaceRowIsInTheServerTableAsAKeyspaceHandler() {
        #expect(Set(DatasetCommands.overrides.keys) == ["flushall"])
        for spec in KeyspaceCommands.table.specs {
            let row = table.lookup(spec.name)
            #expect(row?.spec === spec, "\(spec.name): the server table takes KVCore's spec as it is")
            switch row?.handler {
            case .keyspace: #expect(DatasetCommands.overrides[spec.name] == nil, "\(spec.name) should be the server's")
            case .server: #expect(DatasetCommands.overrides[spec.name] != nil, "\(spec.name) is not run by the keyspace")
            case nil: Issue.record("\(spec.name) is missing")
            }
        }
    }

    @Test func theConnectionCommandsAreRowsOfTheServer() {
        for name in ["ping", "echo", "hello", "auth", "select", "quit", "reset", "client", "command", "info",
                     "role", "wait", "time", "config", "multi", "exec", "discard", "kv.lsn", "kv.stream"] {
            guard case .server = table.lookup(name)?.handler else {
                Issue.record("\(name) is not a server row")
                continue
            }
        }
        #expect(Set(table.specs.map(\.name)).count == table.count)
    }

    @Test func onlyTransactionControlRunsInsideMulti() {
        let running = table.specs.filter { $0.flags.contains(.runsInMulti) }.map(\.name).sorted()
        #expect(running == ["discard", "exec", "multi", "quit", "reset", "watch"])
        // kv's own flag is not a Redis flag: COMMAND INFO does not list it.
        #expect(table.lookup("multi")?.spec.flags.names.contains("runsinmulti") == false)
        #expect(table.lookup("multi")?.spec.flags.names == ["noscript", "loading", "stale", "fast", "allow_busy"])
    }

    @Test func subcommandsAreRowsFoundIgnoringCase() throws {
        let client = try #require(table.lookup("client"))
        let setname = try #require(Array("SetName".utf8).withUnsafeBytes { client.subcommand($0) })
        #expect(setname.spec.name == "client|setname")
        #expect(setname.spec.arity == 3)
        #expect(setname.spec.wrongArity.message == "ERR wrong number of arguments for 'client|setname' command")
        #expect(Array("nosuch".utf8).withUnsafeBytes { client.subcommand($0) } == nil)
        #expect(client.spec.subcommands.map(\.name) == client.subcommands.map(\.spec.name))
        let command = try #require(table.lookup("command"))
        #expect(command.spec.subcommands.map(\.name) == ["command|count", "command|docs", "command|info", "command|list", "command|help"])
    }

    @Test(arguments: [
        (["client", "setname"], "ERR wrong number of arguments for 'client|setname' command"),
        (["client", "nosuch", "x"], "ERR unknown subcommand 'nosuch'. Try CLIENT HELP."),
        (["config", "nope"], "ERR unknown subcommand 'nope'. Try CONFIG HELP."),
        (["client"], "ERR wrong number of arguments for 'client' command"),
        (["get"], "ERR wrong number of arguments for 'get' command"),
    ])
    func resolvingChecksSubcommandAndArity(command: [String], error: String) throws {
        let row = try #require(table.lookup(command[0]))
        let result = OwnedArguments(command).withArguments { CommandDispatcher.resolve(row, $0) }
        guard case let .failure(failure) = result else {
            Issue.record("\(command) was accepted")
            return
        }
        #expect(failure.message == error)
    }

    @Test func subcommandsAreFoundByTheirFullName() {
        let setname = Array("CLIENT|SetName".utf8).withUnsafeBytes { table.lookup(fullName: $0) }
        #expect(setname?.spec.name == "client|setname")
        #expect(Array("client|nosuch".utf8).withUnsafeBytes { table.lookup(fullName: $0) } == nil)
        #expect(Array("get".utf8).withUnsafeBytes { table.lookup(fullName: $0) }?.spec.name == "get")
        #expect(Array("get|x".utf8).withUnsafeBytes { table.lookup(fullName: $0) } == nil)
    }

    @Test func resolvingFindsTheSubcommandRow() throws {
        let row = try #require(table.lookup("CONFIG"))
        let result = OwnedArguments(["CONFIG", "Get", "maxmemory"]).withArguments { CommandDispatcher.resolve(row, $0) }
        guard case let .success(resolved) = result else {
            Issue.record("not resolved")
            return
        }
        #expect(resolved.spec.name == "config|get")
        // COMMAND alone runs the container's own row.
        let command = try #require(table.lookup("command"))
        let alone = OwnedArguments(["command"]).withArguments { CommandDispatcher.resolve(command, $0) }
        guard case let .success(same) = alone else {
            Issue.record("COMMAND alone not resolved")
            return
        }
        #expect(same.spec === command.spec)
    }
}
