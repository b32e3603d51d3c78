import ArgumentParser
import Foundation
import KVClient
import KVWire

extension KVCLI {
    /// Each pod's role, LSN, lag and readiness, from its `/status`: the pods are reached on their
    /// Redis-protocol port, as for every subcommand, and each says where its HTTP port is
    /// (`CONFIG GET kv-http-port`).
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show every pod of the set: role, readiness, LSN, lag behind the primary.")

        @OptionGroup var set: PodSet

        @Option(name: .customLong("http-port"), help: "The pods' HTTP port (default: each pod's own, asked with CONFIG GET kv-http-port).")
        var httpPort: Int?

        func run() throws {
            let addresses = try set.addresses()
            let configuration = try set.clientConfiguration()
            print(Output.bold("POD       ROLE      READY  LSN          LAG      HISTORY"))
            var shown = 0
            for address in addresses {
                let document: [String: Any]
                do {
                    document = try fetchStatus(of: address, configuration: configuration)
                } catch {
                    print("\(address.name.padding(9))" + Output.red("unreachable: \(error)"))
                    continue
                }
                shown += 1
                let pod = document["pod"] as? String ?? address.name
                let role = document["role"] as? String ?? "?"
                let ready = document["ready"] as? Bool ?? false
                let lsn = document["lsn"] as? Int ?? 0
                let replication = document["replication"] as? [String: Any] ?? [:]
                let primaryLSN = replication["primaryLSN"] as? Int ?? lsn
                let lag = role == "primary" ? "-" : String(max(0, primaryLSN - lsn))
                let history = (document["history"] as? String ?? "").prefix(12)
                let readyColumn = ready ? Output.green("yes".padding(7)) : Output.red("no".padding(7))
                print(pod.padding(10) + role.padding(10) + readyColumn + String(lsn).padding(13) + lag.padding(9) + history)
            }
            if shown == 0 { throw ExitCode(1) }
        }

        /// The pod's `/status` document, from the HTTP port it names.
        func fetchStatus(of pod: PodSet.Pod, configuration: RESPClientConfiguration) throws -> [String: Any] {
            let port: Int
            do {
                port = try httpPort ?? askHTTPPort(of: pod, configuration: configuration)
            } catch let error as RESPClientError where error.code == .protocolError || error.code == .closed {
                // Before --pods meant Redis-protocol ports everywhere, `status` took HTTP
                // ports: an address that answers HTTP is still read, with a warning.
                let document = try? parse(StatusRequest.fetch(host: pod.host, port: pod.port, tls: configuration.tls,
                                                              password: configuration.password))
                guard let document else { throw error }
                Output.printError("kv-cli: \(pod.name) is an HTTP port; --pods takes the pods' Redis-protocol ports (HOST:PORT or names)")
                return document
            }
            return try parse(StatusRequest.fetch(host: pod.host, port: port, tls: configuration.tls, password: configuration.password))
        }

        /// `CONFIG GET kv-http-port` over the Redis protocol.
        func askHTTPPort(of pod: PodSet.Pod, configuration: RESPClientConfiguration) throws -> Int {
            let connection = try RESPConnection.connect(host: pod.host, port: pod.port, configuration: configuration).wait()
            defer { connection.close() }
            let reply = try connection.callNow(["CONFIG", "GET", "kv-http-port"])
            if case let .error(message) = reply { throw ClientError("\(pod.name): \(message)") }
            guard case let .array(items?) = reply, items.count == 2, let port = items[1].string.flatMap({ Int($0) }) else {
                throw ClientError("\(pod.name) does not say its HTTP port (CONFIG GET kv-http-port); give --http-port")
            }
            return port
        }

        func parse(_ body: [UInt8]) throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
                throw ClientError("not a status document")
            }
            return object
        }
    }
}

extension String {
    /// Left-aligned in `width` columns.
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
