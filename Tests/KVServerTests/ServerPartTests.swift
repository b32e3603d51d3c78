import Logging
import ServiceLifecycle
import Synchronization
import Testing
@testable import KVServer

/// The server's parts stop in the documented order (docs/architecture.md, "Shutdown"), through
/// the same `ServiceGroup` and `ServerPart.inShutdownOrder` the server runs.
@Suite struct ServerPartTests {
    static let documented: [String] = [
        "listeners", "memory sampler", "expiry sweeper", "snapshot scheduler", "replica stream", "write log", "event loops",
    ]

    @Test func theNamesAreTheDocumentedOrder() {
        #expect(ServerPart.Name.allCases.map(\.rawValue) == Self.documented)
    }

    @Test(arguments: [true, false])
    func gracefulShutdownStopsThePartsOneByOneInOrder(replica: Bool) async throws {
        let stopped = Mutex<[String]>([])
        var stops: [ServerPart.Name: @Sendable () async -> Void] = [:]
        for name in ServerPart.Name.allCases where replica || name != .replicaStream {
            stops[name] = {
                // A part that takes its time must still finish before the next one starts.
                try? await Task.sleep(for: .milliseconds(name == .snapshots ? 50 : 1))
                stopped.withLock { $0.append(name.rawValue) }
            }
        }
        let group = ServiceGroup(services: ServerPart.inShutdownOrder(stops), logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(50))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let expected = Self.documented.filter { replica || $0 != "replica stream" }
        #expect(stopped.withLock { $0 } == expected)
    }
}
