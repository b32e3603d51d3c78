import KVCore
import KVReplicationWire
import Synchronization

/// Keyspace notifications (`notify-keyspace-events`): the events a write fires, named as
/// Redis 7.0 names them, published on `__keyspace@<db>__:<key>` and `__keyevent@<db>__:<event>`.
///
/// kv finds a command's events from what it changed (its `WriteOperation`s) and the
/// command's name, rather than from inside every command: one table here, nothing in the
/// keyspace's hot paths, nothing paid while notifications are off (one atomic load per write).
/// docs/protocol.md, "Keyspace notifications", lists what is and is not fired.
final class KeyspaceNotifications: Sendable {
    private let classes: Atomic<UInt32>

    init(_ classes: KeyspaceEventClasses) {
        self.classes = Atomic(classes.rawValue)
    }

    /// The classes in force (CONFIG GET).
    var current: KeyspaceEventClasses { KeyspaceEventClasses(rawValue: classes.load(ordering: .relaxed)) }

    /// CONFIG SET notify-keyspace-events.
    func set(_ classes: KeyspaceEventClasses) { self.classes.store(classes.rawValue, ordering: .relaxed) }

    /// Whether any event is published now.
    var isOn: Bool { current.publishesAny }

    /// One event: its class, name, key and database.
    struct Event {
        var kind: KeyspaceEventClasses
        var name: String
        var key: [UInt8]
        var database: Int
    }

    /// The messages `events` make under the classes in force, each following `after`.
    func messages(_ events: [Event], after: LSN) -> [PublishedMessage] {
        let classes = current
        var messages: [PublishedMessage] = []
        for event in events where classes.contains(event.kind) {
            if classes.contains(.keyspace) {
                messages.append(PublishedMessage(namespace: .global, channel: Array("__keyspace@\(event.database)__:".utf8) + event.key,
                                                 message: Array(event.name.utf8), after: after))
            }
            if classes.contains(.keyevent) {
                messages.append(PublishedMessage(namespace: .global, channel: Array("__keyevent@\(event.database)__:\(event.name)".utf8),
                                                 message: event.key, after: after))
            }
        }
        return messages
    }

    /// Active expiry's deletes: `expired` events.
    static func expiredEvents(_ effects: ArraySlice<WriteOperation>) -> [Event] {
        var database = 0
        var events: [Event] = []
        for effect in effects {
            switch effect {
            case let .select(index): database = index
            case let .delete(key): events.append(Event(kind: .expired, name: "expired", key: key, database: database))
            default: break
            }
        }
        return events
    }
}

/// What one effect touched.
struct TouchedKey {
    enum Change { case put(expires: Bool), edit, delete, expire(persist: Bool) }
    var key: [UInt8]
    var database: Int
    var change: Change
}

extension KeyspaceNotifications {
    /// The events of one command that ran in `database` and left `effects`; `exists` says
    /// whether a key is there after the command (a collection emptied fires `del`).
    static func events(
        command name: String, _ arguments: Arguments, isWrite: Bool, database: Int,
        effects: ArraySlice<WriteOperation>, exists: ([UInt8], Int) -> Bool
    ) -> [Event] {
        var touched: [TouchedKey] = []
        var current = database
        for effect in effects {
            switch effect {
            case let .select(index): current = index
            case let .put(entry): touched.append(TouchedKey(key: entry.key, database: current, change: .put(expires: entry.expiresAt != nil)))
            case let .edit(key, _): touched.append(TouchedKey(key: key, database: current, change: .edit))
            case let .delete(key): touched.append(TouchedKey(key: key, database: current, change: .delete))
            case let .expire(key, at): touched.append(TouchedKey(key: key, database: current, change: .expire(persist: at == nil)))
            default: break
            }
        }
        var events: [Event] = []
        // A delete a read caused, or one followed by another change of the same key, is a key
        // found expired on access.
        var changes: [TouchedKey] = []
        for (index, change) in touched.enumerated() {
            if case .delete = change.change,
               !isWrite || touched[(index + 1)...].contains(where: { $0.key == change.key && $0.database == change.database }) {
                events.append(Event(kind: .expired, name: "expired", key: change.key, database: change.database))
            } else {
                changes.append(change)
            }
        }
        guard isWrite, !changes.isEmpty else { return events }
        func fire(_ kind: KeyspaceEventClasses, _ event: String, _ change: TouchedKey) {
            events.append(Event(kind: kind, name: event, key: change.key, database: change.database))
        }
        func isArgument(_ position: Int, _ change: TouchedKey) -> Bool {
            position < arguments.count && arguments.bytes(position) == change.key
        }
        switch name {
        case "del", "unlink", "getdel":
            for change in changes { fire(.generic, "del", change) }
        case "expire", "pexpire", "expireat", "pexpireat", "persist", "getex":
            for change in changes {
                switch change.change {
                case .delete: fire(.generic, "del", change)
                case let .expire(persist): fire(.generic, persist ? "persist" : "expire", change)
                default: break
                }
            }
        case "rename", "renamenx":
            events.append(Event(kind: .generic, name: "rename_from", key: arguments.bytes(1), database: database))
            events.append(Event(kind: .generic, name: "rename_to", key: arguments.bytes(2), database: database))
        case "copy":
            for change in changes where isArgument(2, change) { fire(.generic, "copy_to", change) }
        case "move":
            for change in changes { fire(.generic, change.database == database ? "move_from" : "move_to", change) }
        case "set", "setex", "psetex":
            let expires = name != "set" || (2..<arguments.count).contains { index in
                ["ex", "px", "exat", "pxat"].contains { arguments.matches(index, $0) }
            }
            for change in changes {
                fire(.string, "set", change)
                if expires { fire(.generic, "expire", change) }
            }
        case "smove":
            // As Redis: the source's srem (and del when emptied), then the destination's sadd.
            let source = TouchedKey(key: arguments.bytes(1), database: database, change: .edit)
            fire(.set, "srem", source)
            if !exists(source.key, database) { fire(.generic, "del", source) }
            if changes.contains(where: { isArgument(2, $0) }) {
                fire(.set, "sadd", TouchedKey(key: arguments.bytes(2), database: database, change: .edit))
            }
        case "lmove", "blmove", "rpoplpush", "brpoplpush":
            // As Redis: the destination's push, then the source's pop (and del when emptied).
            let rpoplpush = name.hasSuffix("rpoplpush")
            let pop = rpoplpush || arguments.matches(3, "right") ? "rpop" : "lpop"
            let push = rpoplpush || arguments.matches(4, "left") ? "lpush" : "rpush"
            let source = TouchedKey(key: arguments.bytes(1), database: database, change: .edit)
            fire(.list, push, TouchedKey(key: arguments.bytes(2), database: database, change: .edit))
            fire(.list, pop, source)
            if !exists(source.key, database) { fire(.generic, "del", source) }
        default:
            guard let named = eventName(name, arguments) else { return events }
            let (kind, event) = named
            let store = storeCommands.contains(name)
            var seen: Set<[UInt8]> = []
            for change in changes where name == "mset" || name == "msetnx" || seen.insert(change.key).inserted {
                if store, case .delete = change.change {
                    fire(.generic, "del", change)
                    continue
                }
                fire(kind, event, change)
                if kind != .string, !exists(change.key, change.database) { fire(.generic, "del", change) }
            }
        }
        return events
    }

