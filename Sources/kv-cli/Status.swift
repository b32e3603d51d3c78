import ArgumentParser
import Foundation

extension KVCLI {
    /// Each pod's role, LSN, lag and readiness, from its `/status`.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show every pod of the set: role, readiness, LSN, lag behind the primary.")

        @OptionGroup var set: PodSet

        @Option(name: .customLong("http-port"), help: "The pods' HTTP port.")
        var httpPort: Int = 8080

        func run() throws {
            let addresses = try set.addresses(port: httpPort)
            print(Output.bold("POD       ROLE      READY  LSN          LAG      HISTORY"))
            var shown = 0
            for address in addresses {
                let document: [String: Any]
                do {
                    document = try fetchStatus(host: address.host, port: address.port)
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

        func fetchStatus(host: String, port: Int) throws -> [String: Any] {
            let connection = try PeerConnection(host: host, port: port)
            var request = "GET /status HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n"
            if let password = set.effectivePassword {
                request += "Authorization: Bearer \(password)\r\n"
            }
            try connection.send(Array((request + "\r\n").utf8))
            let response = try connection.readToEnd()
            guard let split = response.firstRange(of: Array("\r\n\r\n".utf8)) else { throw ClientError("no HTTP response") }
            let head = String(decoding: response[..<split.lowerBound], as: UTF8.self)
            guard head.hasPrefix("HTTP/1.1 200") else { throw ClientError(head.split(separator: "\r\n").first.map(String.init) ?? "bad response") }
            let body = Data(response[split.upperBound...])
            guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else { throw ClientError("not a status document") }
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
