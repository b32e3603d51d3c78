import KVCore

extension CommandDispatcher {
    /// Runs a keyspace command with its effects left pending (as `Database.State.run`), and
    /// publishes the keyspace events it fired; they follow the record its effects will get.
    func runNotifying(
        _ handler: KeyspaceHandler, _ spec: CommandSpec, _ arguments: Arguments, session: ClientSession,
        state: inout Database.State, context: CommandContext
    ) -> Reply {
        let mark = state.effects.count
        // Class n: the keys the command names that do not exist yet may be created by it.
        var absent: Set<[UInt8]> = []
        if spec.isWrite && server.pubsub.notifications.current.contains(.new) && spec.firstKey > 0 {
            let last = spec.lastKey < 0 ? arguments.count + spec.lastKey : min(spec.lastKey, arguments.count - 1)
            for index in stride(from: spec.firstKey, through: last, by: max(1, spec.keyStep)) {
                let key = arguments.bytes(index)
                if key.withUnsafeBytes({ state.dataset[session.database].liveEntry($0, now: context.now) }) == nil {
                    absent.insert(key)
                }
            }
        }
        let reply = state.run(handler, spec, arguments, context: context, database: session.database)
        server.publishKeyspaceEvents(spec, arguments, database: session.database, effectsFrom: mark, state: state,
                                     absentBefore: absent)
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
    /// `absentBefore`: keys that did not exist before the command; each one that does now
    /// fires `new` before its first event, as Redis's `dbAdd` does.
    func publishKeyspaceEvents(_ spec: CommandSpec, _ arguments: Arguments, database: Int, effectsFrom mark: Int,
                               state: Database.State, absentBefore: Set<[UInt8]> = []) {
        let notifications = pubsub.notifications
        guard notifications.isOn, state.effects.count > mark else { return }
        let dataset = state.dataset
        var events = KeyspaceNotifications.events(
            command: spec.name, arguments, isWrite: spec.isWrite, database: database, effects: state.effects[mark...],
            exists: { key, database in
                database < dataset.databases.count && key.withUnsafeBytes { dataset[database].lookup($0) } != nil
            })
        if !absentBefore.isEmpty {
            var announced: Set<[UInt8]> = []
            var withNew: [KeyspaceNotifications.Event] = []
            // RENAME adds its destination before it notifies anything: `new` comes first.
            let first = spec.name == "rename" || spec.name == "renamenx"
            for event in events {
                if absentBefore.contains(event.key), event.database == database, event.name != "del",
                   announced.insert(event.key).inserted,
                   event.key.withUnsafeBytes({ dataset[database].lookup($0) }) != nil {
                    let new = KeyspaceNotifications.Event(kind: .new, name: "new", key: event.key, database: database)
                    if first { withNew.insert(new, at: 0) } else { withNew.append(new) }
                }
                withNew.append(event)
            }
            events = withNew
        }
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