    /// Commands whose destination is deleted when their result is empty: only `del` fires then.
    static let storeCommands: Set<String> = [
        "sinterstore", "sunionstore", "sdiffstore", "zunionstore", "zinterstore", "zdiffstore", "zrangestore", "bitop", "sort",
    ]

    /// The class and event of a command that fires one event per key it changed.
    static func eventName(_ name: String, _ arguments: Arguments) -> (KeyspaceEventClasses, String)? {
        switch name {
        case "zadd":
            let incr = (2..<arguments.count).contains { arguments.matches($0, "incr") }
            return (.zset, incr ? "zincr" : "zadd")
        case "lmpop", "blmpop":
            return (.list, (1..<arguments.count).contains { arguments.matches($0, "left") } ? "lpop" : "rpop")
        case "zmpop", "bzmpop":
            return (.zset, (1..<arguments.count).contains { arguments.matches($0, "min") } ? "zpopmin" : "zpopmax")
        default:
            return simpleEvents[name]
        }
    }

    private static let simpleEvents: [String: (KeyspaceEventClasses, String)] = {
        var table: [String: (KeyspaceEventClasses, String)] = [:]
        let rows: [([String], KeyspaceEventClasses, String)] = [
            (["setnx", "getset", "mset", "msetnx", "bitop"], KeyspaceEventClasses.string, "set"),
            (["append"], .string, "append"), (["setrange"], .string, "setrange"),
            (["incr", "decr", "incrby", "decrby"], .string, "incrby"), (["incrbyfloat"], .string, "incrbyfloat"),
            (["setbit", "bitfield"], .string, "setbit"),
            (["lpush", "lpushx"], .list, "lpush"), (["rpush", "rpushx"], .list, "rpush"), (["linsert"], .list, "linsert"),
            (["lset"], .list, "lset"), (["lrem"], .list, "lrem"), (["ltrim"], .list, "ltrim"),
            (["lpop", "blpop"], .list, "lpop"), (["rpop", "brpop"], .list, "rpop"), (["sort"], .list, "sortstore"),
            (["hset", "hmset", "hsetnx"], .hash, "hset"), (["hdel"], .hash, "hdel"), (["hincrby"], .hash, "hincrby"),
            (["hincrbyfloat"], .hash, "hincrbyfloat"),
            (["sadd"], .set, "sadd"), (["srem"], .set, "srem"), (["spop"], .set, "spop"),
            (["sinterstore"], .set, "sinterstore"), (["sunionstore"], .set, "sunionstore"), (["sdiffstore"], .set, "sdiffstore"),
            (["zincrby"], .zset, "zincr"), (["zrem"], .zset, "zrem"), (["zremrangebyscore"], .zset, "zremrangebyscore"),
            (["zremrangebyrank"], .zset, "zremrangebyrank"), (["zremrangebylex"], .zset, "zremrangebylex"),
            (["zpopmin", "bzpopmin"], .zset, "zpopmin"), (["zpopmax", "bzpopmax"], .zset, "zpopmax"),
            (["zunionstore"], .zset, "zunionstore"), (["zinterstore"], .zset, "zinterstore"), (["zdiffstore"], .zset, "zdiffstore"),
            (["zrangestore"], .zset, "zrangestore"), (["restore"], .generic, "restore"),
        ]
        for (names, kind, event) in rows {
            for name in names { table[name] = (kind, event) }
        }
        return table
    }()
}
