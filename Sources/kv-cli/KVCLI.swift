import ArgumentParser
import KVClient
import KVWire

#if canImport(Glibc)
import Glibc
#endif

/// `kv-cli`: the set's client — writes to the primary, reads through kv-read, the whole set's
/// status, and the tutorial's read loop.
@main
struct KVCLI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kv-cli",
        abstract: "Talk to a kv StatefulSet: writes go to kv-0.kv, reads through kv-read.",
        subcommands: [Set.self, Get.self, Del.self, Status.self, Watch.self, Check.self]
    )
}

/// Options every single-server subcommand shares.
struct Connection: ParsableArguments {
    @Option(help: "Server to talk to (default: kv-0.kv for writes, kv-read for reads).")
    var host: String?

    @Option(help: "Redis-protocol port.")
    var port: Int = 6379

    @Option(help: "Password (default: $KV_PASSWORD).")
    var password: String?

    @OptionGroup var tls: TLSOptions

    func open(defaultHost: String) throws -> RESPConnection {
        let configuration = try RESPClientConfiguration(tls: tls.security(), password: effectivePassword(password))
        return try RESPConnection.connect(host: host ?? defaultHost, port: port, configuration: configuration).wait()
    }
}

/// `--password`, else `$KV_PASSWORD`; an empty one is none.
func effectivePassword(_ password: String?) -> String? {
    (password ?? environment("KV_PASSWORD")).flatMap { $0.isEmpty ? nil : $0 }
}

extension KVCLI {
    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a key (to the primary).")
        @OptionGroup var connection: Connection
        @Argument var key: String
        @Argument var value: String

        func run() throws {
            try Output.reply(connection.open(defaultHost: "kv-0.kv").callNow(["SET", key, value]))
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Read a key (through kv-read).")
        @OptionGroup var connection: Connection
        @Argument var key: String

        func run() throws {
            try Output.reply(connection.open(defaultHost: "kv-read").callNow(["GET", key]))
        }
    }

    struct Del: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a key (on the primary).")
        @OptionGroup var connection: Connection
        @Argument var key: String

        func run() throws {
            try Output.reply(connection.open(defaultHost: "kv-0.kv").callNow(["DEL", key]))
        }
    }
}

/// Printing replies and failures.
enum Output {
    /// Prints a reply; an error reply exits 1.
    static func reply(_ value: RESPValue) throws {
        switch value {
        case let .error(message):
            printError(message)
            throw ExitCode(1)
        case .null, .bulkString(nil):
            printError("(nil)")
            throw ExitCode(1)
        case let .integer(number):
            print(number)
        default:
            print(value.string ?? "\(value)")
        }
    }

    static func printError(_ text: String) {
        var bytes = Array((text + "\n").utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }

    /// Colours only on a terminal.
    static let colours = isatty(1) == 1
    static func green(_ text: String) -> String { colours ? "\u{1B}[32m\(text)\u{1B}[0m" : text }
    static func red(_ text: String) -> String { colours ? "\u{1B}[31m\(text)\u{1B}[0m" : text }
    static func bold(_ text: String) -> String { colours ? "\u{1B}[1m\(text)\u{1B}[0m" : text }
}

func environment(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
}
