import Logging
import ServiceLifecycle

/// Starts a kv-server and runs it until SIGTERM or SIGINT.
public enum KVServerApplication {
    /// Runs the server described by `configuration`; returns after a graceful shutdown.
    public static func run(_ configuration: ServerConfiguration) async throws {
        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "kv")
        logger[metadataKey: "pod"] = "\(configuration.identity.podName)"
        let service = KVService(configuration: configuration, logger: logger)
        let group = ServiceGroup(configuration: .init(
            // SHUTDOWN ends the service by itself: that is a clean exit, not a failure.
            services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await group.run()
    }
}

/// A startup failure the user can act on (a corrupt log, a data directory in use, a port
/// taken). The message names the file, offset or address.
public struct StartupError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}
