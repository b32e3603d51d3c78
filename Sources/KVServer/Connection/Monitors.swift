import KVCore
import Logging
import NIOCore
import Synchronization

/// MONITOR's subscribers: every command this pod executes (but the admin ones, as Redis) is
/// written to each, in Redis's format, as it runs. Costs one atomic load per command while
/// nobody monitors; the line is made once per command however many monitor.
final class Monitors: Sendable {
    /// A monitor that falls this far behind reading is closed, as Redis's
    /// `client-output-buffer-limit` closes a slow replica or subscriber.
    static let outputLimit = 32 << 20

    private final class Monitor: Sendable {
        let channel: any Channel
        let pending = Atomic<Int>(0)
        let closed = Atomic<Bool>(false)
        init(channel: any Channel) { self.channel = channel }
    }

    private let monitors = Mutex<[Int: Monitor]>([:])
    private let active = Atomic<Int>(0)
    private let logger: Logger

    init(logger: Logger) { self.logger = logger }

    /// Whether anyone monitors (checked before a line is made).
    var isActive: Bool { active.load(ordering: .relaxed) > 0 }

    func add(client id: Int, channel: any Channel) {
        monitors.withLock { $0[id] = Monitor(channel: channel) }
        active.add(1, ordering: .relaxed)
    }

    func remove(client id: Int) {
        if monitors.withLock({ $0.removeValue(forKey: id) }) != nil { active.subtract(1, ordering: .relaxed) }
    }

    /// Sends one command to every monitor: `+<seconds>.<micros> [0 <client>] "arg" …`.
    /// `redacting`: argument positions shown as `(redacted)` (AUTH's password).
    func feed(_ arguments: Arguments, client: String, microseconds: Int64, redacting: Set<Int>) {
        let line = Self.line(arguments, client: client, microseconds: microseconds, redacting: redacting)
        for monitor in monitors.withLock({ Array($0.values) }) where !monitor.closed.load(ordering: .relaxed) {
            if monitor.pending.load(ordering: .relaxed) > Self.outputLimit {
                if !monitor.closed.exchange(true, ordering: .relaxed) {
                    logger.warning("closing a MONITOR client that fell more than \(Self.outputLimit >> 20) MiB behind",
                                   metadata: ["client": "\(monitor.channel.remoteAddress.map { "\($0)" } ?? "?")"])
                    monitor.channel.close(promise: nil)
                }
                continue
            }
            monitor.pending.add(line.count, ordering: .relaxed)
            let channel = monitor.channel
            // On the monitor's loop, after what runs there now: a monitor's own command is
            // shown after its reply, as in Redis.
            channel.eventLoop.execute {
                channel.writeAndFlush(channel.allocator.buffer(bytes: line)).whenComplete { _ in
                    monitor.pending.subtract(line.count, ordering: .relaxed)
                }
            }
        }
    }

    /// One command as Redis's MONITOR shows it: arguments quoted as `sdscatrepr` quotes them.
    static func line(_ arguments: Arguments, client: String, microseconds: Int64, redacting: Set<Int>) -> [UInt8] {
        var line = Array("+\(microseconds / 1_000_000).".utf8)
        let fraction = String(microseconds % 1_000_000)
        line += Array((String(repeating: "0", count: 6 - fraction.count) + fraction).utf8)
        line += Array(" [0 \(client)]".utf8)
        for index in 0..<arguments.count {
            line += Array(" \"".utf8)
            if redacting.contains(index) {
                line += Array("(redacted)".utf8)
            } else {
                for byte in arguments[index] { appendQuoted(byte, to: &line) }
            }
            line.append(UInt8(ascii: "\""))
        }
        line += [13, 10]
        return line
    }

    private static func appendQuoted(_ byte: UInt8, to line: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\\"): line += Array("\\\\".utf8)
        case UInt8(ascii: "\""): line += Array("\\\"".utf8)
        case 10: line += Array("\\n".utf8)
        case 13: line += Array("\\r".utf8)
        case 9: line += Array("\\t".utf8)
        case 7: line += Array("\\a".utf8)
        case 8: line += Array("\\b".utf8)
        case 32...126: line.append(byte)
        default:
            let digits = Array("0123456789abcdef".utf8)
            line += [UInt8(ascii: "\\"), UInt8(ascii: "x"), digits[Int(byte >> 4)], digits[Int(byte & 15)]]
        }
    }
}
