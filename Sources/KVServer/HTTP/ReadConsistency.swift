import KVCore
import NIOCore
import NIOHTTP1

/// The read headers of SPEC "Read-your-writes" and "Readiness": `KV-Min-LSN` (wait until
/// this pod applied that LSN, at most `KV-Max-Wait`), `KV-Max-Staleness` (refuse rather than
/// answer staler data) and the `KV-Staleness` a replica reports on every read.
enum ReadConsistency {
    /// `KV-Max-Wait` when absent.
    static let defaultMaxWait: Double = 1

    /// Succeeds with nil when the read may run now, or with the refusal to send.
    static func check(_ request: HTTPRequest, server: ServerContext, on loop: any EventLoop) -> EventLoopFuture<HTTPResponse?> {
        if let text = request.header("KV-Max-Staleness") {
            guard let bound = Double(text), bound >= 0 else {
                return loop.makeSucceededFuture(.error(.badRequest, "KV-Max-Staleness must be a number of seconds"))
            }
            if let staleness = staleness(server), seconds(staleness) > bound {
                return loop.makeSucceededFuture(.error(
                    .serviceUnavailable,
                    "this replica has not heard from the primary for \(format(staleness)) s, more than KV-Max-Staleness \(text)",
                    headers: [("KV-Staleness", format(staleness))]))
            }
        }
        guard let text = request.header("KV-Min-LSN") else { return loop.makeSucceededFuture(nil) }
        guard let wanted = UInt64(text) else {
            return loop.makeSucceededFuture(.error(.badRequest, "KV-Min-LSN must be an LSN (a non-negative integer)"))
        }
        var maxWait = defaultMaxWait
        if let waitText = request.header("KV-Max-Wait") {
            guard let value = Double(waitText), value >= 0, value <= 3600 else {
                return loop.makeSucceededFuture(.error(.badRequest, "KV-Max-Wait must be a number of seconds (at most 3600)"))
            }
            maxWait = value
        }
        let promise = loop.makePromise(of: HTTPResponse?.self)
        let applied = server.applied
        let waited = maxWait
        applied.wait(for: LSN(wanted), timeout: .nanoseconds(Int64(waited * 1e9)), on: loop) { reached in
            if reached {
                promise.succeed(nil)
            } else {
                promise.succeed(.error(
                    .serviceUnavailable,
                    "this pod has applied up to LSN \(applied.current), not yet \(wanted) (waited \(waited) s)",
                    headers: [("KV-LSN", String(applied.current.rawValue))]))
            }
        }
        return promise.futureResult
    }

    /// How long a replica has not heard from the primary (zero while its stream runs); nil on
    /// the primary.
    static func staleness(_ server: ServerContext) -> Duration? {
        guard let replica = server.replica else { return nil }
        return replica.report.withLock { $0 }.staleness(at: .now)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Seconds with millisecond precision.
    static func format(_ duration: Duration) -> String {
        let millis = Int(seconds(duration) * 1000)
        let fraction = String(millis % 1000)
        return "\(millis / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
