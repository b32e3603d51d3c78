import KVServer

await KVServerCommand.main(EnvironmentDefaults.apply(to: Array(CommandLine.arguments.dropFirst())))
