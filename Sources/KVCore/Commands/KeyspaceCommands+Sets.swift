/// Redis 7.0's metadata for the set commands (`src/commands/s*.json`: arity, flags, key
/// positions, since; summaries in the wording of the current docs, as the other families) and
/// the keyspace method that runs each. SINTERCARD's keys follow its numkeys argument (Redis's
/// movablekeys): COMMAND reports 0 0 0 for it, as Redis does.
extension KeyspaceCommands {
    private typealias Row = CommandRow<KeyspaceHandler>

    static let sets: [CommandRow<KeyspaceHandler>] = [
        Row("sadd", arity: -3, flags: [.write, .denyOOM, .fast], keys: oneKey, group: "set", since: "1.0.0",
            summary: "Adds one or more members to a set. Creates the key if it doesn't exist.", handler: { try $0.sadd($1, $2, &$3) }),
        Row("srem", arity: -3, flags: [.write, .fast], keys: oneKey, group: "set", since: "1.0.0",
            summary: "Removes one or more members from a set. Deletes the set if the last member was removed.",
            handler: { try $0.srem($1, $2, &$3) }),
        Row("scard", arity: 2, flags: [.readonly, .fast], keys: oneKey, group: "set", since: "1.0.0",
            summary: "Returns the number of members in a set.", handler: { try $0.scard($1, $2, &$3) }),
        Row("smembers", arity: 2, flags: [.readonly], keys: oneKey, group: "set", since: "1.0.0",
            summary: "Returns all members of a set.", handler: { try $0.smembers($1, $2, &$3) }),
        Row("sismember", arity: 3, flags: [.readonly, .fast], keys: oneKey, group: "set", since: "1.0.0",
            summary: "Determines whether a member belongs to a set.", handler: { try $0.sismember($1, $2, &$3) }),
        Row("smismember", arity: -3, flags: [.readonly, .fast], keys: oneKey, group: "set", since: "6.2.0",
            summary: "Determines whether multiple members belong to a set.", handler: { try $0.smismember($1, $2, &$3) }),
        Row("spop", arity: -2, flags: [.write, .fast], keys: oneKey, group: "set", since: "1.0.0",
            summary: "Returns one or more random members from a set after removing them. Deletes the set if the last member was popped.",
            handler: { try $0.spop($1, $2, &$3) }),
        Row("srandmember", arity: -2, flags: [.readonly], keys: oneKey, group: "set", since: "1.0.0",
            summary: "Get one or multiple random members from a set", handler: { try $0.srandmember($1, $2, &$3) }),
        Row("smove", arity: 4, flags: [.write, .fast], keys: (first: 1, last: 2, step: 1), group: "set", since: "1.0.0",
            summary: "Moves a member from one set to another.", handler: { try $0.smove($1, $2, &$3) }),
        Row("sinter", arity: -2, flags: [.readonly], keys: allKeys, group: "set", since: "1.0.0",
            summary: "Returns the intersect of multiple sets.", handler: { try $0.sinter($1, $2, &$3) }),
        Row("sintercard", arity: -3, flags: [.readonly, .movableKeys], group: "set", since: "7.0.0",
            summary: "Returns the number of members of the intersect of multiple sets.", handler: { try $0.sintercard($1, $2, &$3) }),
        Row("sinterstore", arity: -3, flags: [.write, .denyOOM], keys: allKeys, group: "set", since: "1.0.0",
            summary: "Stores the intersect of multiple sets in a key.", handler: { try $0.sinterstore($1, $2, &$3) }),
        Row("sunion", arity: -2, flags: [.readonly], keys: allKeys, group: "set", since: "1.0.0",
            summary: "Returns the union of multiple sets.", handler: { try $0.sunion($1, $2, &$3) }),
        Row("sunionstore", arity: -3, flags: [.write, .denyOOM], keys: allKeys, group: "set", since: "1.0.0",
            summary: "Stores the union of multiple sets in a key.", handler: { try $0.sunionstore($1, $2, &$3) }),
        Row("sdiff", arity: -2, flags: [.readonly], keys: allKeys, group: "set", since: "1.0.0",
            summary: "Returns the difference of multiple sets.", handler: { try $0.sdiff($1, $2, &$3) }),
        Row("sdiffstore", arity: -3, flags: [.write, .denyOOM], keys: allKeys, group: "set", since: "1.0.0",
            summary: "Stores the difference of multiple sets in a key.", handler: { try $0.sdiffstore($1, $2, &$3) }),
        Row("sscan", arity: -3, flags: [.readonly], keys: oneKey, group: "set", since: "2.8.0",
            summary: "Iterates over members of a set.", handler: { try $0.sscan($1, $2, &$3) }),
    ]
}
