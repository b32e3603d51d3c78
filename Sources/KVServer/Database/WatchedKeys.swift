import KVCore

/// WATCH: which clients watch which keys of which database, and which of them saw a watched
/// key change.
///
/// Every change reaches the dataset as effects (`WriteOperation`s), on the primary when a
/// command commits and on a replica when a streamed record applies, so `touch(_:)` over the
/// effects marks exactly the keys that changed — expired keys deleted on access included, as
/// Redis's `signalModifiedKey`. A flush marks the watchers of the keys that existed when
/// watched (a key created or deleted since has marked them already), and SWAPDB those of the
/// keys either database holds, as Redis's `touchAllWatchedKeysInDb`. Kept under the database
/// lock.
struct WatchedKeys {
    struct Key: Hashable {
        var database: Int
        var key: [UInt8]
    }

    /// For each watched key, its watchers and whether the key existed when each watched it.
    private var watchers: [Key: [Int: Bool]] = [:]
    /// Clients whose EXEC must fail: a key they watch changed.
    private var dirty: Set<Int> = []

    var isEmpty: Bool { watchers.isEmpty }

    /// Client `client` watches `key`, which `existed` (physically, expired or not).
    mutating func watch(_ key: Key, client: Int, existed: Bool) {
        if watchers[key]?[client] != nil { return }
        watchers[key, default: [:]][client] = existed
    }

    /// Client `client` watches nothing any more (UNWATCH, EXEC, DISCARD, RESET, disconnect).
    mutating func unwatchAll(_ keys: [Key], client: Int) {
        for key in keys {
            watchers[key]?[client] = nil
            if watchers[key]?.isEmpty == true { watchers[key] = nil }
        }
        dirty.remove(client)
    }

    /// True when a key `client` watches changed since it watched it.
    func isDirty(_ client: Int) -> Bool { dirty.contains(client) }

    /// Marks the watchers of every key one record's effects changed; `dataset` is the state
    /// after them (for SWAPDB).
    mutating func touch(_ effects: [WriteOperation], dataset: Dataset) {
        guard !watchers.isEmpty else { return }
        var current = 0
        for operation in effects {
            switch operation {
            case let .put(entry): touch(Key(database: current, key: entry.key))
            case let .delete(key), let .expire(key, _), let .edit(key, _): touch(Key(database: current, key: key))
            case .flushAll: touchFlushed { _ in true }
            case .flushDatabase: touchFlushed { $0 == current }
            case let .select(index): current = index
            case let .swapDatabases(first, second):
                for (watched, clients) in watchers where watched.database == first || watched.database == second {
                    let held = watched.key.withUnsafeBytes { key in
                        dataset[first].lookup(key) != nil || dataset[second].lookup(key) != nil
                    }
                    if held { dirty.formUnion(clients.keys) }
                }
            case .beginEpoch: break
            }
        }
    }

    /// Marks every watcher (the dataset was replaced whole: a replica's new clone).
    mutating func touchEverything() {
        for clients in watchers.values { dirty.formUnion(clients.keys) }
    }

    private mutating func touch(_ key: Key) {
        guard let clients = watchers[key] else { return }
        dirty.formUnion(clients.keys)
    }

    private mutating func touchFlushed(_ flushed: (Int) -> Bool) {
        for (watched, clients) in watchers where flushed(watched.database) {
            for (client, existed) in clients where existed { dirty.insert(client) }
        }
    }
}
