import KVCore
import NIOCore
import NIOHTTP1

/// What the HTTP port serves: probes, metrics, status, the cluster page (`/` and
/// `/v1/cluster`), and `/v1/kv/{key}`.
///
/// `/healthz`, `/readyz`, `/metrics` and the page itself stay open; with a password set,
/// `/status`, `/v1/cluster` and `/v1/kv/…` need `Authorization: Bearer <password>`.
struct HTTPRoutes: Sendable {
    let server: ServerContext
    let waiters: LogWaiterGroup
    let readiness: Readiness

    var podName: String { server.configuration.identity.podName }
    var maxBodyBytes: Int { server.configuration.maxValueSize }

    func handle(_ request: HTTPRequest, on loop: any EventLoop) -> EventLoopFuture<HTTPResponse> {
        let path = request.path
        switch (request.method, path) {
        case (.GET, "/healthz"), (.HEAD, "/healthz"):
            return loop.makeSucceededFuture(HTTPResponse(status: .ok, text: "ok\n"))
        case (.GET, "/readyz"), (.HEAD, "/readyz"):
            let ready = readiness.isReady
            return loop.makeSucceededFuture(HTTPResponse(status: ready ? .ok : .serviceUnavailable, text: ready ? "ready\n" : "not ready: \(readiness.reason)\n"))
        case (.GET, "/metrics"):
            return loop.makeSucceededFuture(HTTPResponse(
                status: .ok,
                text: MetricsReport(server: server, ready: readiness.isReady).render(),
                contentType: "text/plain; version=0.0.4; charset=utf-8"
            ))
        case (.GET, "/"), (.HEAD, "/"):
            // The page holds no data: it is served without the password, and asks for it
            // itself. Over plain HTTP with TLS on it is refused like the data routes, so that
            // no password is typed into a page that would send it in clear.
            if server.configuration.tls != nil && !request.isTLS { return loop.makeSucceededFuture(authorize(request)!) }
            return loop.makeSucceededFuture(ClusterPage.response)
        default:
            break
        }
        if let refusal = authorize(request) { return loop.makeSucceededFuture(refusal) }
        if path == "/v1/cluster" && request.method == .GET {
            return ClusterView(server: server, group: loop).render(on: loop).map { document in
                HTTPResponse(status: .ok, headers: [("Content-Type", "application/json"), ("Cache-Control", "no-store")],
                             body: Array(document.utf8))
            }
        }
        if path == "/status" && request.method == .GET {
            return loop.makeSucceededFuture(HTTPResponse(
                status: .ok,
                text: StatusDocument(server: server, ready: readiness.isReady).render() + "\n",
                contentType: "application/json"
            ))
        }
        if path.hasPrefix("/v1/kv/") {
            guard let key = PercentDecoding.decode(path.dropFirst("/v1/kv/".count)), !key.isEmpty else {
                return loop.makeSucceededFuture(.error(.badRequest, "the key is missing or badly percent-encoded"))
            }
            return keyValue(request, key: key, on: loop)
        }
        return loop.makeSucceededFuture(.error(.notFound, "no route for \(request.method) \(path)"))
    }

    /// nil when the request may proceed; a 401 (or, in protected mode, a 403) otherwise.
    private func authorize(_ request: HTTPRequest) -> HTTPResponse? {
        if server.configuration.tls != nil && !request.isTLS {
            return .error(.forbidden, "TLS is on: the data and status routes are served over HTTPS only (plain HTTP serves /healthz, /readyz and /metrics)")
        }
        if ProtectedMode.refuses(request.remote, server.configuration) {
            return .error(.forbidden, String(ProtectedMode.deniedMessage.dropFirst("DENIED ".count)))
        }
        guard let password = server.configuration.password else { return nil }
        if let header = request.header("Authorization"), header.hasPrefix("Bearer "),
           constantTimeEquals(String(header.dropFirst("Bearer ".count)), password) {
            return nil
        }
        return .error(.unauthorized, "authentication required: send Authorization: Bearer <password>", headers: [("WWW-Authenticate", "Bearer")])
    }

