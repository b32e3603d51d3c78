import KVCore

/// SLOWLOG, as Redis keeps it: the commands that took at least `--slowlog-log-slower-than`
/// microseconds to execute (the command alone: not waiting for the lock, the network or the
/// log), newest first, at most `--slowlog-max-len` of them. Kept under the database lock,
/// where commands run and are timed anyway.
struct SlowLog {
    struct Entry {
        var id: Int
        /// Unix time, seconds.
        var time: Int
        var microseconds: Int
        /// The arguments as Redis keeps them: at most 32 (the last one then says how many
        /// more there were), each at most 128 bytes (then saying how many more it had).
        var arguments: [[UInt8]]
        var client: String
        var clientName: String
    }

    static let maximumArguments = 32
    static let maximumArgumentBytes = 128

    /// Microseconds at or above which a command is logged; negative: none is; 0: every one.
    var threshold: Int
    var maximumLength: Int
    /// Newest last.
    private(set) var entries: [Entry] = []
    private var nextID = 0

    init(threshold: Int = 10_000, maximumLength: Int = 128) {
        self.threshold = threshold
        self.maximumLength = maximumLength
    }

    /// Whether a command that took `microseconds` is logged (the caller then calls `record`,
    /// so that the arguments are copied only for slow commands).
    func logs(_ microseconds: Int) -> Bool { threshold >= 0 && microseconds >= threshold && maximumLength > 0 }

    /// Logs a command. `redacting`: argument positions replaced by `(redacted)` (AUTH's password).
    mutating func record(_ arguments: Arguments, microseconds: Int, time: Int, client: String, clientName: String,
                         redacting: Set<Int> = []) {
        var kept: [[UInt8]] = []
        let count = min(arguments.count, Self.maximumArguments)
        for index in 0..<count {
            if index == Self.maximumArguments - 1, arguments.count > Self.maximumArguments {
                kept.append(Array("... (\(arguments.count - Self.maximumArguments + 1) more arguments)".utf8))
                break
            }
            if redacting.contains(index) {
                kept.append(Array("(redacted)".utf8))
                continue
            }
            let argument = arguments[index]
            var bytes = Array(argument.prefix(Self.maximumArgumentBytes))
            let length = argument.count
            if length > Self.maximumArgumentBytes {
                bytes += Array("... (\(length - Self.maximumArgumentBytes) more bytes)".utf8)
            }
            kept.append(bytes)
        }
        entries.append(Entry(id: nextID, time: time, microseconds: microseconds, arguments: kept,
                             client: client, clientName: clientName))
        nextID += 1
        if entries.count > maximumLength { entries.removeFirst(entries.count - maximumLength) }
    }

    mutating func reset() { entries.removeAll() }

    /// `SLOWLOG GET [count]`: the newest `count` entries (all for -1), as Redis replies.
    func reply(count: Int) -> Reply {
        let taken = count < 0 ? entries.count : min(count, entries.count)
        return .array(entries.suffix(taken).reversed().map { entry in
            .array([
                .integer(Int64(entry.id)), .integer(Int64(entry.time)), .integer(Int64(entry.microseconds)),
                .array(entry.arguments.map { .bulk($0) }), .bulk(Array(entry.client.utf8)), .bulk(Array(entry.clientName.utf8)),
            ])
        })
    }
}
