import ArgumentParser
import KVServer

// Flags first, then KV_* environment variables for flags the command line did not name.
let arguments = EnvironmentDefaults.apply(to: Array(CommandLine.arguments.dropFirst()))
do {
    var command = try KVServerCommand.parseAsRoot(arguments)
    if var server = command as? KVServerCommand {
        try await server.serve()
    } else {
        try command.run()
    }
} catch {
    KVServerCommand.exit(withError: error)
}