    /// GET, PUT (body = value, optional `?ttl=SECONDS`) and DELETE of one key.
    private func keyValue(_ request: HTTPRequest, key: [UInt8], on loop: any EventLoop) -> EventLoopFuture<HTTPResponse> {
        var command: [[UInt8]]
        switch request.method {
        case .GET, .HEAD:
            command = [Array("get".utf8), key]
        case .PUT, .POST:
            command = [Array("set".utf8), key, request.body]
            if let ttl = request.query("ttl") {
                guard let seconds = Int(ttl), seconds > 0 else {
                    return loop.makeSucceededFuture(.error(.badRequest, "ttl must be a positive number of seconds"))
                }
                command += [Array("ex".utf8), Array(String(seconds).utf8)]
            }
        case .DELETE:
            command = [Array("del".utf8), key]
        default:
            return loop.makeSucceededFuture(.error(.methodNotAllowed, "use GET, PUT or DELETE", headers: [("Allow", "GET, PUT, DELETE")]))
        }
        if request.method != .GET && request.method != .HEAD {
            if server.isReplica {
                let primary = server.configuration.primaryPeer
                return loop.makeSucceededFuture(.error(
                    .misdirectedRequest,
                    "this pod (\(podName)) is a read-only replica: send writes to the primary, \(primary)",
                    headers: [("KV-Primary", primary)]))
            }
            return runGated(request, command: command, on: loop)
        }
        return ReadConsistency.check(request, server: server, on: loop).flatMap { refusal in
            if let refusal { return loop.makeSucceededFuture(refusal) }
            guard let staleness = ReadConsistency.staleness(server) else {
                return runGated(request, command: command, on: loop)
            }
            // A replica answers at once: what it applied is durable on the primary already.
            let (reply, lsn) = run(OwnedArguments(command))
            var response = Self.response(to: request.method, reply: reply, lsn: lsn)
            response.headers.append(("KV-Staleness", ReadConsistency.format(staleness)))
            return loop.makeSucceededFuture(response)
        }
    }

    /// A command on the primary, answered once the log acknowledged everything it could have
    /// observed (its own write, or the writes a read saw).
    private func runGated(_ request: HTTPRequest, command: [[UInt8]], on loop: any EventLoop) -> EventLoopFuture<HTTPResponse> {
        // Written on this thread under `everysec` and `no` (see `WriteLog.writingInline`).
        let ((reply, lsn), progress) = server.database.log.writingInline { run(OwnedArguments(command)) }
        let promise = loop.makePromise(of: HTTPResponse.self)
        let respond = {
            promise.succeed(Self.response(to: request.method, reply: reply, lsn: lsn))
        }
        // While the log cannot write, a read is answered at once (see `LogWaiters`).
        let isRead = request.method == .GET || request.method == .HEAD
        if progress.acknowledged >= lsn || (isRead && progress.failure != nil) {
            respond()
        } else {
            loop.execute { waiters.waiters(for: loop).enqueue(lsn, readOnly: isRead, respond) }
        }
        return promise.futureResult
    }

    /// Runs a keyspace command; returns its reply and the log position a response must wait for.
    private func run(_ command: OwnedArguments) -> (Reply, LSN) {
        command.withArguments { arguments in
            server.database.withLock { state in
                guard let position = ServerCommands.table.position(of: arguments[0]),
                      case let .keyspace(handler) = ServerCommands.table.rows[position].handler
                else {
                    return (.error(.unknownCommand(arguments)), state.log.lastAssigned)
                }
                let spec = ServerCommands.table.rows[position].spec
                // CLIENT PAUSE holds RESP commands; an HTTP request is not held but refused
                // (503, Retry-After), so that nothing is written while writes are paused.
                if server.pauses.mayHold && server.pauses.postponement(writes: spec.isWrite) != nil {
                    return (.error(Self.paused), .zero)
                }
                if spec.isWrite, let refusal = server.writeRefusal(for: spec, log: state.log) {
                    return (.error(refusal), .zero)  // wrote and saw nothing: nothing to wait for
                }
                if spec.flags.contains(.denyOOM) { server.memory.admitted(bytes: arguments.byteCount) }
                var clock = BatchClock(context: server.database.context())
                // The HTTP API reads and writes database 0 (docs/http.md).
                let reply = state.execute(handler, spec, arguments, context: clock.context, database: 0)
                var failed = false
                if case .error = reply { failed = true }
                state.statistics.record(ServerCommands.table.slot(of: ServerCommands.table.rows[position], at: position),
                                        microseconds: clock.lap(), failed: failed)
                return (reply, state.log.lastAssigned)
            }
        }
    }

    static let paused = CommandError("PAUSED clients are paused (CLIENT PAUSE); retry after the pause")

    private static func response(to method: HTTPMethod, reply: Reply, lsn: LSN) -> HTTPResponse {
        let lsnHeader = ("KV-LSN", String(lsn.rawValue))
        switch (method, reply) {
        case (_, let .error(error)) where error.message.hasPrefix("OOM"):
            return .error(.insufficientStorage, error.message, headers: [lsnHeader])
        case (_, let .error(error)) where error.message.hasPrefix("MISCONF") || error.message.hasPrefix("PAUSED"):
            return .error(.serviceUnavailable, error.message, headers: [lsnHeader, ("Retry-After", "1")])
        case (_, let .error(error)):
            return .error(.badRequest, error.message, headers: [lsnHeader])
        case (.GET, .null), (.HEAD, .null):
            return .error(.notFound, "no such key", headers: [lsnHeader])
        case (.GET, _), (.HEAD, _):
            return HTTPResponse(status: .ok, headers: [("Content-Type", "application/octet-stream"), lsnHeader], body: reply.bulkBytes ?? [])
        case (.DELETE, .integer(0)):
            return .error(.notFound, "no such key", headers: [lsnHeader])
        case (.DELETE, _):
            return HTTPResponse(status: .noContent, headers: [lsnHeader])
        default:
            return HTTPResponse(status: .noContent, headers: [lsnHeader])
        }
    }
}
