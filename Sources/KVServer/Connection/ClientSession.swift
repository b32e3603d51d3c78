import KVCore
import KVWire

/// One client connection's protocol state: authentication, protocol version, name, and the
/// commands queued by MULTI. Pure state; the connection handler owns it and does the IO.
struct ClientSession {
    let id: Int
    /// Whether AUTH (or HELLO … AUTH) succeeded, or no password is required.
    var authenticated: Bool
    var version: RESPVersion = .resp2
    var name: String?
    /// The client's `ip:port`, as CLIENT LIST and SLOWLOG show it.
    var address = ""
    /// Commands queued since MULTI; nil when not in a transaction.
    var queued: [QueuedCommand]?
    /// A queued command was refused (unknown, wrong arity): EXEC must abort.
    var transactionFailed = false
    /// A write ran in the batch being executed (its LSN is the log's last one).
    var wroteInBatch = false
    /// The LSN of the log as of this client's last write: what WAIT waits for, what KV.LSN says.
    var lastWriteLSN = LSN.zero
    /// The keys WATCHed since the last EXEC, DISCARD or UNWATCH, and whether each had expired
    /// (but was not yet removed) when watched: one that expires since fails the EXEC.
    var watching: [(key: WatchedKeys.Key, expiredWhenWatched: Bool)] = []
    /// The database SELECT chose.
    var database = 0
    /// EXEC is running the queued commands: they log one record together.
    var executingTransaction = false
    /// A blocking command registered this client on keys (`BlockedClients`) and has not been
    /// answered: a disconnect must take it out, even before the handler started waiting.
    var blockedOnKeys = false
    /// SUBSCRIBE's, PSUBSCRIBE's and SSUBSCRIBE's names (Pub/Sub mode while any).
    var subscriptions = Subscriptions()
    /// How messages reach this connection; set once the connection is registered.
    var subscriber: Subscriber?

    init(id: Int, passwordRequired: Bool) {
        self.id = id
        self.authenticated = !passwordRequired
    }

    var inTransaction: Bool { queued != nil }

    /// Forgets every watched key (EXEC, DISCARD, UNWATCH, RESET, disconnect).
    mutating func unwatchAll(_ registry: inout WatchedKeys) {
        guard !watching.isEmpty else { return }
        registry.unwatchAll(watching.map(\.key), client: id)
        watching = []
    }

    /// Back to the state of a new connection (RESET).
    mutating func reset(passwordRequired: Bool) {
        authenticated = !passwordRequired
        version = .resp2
        name = nil
        queued = nil
        transactionFailed = false
        database = 0
    }
}

/// A command kept for EXEC, with its table entry.
struct QueuedCommand {
    /// The command's position in `ServerCommands.table` (a subcommand is found again from the arguments).
    var position: Int
    var arguments: OwnedArguments
}
