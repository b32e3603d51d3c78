/// What one run of the generator does, from the command line.
///
///     kv-loadgen --port P [--host 127.0.0.1] --command set|get --rate R --duration S
///                [--warmup S] [--connections 50] [--keyspace 100000] [--value-size 64]
///                [--tick-us 50] [--drain S] [--seed N]
///
/// `--rate 0` is the closed loop: every connection sends its next request as soon as the
/// previous reply arrived (the peak a generator of this kind can drive).
struct Options {
    var host = "127.0.0.1"
    var port: UInt16 = 6379
    var command = Command.set
    /// Requests per second over all connections; 0 = closed loop.
    var rate = 10_000.0
    /// Seconds of measured load, after the warm-up.
    var duration = 10.0
    /// Seconds of load sent first and not recorded (connections warm, caches filled).
    var warmup = 1.0
    var connections = 50
    var keyspace = 100_000
    var valueSize = 64
    /// The schedule's granularity: the generator wakes at most this often (µs) and sends every
    /// request whose intended time has come. The wait is part of the measured latency.
    var tickMicros = 50
    /// Seconds to wait for outstanding replies after the last request was sent.
    var drain = 5.0
    var seed: UInt64 = 0x9E37_79B9_7F4A_7C15

    enum Command: String { case set, get }

    static func parse(_ arguments: [String]) throws(UsageError) -> Options {
        var options = Options()
        var rest = arguments[...]
        func value(_ flag: String) throws(UsageError) -> String {
            guard let v = rest.popFirst() else { throw UsageError(message: "\(flag) needs a value") }
            return v
        }
        func number<T: LosslessStringConvertible>(_ flag: String, _: T.Type) throws(UsageError) -> T {
            let text = try value(flag)
            guard let n = T(text) else { throw UsageError(message: "\(flag): not a number: \(text)") }
            return n
        }
        while let flag = rest.popFirst() {
            switch flag {
            case "--host": options.host = try value(flag)
            case "--port": options.port = try number(flag, UInt16.self)
            case "--command":
                let text = try value(flag).lowercased()
                guard let c = Command(rawValue: text) else { throw UsageError(message: "--command: set or get") }
                options.command = c
            case "--rate": options.rate = try number(flag, Double.self)
            case "--duration": options.duration = try number(flag, Double.self)
            case "--warmup": options.warmup = try number(flag, Double.self)
            case "--connections": options.connections = try number(flag, Int.self)
            case "--keyspace": options.keyspace = try number(flag, Int.self)
            case "--value-size": options.valueSize = try number(flag, Int.self)
            case "--tick-us": options.tickMicros = try number(flag, Int.self)
            case "--drain": options.drain = try number(flag, Double.self)
            case "--seed": options.seed = try number(flag, UInt64.self)
            case "--help", "-h": throw UsageError(message: "")
            default: throw UsageError(message: "unknown option \(flag)")
            }
        }
        guard options.connections > 0, options.keyspace > 0, options.valueSize >= 0,
              options.rate >= 0, options.duration > 0, options.warmup >= 0, options.tickMicros > 0
        else { throw UsageError(message: "options out of range") }
        return options
    }
}

/// A bad command line; the message says what, and `main` prints the usage with it.
struct UsageError: Error { var message: String }
