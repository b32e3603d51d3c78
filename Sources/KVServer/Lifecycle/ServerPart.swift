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
    let stop: @Sendable () async -> Void

    var description: String { name.rawValue }

    func run() async throws {
        // Returns at graceful shutdown; throws when the group is cancelled instead, and the
        // part is stopped all the same.
        try? await gracefulShutdown()
        await stop()
    }

    /// The services for a `ServiceGroup`, so that the parts stop in `Name`'s order. Parts
    /// without an entry in `stops` have nothing to stop on this pod.
    static func inShutdownOrder(_ stops: [Name: @Sendable () async -> Void]) -> [ServerPart] {
        Name.allCases.reversed().compactMap { name in stops[name].map { ServerPart(name: name, stop: $0) } }
    }
}
