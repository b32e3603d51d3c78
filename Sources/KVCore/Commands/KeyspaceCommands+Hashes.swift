/// Redis 7.0's metadata for the hash commands (`src/commands/h*.json`) and the keyspace method
/// that runs each.
extension KeyspaceCommands {
    private typealias Row = CommandRow<KeyspaceHandler>

    static let hashes: [CommandRow<KeyspaceHandler>] = [
        Row("hset", arity: -4, flags: [.write, .denyOOM, .fast], keys: oneKey, group: "hash", since: "2.0.0",
            summary: "Creates or modifies the value of a field in a hash.", handler: { try $0.hset($1, $2, &$3, command: "hset") }),
        Row("hsetnx", arity: 4, flags: [.write, .denyOOM, .fast], keys: oneKey, group: "hash", since: "2.0.0",
            summary: "Sets the value of a field in a hash only when the field doesn't exist.", handler: { try $0.hsetnx($1, $2, &$3) }),
        Row("hget", arity: 3, flags: [.readonly, .fast], keys: oneKey, group: "hash", since: "2.0.0",
            summary: "Returns the value of a field in a hash.", handler: { try $0.hget($1, $2, &$3) }),
        Row("hmget", arity: -3, flags: [.readonly, .fast], keys: oneKey, group: "hash", since: "2.0.0",
            summary: "Returns the values of all fields in a hash.", handler: { try $0.hmget($1, $2, &$3) }),
        Row("hmset", arity: -4, flags: [.write, .denyOOM, .fast], keys: oneKey, group: "hash", since: "2.0.0",
            summary: "Sets the values of multiple fields.", handler: { try $0.hset($1, $2, &$3, command: "hmset") }),
        Row("hdel", arity: -3, flags: [.write, .fast], keys: oneKey, group: "hash", since: "2.0.0",
            summary: "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.",
            handler: { try $0.hdel($1, $2, &$3) }),
        Row("hexists", arity: 3, flags: [.readonly, .fast], keys: oneKey, group: "hash", since: "2.0.0",
            summary: "Determines whether a field exists in a hash.", handler: { try $0.hexists($1, $2, &$3) }),
        Row("hlen", arity: 2, flags: [.readonly, .fast], keys: oneKey, group: "hash", since: "2.0.0",
            summary: "Returns the number of fields in a hash.", handler: { try $0.hlen($1, $2, &$3) }),
        Row("hstrlen", arity: 3, flags: [.readonly, .fast], keys: oneKey, group: "hash", since: "3.2.0",
            summary: "Returns the length of the value of a field.", handler: { try $0.hstrlen($1, $2, &$3) }),
        Row("hkeys", arity: 2, flags: [.readonly], keys: oneKey, group: "hash", since: "2.0.0",
            summary: "Returns all fields in a hash.", handler: { try $0.hgetall($1, $2, &$3, fields: true, values: false) }),
        Row("hvals", arity: 2, flags: [.readonly], keys: oneKey, group: "hash", since: "2.0.0",
            summary: "Returns all values in a hash.", handler: { try $0.hgetall($1, $2, &$3, fields: false, values: true) }),
        Row("hgetall", arity: 2, flags: [.readonly], keys: oneKey, group: "hash", since: "2.0.0",
            summary: "Returns all fields and values in a hash.", handler: { try $0.hgetall($1, $2, &$3, fields: true, values: true) }),
        Row("hincrby", arity: 4, flags: [.write, .denyOOM, .fast], keys: oneKey, group: "hash", since: "2.0.0",
            summary: "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.",
            handler: { try $0.hincrby($1, $2, &$3) }),
        Row("hincrbyfloat", arity: 4, flags: [.write, .denyOOM, .fast], keys: oneKey, group: "hash", since: "2.6.0",
            summary: "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.",
            handler: { try $0.hincrbyfloat($1, $2, &$3) }),
        Row("hrandfield", arity: -2, flags: [.readonly], keys: oneKey, group: "hash", since: "6.2.0",
            summary: "Returns one or more random fields from a hash.", handler: { try $0.hrandfield($1, $2, &$3) }),
        Row("hscan", arity: -3, flags: [.readonly], keys: oneKey, group: "hash", since: "2.8.0",
            summary: "Iterates over fields and values of a hash.", handler: { try $0.hscan($1, $2, &$3) }),
    ]
}
