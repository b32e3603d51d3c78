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
        let group = ServiceGroup(services: ServerPart.inShutdownOrder(ServerStops(stops)), logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(50))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let expected = Self.documented.filter { replica || $0 != "replica stream" }
        #expect(stopped.withLock { $0 } == expected)
    }

    /// Cancelled instead of shut down: no part stops concurrently with another; what is left
    /// stops afterwards in the documented order, each once.
    @Test func afterACancellationThePartsStopInOrderOnce() async throws {
        let stopped = Mutex<[String]>([])
        var actions: [ServerPart.Name: @Sendable () async -> Void] = [:]
        for name in ServerPart.Name.allCases {
            actions[name] = { stopped.withLock { $0.append(name.rawValue) } }
        }
        let stops = ServerStops(actions)
        let group = ServiceGroup(services: ServerPart.inShutdownOrder(stops), logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        try await Task.sleep(for: .milliseconds(50))
        running.cancel()
        _ = await running.result
        #expect(stopped.withLock { $0 }.isEmpty, "a cancelled part stops nothing by itself")
        await stops.stopRemaining()
        await stops.stopRemaining()
        #expect(stopped.withLock { $0 } == Self.documented)
    }
}
