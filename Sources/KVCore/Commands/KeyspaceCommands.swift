/// Runs one keyspace command: Redis's semantics over the keyspace, every change appended to
/// the effects as `WriteOperation`s (see `Keyspace.execute`). It throws only `CommandError`s
/// (untyped here because closures in the rows cannot infer a typed throw from the table's type).
public typealias KeyspaceHandler =
    @Sendable (inout Keyspace, Arguments, CommandContext, inout [WriteOperation]) throws -> Reply

/// The command families the keyspace executes itself, one row set each
/// (`KeyspaceCommands+Strings.swift`, …). The server's table takes these rows in and adds the
/// commands only it can run.
public enum KeyspaceCommands {
    /// Every keyspace family, in the order COMMAND lists them.
    public static let families: [[CommandRow<KeyspaceHandler>]] = [
        strings, counters, bits, keys, expiry, database, hashes, lists, sets, sortedSets, objects,
    ]

    /// The keyspace's commands alone (tests, tools that run commands without a server).
    public static let table = CommandTable(families)

    static let oneKey = (first: 1, last: 1, step: 1)
    static let allKeys = (first: 1, last: -1, step: 1)
    static let keyValuePairs = (first: 1, last: -1, step: 2)
}
