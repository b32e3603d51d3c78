/// The commands the keyspace executes itself (`Keyspace.execute`).
public enum KeyspaceCommand: Sendable, Hashable, CaseIterable {
    // Strings
    case get, set, setnx, setex, psetex, getset, getdel, getex, mget, mset, msetnx
    case append, strlen, getrange, setrange
    // Counters
    case incr, decr, incrby, decrby, incrbyfloat
    // Keys
    case del, unlink, exists, type, rename, renamenx, randomkey, keys, scan
    // Expiry
    case expire, pexpire, expireat, pexpireat, ttl, pttl, expiretime, pexpiretime, persist
    // Whole keyspace
    case flushdb, flushall, dbsize
}

/// Who executes a command.
public enum CommandHandler: Sendable, Hashable {
    /// The keyspace, through `Keyspace.execute`.
    case keyspace(KeyspaceCommand)
    /// The server: connection state, transactions, replication, introspection.
    case connection
}
