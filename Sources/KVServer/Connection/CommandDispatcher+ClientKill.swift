import KVCore

extension CommandDispatcher {
    /// CLIENT KILL, Redis 7.0's two forms: `CLIENT KILL <ip:port>` (+OK or `No such client`)
    /// and `CLIENT KILL <filter> <value> …` (the number closed; the caller is spared unless
    /// `SKIPME no`), with Redis's errors. kv's clients are of type pubsub while subscribed, else normal, and user default.
    func clientKill(_ arguments: Arguments) -> CommandOutcome {
        let clients = server.clients.all
        if arguments.count == 3 {
            let address = arguments.string(2)
            guard let target = clients.first(where: { $0.address == address }) else {
                return .reply(.error(CommandError("ERR No such client")))
            }
            if target.id == record.id { return .replyAndClose(.ok) }
            target.kill()
            return .reply(.ok)
        }
        var filters: [(ClientRegistry.Record) -> Bool] = []
        var skipMe = true
        var index = 2
        while index < arguments.count {
            guard index + 1 < arguments.count else { return .reply(.error(.syntax)) }
            let value = arguments.string(index + 1)
            if arguments.matches(index, "id") {
                guard let id = Int(value), id > 0 else {
                    return .reply(.error(CommandError("ERR client-id should be greater than 0")))
                }
                filters.append { $0.id == id }
            } else if arguments.matches(index, "type") {
                switch value.lowercased() {
                case "normal": filters.append { !$0.isSubscribed }
                case "pubsub": filters.append { $0.isSubscribed }
                case "master", "slave", "replica": filters.append { _ in false }
                default: return .reply(.error(CommandError("ERR Unknown client type '\(value)'")))
                }
            } else if arguments.matches(index, "user") {
                guard value == "default" else { return .reply(.error(CommandError("ERR No such user '\(value)'"))) }
            } else if arguments.matches(index, "addr") {
                filters.append { $0.address == value }
            } else if arguments.matches(index, "laddr") {
                filters.append { $0.localAddress == value }
            } else if arguments.matches(index, "skipme") {
                switch value.lowercased() {
                case "yes": skipMe = true
                case "no": skipMe = false
                default: return .reply(.error(.syntax))
                }
            } else {
                return .reply(.error(.syntax))
            }
            index += 2
        }
        var killed = 0
        var killedMe = false
        for client in clients where filters.allSatisfy({ $0(client) }) {
            if client.id == record.id {
                guard !skipMe else { continue }
                killedMe = true
            } else {
                client.kill()
            }
            killed += 1
        }
        if killed > 0 {
            server.logger.notice("CLIENT KILL closed \(killed) connection(s)", metadata: ["client": "\(record.address)"])
        }
        return killedMe ? .replyAndClose(.integer(Int64(killed))) : .reply(.integer(Int64(killed)))
    }
}
