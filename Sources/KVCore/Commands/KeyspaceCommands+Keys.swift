/// Redis 7's metadata for the keyspace commands (arity, flags, key positions, group, summary, version), from
/// Redis's `src/commands/*.json`, and the keyspace method that runs each.
extension KeyspaceCommands {
    private typealias Row = CommandRow<KeyspaceHandler>

    static let keys: [CommandRow<KeyspaceHandler>] = [
        Row("del", arity: -2, flags: [.write], keys: allKeys, group: "generic", since: "1.0.0",
            summary: "Deletes one or more keys.", handler: { $0.del($1, $2, &$3) }),
        Row("unlink", arity: -2, flags: [.write, .fast], keys: allKeys, group: "generic", since: "4.0.0",
            summary: "Asynchronously deletes one or more keys.", handler: { $0.del($1, $2, &$3) }),
        Row("exists", arity: -2, flags: [.readonly, .fast], keys: allKeys, group: "generic", since: "1.0.0",
            summary: "Determines whether one or more keys exist.", handler: { $0.exists($1, $2, &$3) }),
        Row("type", arity: 2, flags: [.readonly, .fast], keys: oneKey, group: "generic", since: "1.0.0",
            summary: "Determines the type of value stored at a key.", handler: { $0.type($1, $2, &$3) }),
        Row("rename", arity: 3, flags: [.write], keys: (1, 2, 1), group: "generic", since: "1.0.0",
            summary: "Renames a key and overwrites the destination.", handler: { try $0.rename($1, $2, &$3, onlyIfNew: false) }),
        Row("renamenx", arity: 3, flags: [.write, .fast], keys: (1, 2, 1), group: "generic", since: "1.0.0",
            summary: "Renames a key only when the target key name doesn't exist.", handler: { try $0.rename($1, $2, &$3, onlyIfNew: true) }),
        Row("randomkey", arity: 1, flags: [.readonly], group: "generic", since: "1.0.0",
            summary: "Returns a random key name from the database.", handler: { keyspace, _, context, effects in keyspace.randomkey(context, &effects) }),
        Row("keys", arity: 2, flags: [.readonly], group: "generic", since: "1.0.0",
            summary: "Returns all key names that match a pattern.", handler: { keyspace, arguments, context, _ in keyspace.keys(arguments, context) }),
        Row("scan", arity: -2, flags: [.readonly], group: "generic", since: "2.8.0",
            summary: "Iterates over the key names in the database.", handler: { try $0.scan($1, $2, &$3) }),
    ]

    static let expiry: [CommandRow<KeyspaceHandler>] = [
        Row("expire", arity: -3, flags: [.write, .fast], keys: oneKey, group: "generic", since: "1.0.0",
            summary: "Sets the expiration time of a key in seconds.", handler: { try $0.expire($1, $2, &$3, unit: .seconds, relative: true) }),
        Row("pexpire", arity: -3, flags: [.write, .fast], keys: oneKey, group: "generic", since: "2.6.0",
            summary: "Sets the expiration time of a key in milliseconds.", handler: { try $0.expire($1, $2, &$3, unit: .milliseconds, relative: true) }),
        Row("expireat", arity: -3, flags: [.write, .fast], keys: oneKey, group: "generic", since: "1.2.0",
            summary: "Sets the expiration time of a key to a Unix timestamp.", handler: { try $0.expire($1, $2, &$3, unit: .seconds, relative: false) }),
        Row("pexpireat", arity: -3, flags: [.write, .fast], keys: oneKey, group: "generic", since: "2.6.0",
            summary: "Sets the expiration time of a key to a Unix milliseconds timestamp.", handler: { try $0.expire($1, $2, &$3, unit: .milliseconds, relative: false) }),
        Row("ttl", arity: 2, flags: [.readonly, .fast], keys: oneKey, group: "generic", since: "1.0.0",
            summary: "Returns the expiration time in seconds of a key.", handler: { $0.ttl($1, $2, &$3, unit: .seconds, absolute: false) }),
        Row("pttl", arity: 2, flags: [.readonly, .fast], keys: oneKey, group: "generic", since: "2.6.0",
            summary: "Returns the expiration time in milliseconds of a key.", handler: { $0.ttl($1, $2, &$3, unit: .milliseconds, absolute: false) }),
        Row("expiretime", arity: 2, flags: [.readonly, .fast], keys: oneKey, group: "generic", since: "7.0.0",
            summary: "Returns the expiration time of a key as a Unix timestamp.", handler: { $0.ttl($1, $2, &$3, unit: .seconds, absolute: true) }),
        Row("pexpiretime", arity: 2, flags: [.readonly, .fast], keys: oneKey, group: "generic", since: "7.0.0",
            summary: "Returns the expiration time of a key as a Unix milliseconds timestamp.",
            handler: { $0.ttl($1, $2, &$3, unit: .milliseconds, absolute: true) }),
        Row("persist", arity: 2, flags: [.write, .fast], keys: oneKey, group: "generic", since: "2.2.0",
            summary: "Removes the expiration time of a key.", handler: { $0.persist($1, $2, &$3) }),
    ]

    /// The whole database.
    static let database: [CommandRow<KeyspaceHandler>] = [
        Row("flushdb", arity: -1, flags: [.write], group: "server", since: "1.0.0",
            summary: "Remove all keys from the current database.", handler: { keyspace, arguments, _, effects in try keyspace.flush(arguments, &effects) }),
        Row("flushall", arity: -1, flags: [.write], group: "server", since: "1.0.0",
            summary: "Removes all keys from all databases.", handler: { keyspace, arguments, _, effects in try keyspace.flush(arguments, &effects) }),
        Row("dbsize", arity: 1, flags: [.readonly, .fast], group: "server", since: "1.0.0",
            summary: "Returns the number of keys in the database.", handler: { keyspace, _, _, _ in .integer(Int64(keyspace.count)) }),
    ]
}
