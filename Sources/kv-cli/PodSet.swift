import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// Which pods a whole-set command (`status`, `check`) talks to: `<set>-0.<service>`,
/// `<set>-1.<service>`, … up to the first name that does not resolve (ordinals have no gaps),
/// or an explicit list for clusters without that DNS (local runs).
struct PodSet: ParsableArguments {
    @Option(help: "The StatefulSet's name.")
    var set: String = "kv"

    @Option(help: "The headless Service's name (default: the set's name).")
    var service: String?

    @Option(help: "Comma-separated HOST:PORT of the pods, the primary first, instead of <set>-N.<service> (local clusters).")
    var pods: String?

    @Option(help: "Password (default: $KV_PASSWORD).")
    var password: String?

    /// The password to send, if any.
    var effectivePassword: String? {
        (password ?? environment("KV_PASSWORD")).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The pods, with `port` for the DNS names (`--pods` carries its own ports).
    func addresses(port: Int) throws -> [(name: String, host: String, port: Int)] {
        if let pods {
            return try pods.split(separator: ",").map { entry in
                guard let colon = entry.lastIndex(of: ":"), let port = Int(entry[entry.index(after: colon)...]) else {
                    throw ClientError("'\(entry)' is not HOST:PORT")
                }
                return (String(entry), String(entry[..<colon]), port)
            }
        }
        var found: [(name: String, host: String, port: Int)] = []
        for ordinal in 0..<64 {
            let host = "\(set)-\(ordinal).\(service ?? set)"
            var hints = addrinfo()
            var result: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, nil, &hints, &result) == 0 else { break }
            freeaddrinfo(result)
            found.append(("\(set)-\(ordinal)", host, port))
        }
        guard !found.isEmpty else { throw ClientError("no pod \(set)-0.\(service ?? set) resolves") }
        return found
    }
}
