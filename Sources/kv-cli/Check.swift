import ArgumentParser
import KVClient
import KVWire

#if canImport(Glibc)
import Glibc
#endif

extension KVCLI {
    /// Compares every pod's dataset digest at the same LSN (`KV.DIGEST`).
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that every pod holds the same data: digests compared at the same LSN.")

        @OptionGroup var set: PodSet

        @Option(help: "Seconds to wait for every pod to reach the same LSN (writes may be going on).")
        var timeout: Double = 10

        func run() throws {
            let pods = try set.addresses()
            let configuration = try set.clientConfiguration()
            let deadline = Double(time(nil)) + timeout
            var positions: [(name: String, lsn: Int64, digest: String)] = []
            repeat {
                positions = try pods.map { pod in
                    let connection = try RESPConnection.connect(host: pod.host, port: pod.port, configuration: configuration).wait()
                    defer { connection.close() }
                    guard case let .array(items?) = try connection.callNow(["KV.DIGEST"]), items.count == 2,
                          case let .integer(lsn) = items[0], let digest = items[1].string
                    else { throw ClientError("\(pod.name) did not answer KV.DIGEST") }
                    return (pod.name, lsn, digest)
                }
                if Swift.Set(positions.map(\.lsn)).count == 1 { break }
                usleep(100_000)
            } while Double(time(nil)) < deadline
            print(Output.bold("POD       LSN          DIGEST"))
            for position in positions {
                print(position.name.padding(10) + String(position.lsn).padding(13) + position.digest)
            }
            guard Swift.Set(positions.map(\.lsn)).count == 1 else {
                Output.printError("the pods did not reach the same LSN within \(timeout) s: cannot compare")
                throw ExitCode(2)
            }
            let reference = positions[0].digest
            let differing = positions.filter { $0.digest != reference }.map(\.name)
            if differing.isEmpty {
                print(Output.green("all \(positions.count) pods hold the same data at LSN \(positions[0].lsn)"))
            } else {
                print(Output.red("differ from \(positions[0].name): \(differing.joined(separator: ", "))"))
                throw ExitCode(1)
            }
        }
    }
}
