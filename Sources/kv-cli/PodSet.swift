import ArgumentParser
import KVClient

#if canImport(Glibc)
import Glibc
#endif

/// Which pods a whole-set command (`status`, `check`) talks to, on their Redis-protocol port:
/// `<set>-0.<service>`, `<set>-1.<service>`, … up to the first name that does not resolve
/// (ordinals have no gaps), or an explicit list for clusters without that DNS (local runs).
struct PodSet: ParsableArguments {
    @Option(help: "The StatefulSet's name.")
    var set: String = "kv"

    @Option(help: "The headless Service's name (default: the set's name).")
    var service: String?

    @Option(help: ArgumentHelp(
        "Comma-separated pods, the primary first, instead of <set>-N.<service>: each a host name or HOST:PORT of its Redis-protocol port (local clusters).",
        valueName: "pods"))
    var pods: String?

    @Option(help: "Redis-protocol port of the pods: of <set>-N.<service>, and of --pods entries without one.")
    var port: Int = 6379

    @Option(help: "Password (default: $KV_PASSWORD).")
    var password: String?

    @OptionGroup var tls: TLSOptions

    /// One pod: what to call it, where its Redis-protocol port is.
    struct Pod {
        var name: String
        var host: String
        var port: Int
    }

    /// How to talk to every pod: timeouts, TLS, AUTH.
    func clientConfiguration() throws -> RESPClientConfiguration {
        try RESPClientConfiguration(tls: tls.security(), password: effectivePassword(password))
    }

    /// The pods, in ordinal order (or as `--pods` lists them).
    func addresses() throws -> [Pod] {
        if let pods {
            return try pods.split(separator: ",").map { try Self.parse(String($0).trimmingCharacters(in: " "), defaultPort: port) }
        }
        var found: [Pod] = []
        for ordinal in 0..<64 {
            let host = "\(set)-\(ordinal).\(service ?? set)"
            var hints = addrinfo()
            var result: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, nil, &hints, &result) == 0 else { break }
            freeaddrinfo(result)
            found.append(Pod(name: "\(set)-\(ordinal)", host: host, port: port))
        }
        guard !found.isEmpty else { throw ClientError("no pod \(set)-0.\(service ?? set) resolves") }
        return found
    }

    /// `host`, `host:port`, `[v6]:port` or a bare IPv6 address.
    static func parse(_ entry: String, defaultPort: Int) throws -> Pod {
        if entry.hasPrefix("["), let close = entry.firstIndex(of: "]") {
            let host = String(entry[entry.index(after: entry.startIndex)..<close])
            let rest = entry[entry.index(after: close)...]
            guard rest.isEmpty || rest.hasPrefix(":"), let port = rest.isEmpty ? defaultPort : Int(rest.dropFirst()) else {
                throw ClientError("'\(entry)' is not HOST or HOST:PORT")
            }
            return Pod(name: entry, host: host, port: port)
        }
        let colons = entry.filter { $0 == ":" }.count
        guard colons == 1, let colon = entry.lastIndex(of: ":") else {
            guard !entry.isEmpty else { throw ClientError("an empty entry in --pods") }
            return Pod(name: entry, host: entry, port: defaultPort)
        }
        guard let port = Int(entry[entry.index(after: colon)...]), colon != entry.startIndex else {
            throw ClientError("'\(entry)' is not HOST or HOST:PORT")
        }
        return Pod(name: entry, host: String(entry[..<colon]), port: port)
    }
}
