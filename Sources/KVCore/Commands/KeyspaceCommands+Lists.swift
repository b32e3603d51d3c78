/// Redis 7.0's metadata for the list commands (`src/commands/l*.json`, `r*.json`) and the
/// keyspace method that runs each. The blocking ones (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH,
/// BLMPOP) need the server's waiting machinery and are not here.
extension KeyspaceCommands {
    private typealias Row = CommandRow<KeyspaceHandler>

    static let lists: [CommandRow<KeyspaceHandler>] = [
        Row("lpush", arity: -3, flags: [.write, .denyOOM, .fast], keys: oneKey, group: "list", since: "1.0.0",
            summary: "Prepends one or more elements to a list. Creates the key if it doesn't exist.",
            handler: { try $0.push($1, $2, &$3, head: true, onlyIfExists: false) }),
        Row("rpush", arity: -3, flags: [.write, .denyOOM, .fast], keys: oneKey, group: "list", since: "1.0.0",
            summary: "Appends one or more elements to a list. Creates the key if it doesn't exist.",
            handler: { try $0.push($1, $2, &$3, head: false, onlyIfExists: false) }),
        Row("lpushx", arity: -3, flags: [.write, .denyOOM, .fast], keys: oneKey, group: "list", since: "2.2.0",
            summary: "Prepends one or more elements to a list only when the list exists.",
            handler: { try $0.push($1, $2, &$3, head: true, onlyIfExists: true) }),
        Row("rpushx", arity: -3, flags: [.write, .denyOOM, .fast], keys: oneKey, group: "list", since: "2.2.0",
            summary: "Appends an element to a list only when the list exists.",
            handler: { try $0.push($1, $2, &$3, head: false, onlyIfExists: true) }),
        Row("lpop", arity: -2, flags: [.write, .fast], keys: oneKey, group: "list", since: "1.0.0",
            summary: "Returns the first elements in a list after removing it. Deletes the list if the last element was popped.",
            handler: { try $0.pop($1, $2, &$3, head: true) }),
        Row("rpop", arity: -2, flags: [.write, .fast], keys: oneKey, group: "list", since: "1.0.0",
            summary: "Returns and removes the last elements of the list. Deletes the list if the last element was popped.",
            handler: { try $0.pop($1, $2, &$3, head: false) }),
        Row("llen", arity: 2, flags: [.readonly, .fast], keys: oneKey, group: "list", since: "1.0.0",
            summary: "Returns the length of a list.", handler: { try $0.llen($1, $2, &$3) }),
        Row("lrange", arity: 4, flags: [.readonly], keys: oneKey, group: "list", since: "1.0.0",
            summary: "Returns a range of elements from a list.", handler: { try $0.lrange($1, $2, &$3) }),
        Row("lindex", arity: 3, flags: [.readonly], keys: oneKey, group: "list", since: "1.0.0",
            summary: "Returns an element from a list by its index.", handler: { try $0.lindex($1, $2, &$3) }),
        Row("lset", arity: 4, flags: [.write, .denyOOM], keys: oneKey, group: "list", since: "1.0.0",
            summary: "Sets the value of an element in a list by its index.", handler: { try $0.lset($1, $2, &$3) }),
        Row("linsert", arity: 5, flags: [.write, .denyOOM], keys: oneKey, group: "list", since: "2.2.0",
            summary: "Inserts an element before or after another element in a list.", handler: { try $0.linsert($1, $2, &$3) }),
        Row("lrem", arity: 4, flags: [.write], keys: oneKey, group: "list", since: "1.0.0",
            summary: "Removes elements from a list. Deletes the list if the last element was removed.",
            handler: { try $0.lrem($1, $2, &$3) }),
        Row("ltrim", arity: 4, flags: [.write], keys: oneKey, group: "list", since: "1.0.0",
            summary: "Removes elements from both ends a list. Deletes the list if all elements were trimmed.",
            handler: { try $0.ltrim($1, $2, &$3) }),
        Row("lpos", arity: -3, flags: [.readonly], keys: oneKey, group: "list", since: "6.0.6",
            summary: "Returns the index of matching elements in a list.", handler: { try $0.lpos($1, $2, &$3) }),
        Row("lmove", arity: 5, flags: [.write, .denyOOM], keys: (1, 2, 1), group: "list", since: "6.2.0",
            summary: "Returns an element after popping it from one list and pushing it to another. Deletes the list if the last element was moved.",
            handler: { keyspace, a, c, e in
                let from = a.matches(3, "left") ? true : a.matches(3, "right") ? false : nil
                let to = a.matches(4, "left") ? true : a.matches(4, "right") ? false : nil
                guard let from, let to else { throw CommandError.syntax }
                return try keyspace.lmove(a, c, &e, fromHead: from, toHead: to)
            }),
        Row("rpoplpush", arity: 3, flags: [.write, .denyOOM], keys: (1, 2, 1), group: "list", since: "1.2.0",
            summary: "Returns the last element of a list after removing and pushing it to another list. Deletes the list if the last element was popped.",
            handler: { try $0.lmove($1, $2, &$3, fromHead: false, toHead: true) }),
        // Keys found through numkeys: COMMAND INFO reports 0 0 0 (Redis's movablekeys).
        Row("lmpop", arity: -4, flags: [.write, .movableKeys], group: "list", since: "7.0.0",
            summary: "Returns multiple elements from a list after removing them. Deletes the list if the last element was popped.",
            handler: { try $0.lmpop($1, $2, &$3) }),
    ]
}
