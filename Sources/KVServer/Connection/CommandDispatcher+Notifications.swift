import KVCore

extension CommandDispatcher {
    /// Runs a keyspace command with its effects left pending (as `Database.State.run`), and
    /// publishes the keyspace events it fired; they follow the record its effects will get.
    func runNotifying(
        _ handler: KeyspaceHandler, _ spec: CommandSpec, _ arguments: Arguments, session: ClientSession,
        state: inout Database.State, context: CommandContext
    ) -> Reply {
        let mark = state.effects.count
        let reply = state.run(handler, spec, arguments, context: context, database: session.database)
        publishKeyspaceEvents(spec, arguments, database: session.database, effectsFrom: mark, state: state)
        return reply
    }

    /// Publishes the keyspace events of the command that left the pending effects from `mark`
    /// on (nothing while notifications are off); they follow the record those effects will get.
    func publishKeyspaceEvents(_ spec: CommandSpec, _ arguments: Arguments, database: Int, effectsFrom mark: Int,
                               state: Database.State) {
        server.publishKeyspaceEvents(spec, arguments, database: database, effectsFrom: mark, state: state)
    }
}

extension ServerContext {
    /// Publishes the keyspace events of the command that left the pending effects from `mark`
    /// on (nothing while notifications are off); they follow the record those effects will get.
    func publishKeyspaceEvents(_ spec: CommandSpec, _ arguments: Arguments, database: Int, effectsFrom mark: Int,
                               state: Database.State) {
        let notifications = pubsub.notifications
        guard notifications.isOn, state.effects.count > mark else { return }
        let dataset = state.dataset
        let events = KeyspaceNotifications.events(
            command: spec.name, arguments, isWrite: spec.isWrite, database: database, effects: state.effects[mark...],
            exists: { key, database in
                database < dataset.databases.count && key.withUnsafeBytes { dataset[database].lookup($0) } != nil
            })
        for message in notifications.messages(events, after: state.pendingLSN) { publish(message) }
    }
}

extension CommandDispatcher {
    /// CONFIG SET notify-keyspace-events <classes>, with Redis's refusal of an unknown letter.
    func setKeyspaceEvents(_ text: String) -> Reply {
        guard let classes = KeyspaceEventClasses(text) else {
            return .error(CommandError(
                "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'."))
        }
        server.pubsub.notifications.set(classes)
        return .ok
    }
}
