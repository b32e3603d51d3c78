import KVCore

/// What one command did: its reply and the write operations it reported.
public struct CommandOutcome: Sendable {
    public var reply: Reply
    public var effects: [WriteOperation]

    /// The effects in `WriteOperation.summary` form, for readable expectations.
    public var effectSummaries: [String] { effects.map(\.summary) }
}

extension Keyspace {
    /// Runs `command` (name first) the way the server does: looks the name up in the
    /// keyspace's `CommandTable`, checks the arity, and executes it. Commands only the server
    /// runs (connection state, transactions) are unknown here.
    @discardableResult
    public mutating func run(_ command: [String], context: CommandContext) -> CommandOutcome {
        var effects: [WriteOperation] = []
        let reply = OwnedArguments(command).withArguments { arguments -> Reply in
            guard arguments.count > 0, let row = KeyspaceCommands.table.lookup(arguments[0]) else {
                return .error(.unknownCommand(arguments))
            }
            return execute(row, arguments, context: context, effects: &effects)
        }
        return CommandOutcome(reply: reply, effects: effects)
    }

    /// Runs `command` on the primary at the clock's current time.
    @discardableResult
    public mutating func run(_ command: String..., clock: ManualWallClock, expiry: ExpiryAuthority = .primary) -> CommandOutcome {
        run(command, context: CommandContext(now: clock.now(), expiry: expiry))
    }

    /// Runs `command` at `now`.
    @discardableResult
    public mutating func run(_ command: [String], now: UnixMillis, expiry: ExpiryAuthority = .primary) -> CommandOutcome {
        run(command, context: CommandContext(now: now, expiry: expiry))
    }

    /// The live value of `key` as text, or nil.
    public func value(of key: String, now: UnixMillis) -> String? {
        var key = key
        return key.withUTF8 { liveEntry(UnsafeRawBufferPointer($0), now: now) }
            .map { String(decoding: $0.value, as: UTF8.self) }
    }

    /// Stores `value` under `key` directly (test setup).
    public mutating func store(_ key: String, _ value: String, expiresAt: UnixMillis? = nil) {
        insert(Entry.make(key: Array(key.utf8), value: Array(value.utf8), expiresAt: expiresAt))
    }
}

extension WriteOperation {
    /// A short readable form: `put k v`, `put k v @1700000001000`, `delete k`,
    /// `expire k @1700000001000`, `expire k never`, `flushall`, `hashSet k f v`.
    public var summary: String {
        func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
        switch self {
        case let .put(entry):
            let expiry = entry.expiresAt.map { " @\($0.rawValue)" } ?? ""
            return "put \(text(entry.key)) \(text(entry.value))\(expiry)"
        case let .edit(key, edit):
            return "\(edit.action) \(text(key)) " + edit.items.map(text).joined(separator: " ")
        case let .delete(key):
            return "delete \(text(key))"
        case let .expire(key, at):
            return "expire \(text(key)) " + (at.map { "@\($0.rawValue)" } ?? "never")
        case .flushAll:
            return "flushall"
        case .flushDatabase:
            return "flushdb"
        case let .select(index):
            return "select \(index)"
        case let .swapDatabases(first, second):
            return "swapdb \(first) \(second)"
        case let .beginEpoch(epoch):
            return "epoch \(epoch)"
        }
    }
}
