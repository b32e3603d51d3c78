import KVReplication
import KVReplicationWire
import KVWire
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// `GET /v1/cluster`: every pod of the set, asked by the pod that serves the request, so that
/// the cluster page works through `kv-read` and the browser never reaches a pod by itself.
///
/// The pods are found as `kv-cli status` finds them: `<set>-0.<service>`, `<set>-1.<service>`,
/// … on the Redis port, up to the first name that does not resolve (the headless Service
/// publishes every scheduled pod), or — with `--peers` — the primary (`--primary`) and the
/// listed addresses. Each is asked `KV.STATUS` over the Redis protocol, with the password and
/// TLS replication uses; this pod answers for itself without a connection.
struct ClusterView {
    let server: ServerContext
    let group: any EventLoopGroup

    /// Ordinals asked at once while walking the DNS names.
    static let batch = 8
    /// No set is walked past this ordinal.
    static let maxOrdinal = 64

    /// What one pod answered, or why it did not.
    struct Pod {
        var name: String
        var ordinal: Int?
        var address: String
        /// `/status` and the history, as JSON, when it answered.
        var status: String?
        var history: String?
        var error: String?

        var json: JSONText {
            .object([
                ("pod", .string(name)),
                ("ordinal", ordinal.map { .integer($0) } ?? .null),
                ("address", .string(address)),
                ("reachable", .bool(status != nil)),
                ("status", status.map { .raw($0) } ?? .null),
                ("history", .raw(history ?? "[]")),
                ("error", error.map { .string($0) } ?? .null),
            ])
        }
    }

    private var configuration: ServerConfiguration { server.configuration }

    /// This pod, from its own state.
    func local() -> Pod {
        let identity = configuration.identity
        return Pod(name: identity.podName, ordinal: identity.ordinal, address: "\(identity.podName) (this pod)",
                   status: StatusDocument(server: server, ready: server.readiness.isReady).render(),
                   history: server.history.current.json.rendered)
    }

    /// The document: who answered, how pods were found, the sampling, and every pod.
    func render(on loop: any EventLoop) -> EventLoopFuture<String> {
        let pods: EventLoopFuture<[Pod]>
        if ClientBootstrap(validatingGroup: loop) == nil {
            // Not a socket event loop (the HTTP fuzzer's EmbeddedEventLoop): this pod alone.
            pods = loop.makeSucceededFuture([local()])
        } else {
            pods = configuration.peerAddresses == nil ? walk(from: 0, found: [], on: loop) : askPeers(on: loop)
        }
        return pods.map { pods in
            JSONText.object([
                ("answeredBy", .string(configuration.identity.podName)),
                ("set", .string(configuration.identity.setName)),
                ("discovery", .string(configuration.peerAddresses == nil ? "dns" : "peers")),
                ("sampleSeconds", .integer(Int(StatusHistory.interval.components.seconds))),
                ("historySamples", .integer(StatusHistory.capacity)),
                ("pods", .array(Self.ordered(pods).map(\.json))),
            ]) + "\n"
        }
    }

    /// One pod per name (this pod's own answer first), by ordinal.
    static func ordered(_ pods: [Pod]) -> [Pod] {
        var seen = Set<String>()
        let unique = pods.filter { seen.insert($0.name).inserted }
        return unique.sorted { ($0.ordinal ?? Int.max, $0.name) < ($1.ordinal ?? Int.max, $1.name) }
    }

    /// `--peers`: the primary (on a replica) and the listed addresses, all at once.
    private func askPeers(on loop: any EventLoop) -> EventLoopFuture<[Pod]> {
        var addresses = configuration.peerAddresses ?? []
        if configuration.identity.role == .replica { addresses.insert(configuration.primaryPeer, at: 0) }
        let asked = addresses.map { address in
            ask(address).map { $0 ?? Pod(name: address, address: address, error: "the name does not resolve") }
        }
        return EventLoopFuture.whenAllSucceed(asked, on: loop).map { [local()] + $0 }
    }

