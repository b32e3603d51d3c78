import KVCore
import ServiceLifecycle

/// One part of a running server as a lifecycle `Service`: it runs until its group shuts it down
/// gracefully, then stops that part.
///
/// A `ServiceGroup` shuts its services down in the reverse order of its list, one at a time,
/// each once the one before has returned; `inShutdownOrder` builds that list from the order
/// the parts must stop in, so the order is written once (`Name`'s cases) and tested
/// (`ServerPartTests`).
struct ServerPart: Service, CustomStringConvertible {
    /// The parts, in the order they stop at SIGTERM (docs/architecture.md, "Shutdown").
    enum Name: String, CaseIterable, Sendable {
        /// Close the listening sockets (readiness goes first: probes see the pod leave).
        case listeners = "listeners"
        /// Stop sampling malloc for --max-memory.
        case memorySampler = "memory sampler"
        /// Stop deleting expired keys (primary).
        case expirySweeper = "expiry sweeper"
        /// Wait for a snapshot being written, start no new one.
        case snapshots = "snapshot scheduler"
        /// A replica stops streaming from the primary: nothing more is applied to its log.
        case replicaStream = "replica stream"
        /// Flush and fsync the log: every acknowledged write is on disk.
        case writeLog = "write log"
        /// Let the loops send the replies and stream frames the final flush released, then
        /// stop them (connections and the primary's streams close here).
        case eventLoops = "event loops"
    }

    let name: Name
    let stops: ServerStops

    var description: String { name.rawValue }

    func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            // Cancelled rather than shut down: every part would stop at once, out of order.
            // The parts left are stopped in order once the group has returned
            // (`ServerStops.stopRemaining`).
            return
        }
        await stops.stop(name)
    }

    /// The services for a `ServiceGroup`, so that the parts stop in `Name`'s order.
    static func inShutdownOrder(_ stops: ServerStops) -> [ServerPart] {
        Name.allCases.reversed().filter(stops.has).map { ServerPart(name: $0, stops: stops) }
    }
}

/// What stopping each part does, and which have been stopped: each runs once, whether the
/// group stopped it or, after a cancellation, `stopRemaining` did.
final class ServerStops: Sendable {
    private let actions: [ServerPart.Name: @Sendable () async -> Void]
    private let done = KVMutex<Set<ServerPart.Name>>([])

    /// Parts without an action have nothing to stop on this pod.
    init(_ actions: [ServerPart.Name: @Sendable () async -> Void]) { self.actions = actions }

    func has(_ name: ServerPart.Name) -> Bool { actions[name] != nil }

    /// Stops `name` unless it was stopped already.
    func stop(_ name: ServerPart.Name) async {
        guard let action = actions[name], done.withLock({ $0.insert(name).inserted }) else { return }
        await action()
    }

    /// Stops, one after another in `Name`'s order, every part not stopped yet.
    func stopRemaining() async {
        for name in ServerPart.Name.allCases { await stop(name) }
    }
}
