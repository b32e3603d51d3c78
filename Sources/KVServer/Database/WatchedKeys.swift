import KVCore

/// WATCH: which clients watch which keys, and which of them saw a watched key change.
///
/// Every change reaches the keyspace as effects (`WriteOperation`s), on the primary when a
/// command commits and on a replica when a streamed record applies, so `touch(_:)` over the
/// effects marks exactly the keys that changed — expired keys deleted on access included, as
/// Redis's `signalModifiedKey`. A flush marks the watchers of the keys that existed when
/// watched (a key created or deleted since has marked them already), as Redis's
/// `touchAllWatchedKeysInDb`. Kept under the database lock.
struct WatchedKeys {
    /// For each watched key, its watchers and whether the key existed when each watched it.
    private var watchers: [[UInt8]: [Int: Bool]] = [:]
    /// Clients whose EXEC must fail: a key they watch changed.
    private var dirty: Set<Int> = []

    var isEmpty: Bool { watchers.isEmpty }

    /// Client `client` watches `key`, which `existed` (physically, expired or not).
    mutating func watch(_ key: [UInt8], client: Int, existed: Bool) {
        if watchers[key]?[client] != nil { return }
        watchers[key, default: [:]][client] = existed
    }

    /// Client `client` watches nothing any more (UNWATCH, EXEC, DISCARD, RESET, disconnect).
    mutating func unwatchAll(_ keys: [[UInt8]], client: Int) {
        for key in keys {
            watchers[key]?[client] = nil
            if watchers[key]?.isEmpty == true { watchers[key] = nil }
        }
        dirty.remove(client)
    }

    /// True when a key `client` watches changed since it watched it.
    func isDirty(_ client: Int) -> Bool { dirty.contains(client) }

    /// Marks the watchers of every key the effects changed.
    mutating func touch(_ effects: [WriteOperation]) {
        guard !watchers.isEmpty else { return }
        for operation in effects {
            switch operation {
            case let .put(entry): touch(entry.key)
            case let .delete(key), let .expire(key, _), let .edit(key, _): touch(key)
            case .flushAll: touchFlushed()
            case .beginEpoch: break
            }
        }
    }

    private mutating func touch(_ key: [UInt8]) {
        guard let clients = watchers[key] else { return }
        dirty.formUnion(clients.keys)
    }

    private mutating func touchFlushed() {
        for clients in watchers.values {
            for (client, existed) in clients where existed { dirty.insert(client) }
        }
    }
}
