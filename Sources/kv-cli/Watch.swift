import ArgumentParser
import KVWire

#if canImport(Glibc)
import Glibc
#endif

extension KVCLI {
    /// The tutorial's `SELECT @@server_id` loop: read through kv-read over and over and print
    /// which pod answered.
    struct Watch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a key through kv-read in a loop, printing which pod answered (Ctrl-C stops).")

        @OptionGroup var connection: Connection

        @Argument(help: "The key to read.")
        var key: String

        @Option(help: "Seconds between reads.")
        var interval: Double = 1

        @Option(help: "Stop after this many reads (default: never).")
        var count: Int?

        func run() throws {
            var done = 0
            while count.map({ done < $0 }) ?? true {
                // A new connection each time, as each new client of the Service gets one.
                let line: String
                do {
                    let peer = try connection.open(defaultHost: "kv-read")
                    defer { peer.close() }
                    let info = try peer.callNow(["INFO", "server"]).string ?? ""
                    let pod = info.split(whereSeparator: \.isNewline)
                        .first { $0.hasPrefix("kv_pod:") }.map { String($0.dropFirst("kv_pod:".count)) } ?? "?"
                    let value = try peer.callNow(["GET", key])
                    let text: String
                    switch value {
                    case .bulkString(nil), .null: text = "(nil)"
                    case let .error(message): text = Output.red(message)
                    default: text = value.string ?? "\(value)"
                    }
                    line = Output.bold(pod.trimmingCharacters(in: " \r")) + "  " + text
                } catch {
                    line = Output.red("no answer: \(error)")
                }
                print(line)
                fflush(nil)
                done += 1
                if count.map({ done < $0 }) ?? true { usleep(useconds_t(interval * 1_000_000)) }
            }
        }
    }
}

extension String {
    func trimmingCharacters(in characters: String) -> String {
        var result = Substring(self)
        while let first = result.first, characters.contains(first) { result = result.dropFirst() }
        while let last = result.last, characters.contains(last) { result = result.dropLast() }
        return String(result)
    }
}
