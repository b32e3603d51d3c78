/// A command's properties, as Redis reports them in COMMAND INFO.
public struct CommandFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// May modify the keyspace: refused on a replica, logged on the primary.
    public static let write = CommandFlags(rawValue: 1 << 0)
    /// Reads keys and never modifies them.
    public static let readonly = CommandFlags(rawValue: 1 << 1)
    /// May grow memory use: refused when the server is out of memory.
    public static let denyOOM = CommandFlags(rawValue: 1 << 2)
    /// Administrative.
    public static let admin = CommandFlags(rawValue: 1 << 3)
    /// Not allowed in scripts.
    public static let noscript = CommandFlags(rawValue: 1 << 4)
    /// Allowed while the data set is loading.
    public static let loading = CommandFlags(rawValue: 1 << 5)
    /// Allowed on a replica with stale data.
    public static let stale = CommandFlags(rawValue: 1 << 6)
    /// O(1) or O(log n); never delays the server.
    public static let fast = CommandFlags(rawValue: 1 << 7)
    /// Allowed before AUTH.
    public static let noAuth = CommandFlags(rawValue: 1 << 8)
    /// Allowed while the server is busy (a script running).
    public static let allowBusy = CommandFlags(rawValue: 1 << 9)
    /// Not shown in the slow log.
    public static let skipSlowlog = CommandFlags(rawValue: 1 << 10)
    /// Available in Sentinel mode.
    public static let sentinel = CommandFlags(rawValue: 1 << 11)
    /// May block the client.
    public static let blocking = CommandFlags(rawValue: 1 << 12)
    /// Not allowed inside MULTI.
    public static let noMulti = CommandFlags(rawValue: 1 << 13)
    /// Its keys are found from its arguments (a numkeys argument, a STORE option), not only
    /// from the first/last/step of COMMAND INFO. Redis lists it last.
    public static let movableKeys = CommandFlags(rawValue: 1 << 14)

    /// kv's own, not a Redis flag (COMMAND INFO does not list it): acts at once between MULTI
    /// and EXEC instead of being queued (MULTI, EXEC, DISCARD, WATCH, QUIT, RESET — as Redis's
    /// `processCommand` singles them out).
    public static let runsInMulti = CommandFlags(rawValue: 1 << 24)

    /// The flags' names as COMMAND INFO lists them, in Redis's order.
    public var names: [String] {
        CommandFlags.namedFlags.compactMap { contains($0.flag) ? $0.name : nil }
    }

    private static let namedFlags: [(flag: CommandFlags, name: String)] = [
        (.write, "write"), (.readonly, "readonly"), (.denyOOM, "denyoom"), (.admin, "admin"),
        (.noscript, "noscript"), (.blocking, "blocking"), (.loading, "loading"), (.stale, "stale"),
        (.skipSlowlog, "skip_slowlog"), (.fast, "fast"), (.noAuth, "no_auth"),
        (.sentinel, "sentinel"), (.noMulti, "no_multi"), (.allowBusy, "allow_busy"), (.movableKeys, "movablekeys"),
    ]
}