    /// The StatefulSet's DNS names, `batch` ordinals at a time, up to the first that does not
    /// resolve; this pod is always listed.
    private func walk(from start: Int, found: [Pod], on loop: any EventLoop) -> EventLoopFuture<[Pod]> {
        let identity = configuration.identity
        let ordinals = start..<min(start + Self.batch, Self.maxOrdinal)
        let asked = ordinals.map { ordinal -> EventLoopFuture<Pod?> in
            if ordinal == identity.ordinal { return loop.makeSucceededFuture(local()) }
            let host = "\(identity.podName(ordinal: ordinal)).\(configuration.serviceName)"
            return Self.resolves(host, on: loop).flatMap { exists in
                exists ? ask("\(host):\(configuration.port)") : loop.makeSucceededFuture(nil)
            }
        }
        return EventLoopFuture.whenAllSucceed(asked, on: loop).flatMap { answers in
            let existing = answers.prefix { $0 != nil }.compactMap { $0 }
            let all = found + existing
            if existing.count == ordinals.count && ordinals.upperBound < Self.maxOrdinal {
                return walk(from: ordinals.upperBound, found: all, on: loop)
            }
            let hasSelf = all.contains { $0.ordinal == identity.ordinal }
            return loop.makeSucceededFuture(hasSelf ? all : all + [local()])
        }
    }

    /// Whether `host` resolves, asked as kv-cli asks (`getaddrinfo`), on the thread pool. Not
    /// left to the connection: NIO resolves one name at a time per event loop, within the
    /// connect timeout, so a slow answer about one name would make the next ones look like
    /// pods that exist and do not answer.
    static func resolves(_ host: String, on loop: any EventLoop) -> EventLoopFuture<Bool> {
        NIOThreadPool.singleton.runIfActive(eventLoop: loop) {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var result: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, nil, &hints, &result) == 0 else { return false }
            freeaddrinfo(result)
            return true
        }.recover { _ in false }
    }

    /// Asks one pod `KV.STATUS`; nil when its name does not resolve. Never fails: a pod that
    /// does not answer is a `Pod` with an error.
    private func ask(_ address: String) -> EventLoopFuture<Pod?> {
        let loop = group.next()
        guard let (host, port) = ReplicaController.split(PeerAddress(address)) else {
            return loop.makeSucceededFuture(Pod(name: address, address: address, error: "not HOST:PORT"))
        }
        var commands: [[String]] = []
        if let password = configuration.password { commands.append(["AUTH", password]) }
        commands.append(["KV.STATUS"])
        return PeerRequest.send(commands, to: host, port: port, tls: configuration.tls, group: loop)
            .map { replies -> Pod? in Self.pod(from: replies, address: address) }
            .recover { error -> Pod? in
                if PrimaryRestore.doesNotResolve(error) { return nil }
                let name = Self.podName(fromHost: host)
                return Pod(name: name ?? address, ordinal: name.flatMap { PodIdentity(podName: $0)?.ordinal },
                           address: address, error: Self.describe(error))
            }
    }

    /// The pod from its `KV.STATUS` reply (the last of `replies`).
    static func pod(from replies: [RESPValue], address: String) -> Pod {
        guard case let .array(items?) = replies.last, items.count % 2 == 0 else {
            if case let .error(message) = replies.first(where: { if case .error = $0 { true } else { false } }) {
                return Pod(name: address, address: address, error: message)
            }
            return Pod(name: address, address: address, error: "not a KV.STATUS answer")
        }
        var fields: [String: RESPValue] = [:]
        for index in stride(from: 0, to: items.count, by: 2) {
            if let key = items[index].string { fields[key] = items[index + 1] }
        }
        guard let name = fields["pod"]?.string, let status = fields["status"]?.string, isJSON(status, "{", "}") else {
            return Pod(name: address, address: address, error: "not a KV.STATUS answer")
        }
        var ordinal: Int?
        if case let .integer(value) = fields["ordinal"] { ordinal = Int(value) }
        let history = fields["history"]?.string.flatMap { isJSON($0, "[", "]") ? $0 : nil }
        return Pod(name: name, ordinal: ordinal, address: address, status: status, history: history)
    }

    /// A peer's document is passed through as it came: it must at least look like JSON.
    private static func isJSON(_ text: String, _ open: Character, _ close: Character) -> Bool {
        text.first == open && text.last == close
    }

    /// `kv-2` from `kv-2.kv`, when the host is a StatefulSet DNS name.
    static func podName(fromHost host: String) -> String? {
        let first = String(host.prefix { $0 != "." })
        return PodIdentity(podName: first) != nil && first != host ? first : nil
    }

    /// A short reason, for the page.
    static func describe(_ error: any Error) -> String {
        if let error = error as? NIOConnectionError, let first = error.connectionErrors.first {
            if let io = first.error as? IOError { return "cannot connect: \(String(cString: strerror(io.errnoCode)))" }
            return "cannot connect: \(first.error)"
        }
        if case ChannelError.connectTimeout = error { return "cannot connect: no connection within 1 s" }
        if error is ChannelError { return "cannot connect: \(error)" }
        return "\(error)"
    }
}
