/// `/status`: this pod's role, position and health as JSON.
struct StatusDocument {
    let server: ServerContext
    let ready: Bool

    func render() -> String {
        let identity = server.configuration.identity
        let log = server.database.log.progress
        return JSONText.object([
            ("pod", .string(identity.podName)),
            ("set", .string(identity.setName)),
            ("ordinal", .integer(identity.ordinal)),
            ("role", .string(identity.role.rawValue)),
            ("ready", .bool(ready)),
            ("history", .string(server.database.history.description)),
            ("lsn", .integer(Int(log.lastAssigned.rawValue))),
            ("writtenLSN", .integer(Int(log.written.rawValue))),
            ("durableLSN", .integer(Int(log.durable.rawValue))),
            ("fsync", .string(server.configuration.fsync.rawValue)),
            ("keys", .integer(server.database.keyCount)),
            ("connectedClients", .integer(server.clients.count)),
            ("uptimeSeconds", .integer(server.uptimeSeconds)),
            ("replicas", .array([])),
            ("logFailure", log.failure.map { .string($0.description) } ?? .null),
        ])
    }
}
