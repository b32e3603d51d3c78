import Glibc

/// Entry point: parse the options, connect, run, print one JSON object on stdout.
@main
struct LoadGen {
    static func main() {
        let options: Options
        do {
            options = try Options.parse(Array(CommandLine.arguments.dropFirst()))
        } catch {
            if !error.message.isEmpty { complain("kv-loadgen: \(error.message)\n") }
            complain("""
                usage: kv-loadgen --port P [--host 127.0.0.1] --command set|get --rate R (0 = closed loop)
                                  --duration S [--warmup 1] [--connections 50] [--keyspace 100000]
                                  [--value-size 64] [--tick-us 50] [--drain 5] [--seed N]

                """)
            exit(error.message.isEmpty ? 0 : 64)
        }
        signal(SIGPIPE, SIG_IGN)
        do {
            let runner = try Runner(options: options)
            print(try runner.run())
        } catch {
            complain("kv-loadgen: \(error)\n")
            exit(1)
        }
    }
}

/// Writes to standard error (fd 2; the C `stderr` global is not concurrency-safe in Swift 6).
func complain(_ text: String) {
    var text = text
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}
