/// `/status`: this pod's role, position and health as JSON.
struct StatusDocument {
    let server: ServerContext
    let ready: Bool
    /// The key count when the caller holds the database lock already (`KV.STATUS`); nil: taken here.
    var keys: Int? = nil

    func render() -> String { fields.rendered }

    /// The document as JSON, for `/status` and for embedding (`/v1/cluster`).
    var fields: JSONText {
        let identity = server.configuration.identity
        let log = server.database.log.progress
        let replication = ReplicationStatus(server: server)
        var replicationFields: [(String, JSONText)] = [
            ("primaryLSN", .integer(Int(replication.primaryLSN.rawValue))),
            ("syncFull", .integer(replication.syncFull)),
            ("syncPartialOk", .integer(replication.syncPartialOK)),
            ("syncPartialErr", .integer(replication.syncPartialErr)),
        ]
        if !replication.isPrimary {
            replicationFields += [
                ("primary", .string(replication.primaryAddress)),
                ("linkUp", .bool(replication.linkUp)),
                ("cloning", .bool(replication.cloning)),
                ("stalenessSeconds", .string(ReadConsistency.format(replication.staleness ?? .zero))),
                ("readiness", .string(replication.readiness)),
            ]
        }
        return .object([
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
            ("keys", .integer(keys ?? server.database.keyCount)),
            ("connectedClients", .integer(server.clients.count)),
            ("uptimeSeconds", .integer(server.uptimeSeconds)),
            ("replication", .object(replicationFields)),
            ("replicas", .array(replication.replicas.map { replica in
                .object([
                    ("name", .string(replica.name)),
                    ("address", .string("\(replica.host):\(replica.port)")),
                    ("connected", .bool(replica.connected)),
                    ("ackedLSN", .integer(Int(replica.ackedLSN.rawValue))),
                    ("durableLSN", .integer(Int(replica.durableLSN.rawValue))),
                    ("lagRecords", .integer(Int(replica.lagRecords))),
                    ("lagSeconds", .integer(replica.lagSeconds)),
                ])
            })),
            ("logFailure", log.failure.map { .string($0.description) } ?? .null),
        ])
    }
}
