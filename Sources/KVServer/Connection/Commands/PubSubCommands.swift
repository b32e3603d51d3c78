import KVCore
import KVReplicationWire
import KVStorage

/// SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE SSUBSCRIBE SUNSUBSCRIBE PUBLISH SPUBLISH
/// PUBSUB: Redis 7.0's Pub/Sub (docs/protocol.md, "Pub/Sub").
enum PubSubCommands {
    private typealias Row = CommandRow<ServerHandler>

    static let rows: [CommandRow<ServerHandler>] = [
        subscribeRow("subscribe", .channel, since: "2.0.0", summary: "Listens for messages published to channels."),
        subscribeRow("psubscribe", .pattern, since: "2.0.0", summary: "Listens for messages published to channels that match one or more patterns."),
        subscribeRow("ssubscribe", .shard, since: "7.0.0", summary: "Listens for messages published to shard channels."),
        unsubscribeRow("unsubscribe", .channel, since: "2.0.0", summary: "Stops listening to messages posted to channels."),
        unsubscribeRow("punsubscribe", .pattern, since: "2.0.0", summary: "Stops listening to messages published to channels that match one or more patterns."),
        unsubscribeRow("sunsubscribe", .shard, since: "7.0.0", summary: "Stops listening to messages posted to shard channels."),
        Row("publish", arity: 3, flags: [.loading, .stale, .fast, .sentinel], group: "pubsub", since: "2.0.0",
            summary: "Posts a message to a channel.", handler: .server { dispatcher, arguments, _, state, _ in
                .reply(.integer(Int64(dispatcher.publish(.global, arguments, state: &state))))
            }),
        Row("spublish", arity: 3, flags: [.loading, .stale, .fast], keys: (1, 1, 1), group: "pubsub", since: "7.0.0",
            summary: "Post a message to a shard channel", handler: .server { dispatcher, arguments, _, state, _ in
                .reply(.integer(Int64(dispatcher.publish(.shard, arguments, state: &state))))
            }),
        Row("pubsub", arity: -2, flags: [], group: "pubsub", since: "2.8.0",
            summary: "A container for Pub/Sub commands.", subcommands: pubsub, handler: ServerCommands.needsSubcommand),
    ]

    private static let pubsub: [CommandRow<ServerHandler>] = [
        Row("pubsub|channels", arity: -2, flags: [.loading, .stale], group: "pubsub", since: "2.8.0",
            summary: "Returns the active channels.", handler: .server { dispatcher, arguments, _, _, _ in
                .reply(.array(dispatcher.server.pubsub.names(.channel, matching: arguments.count > 2 ? arguments.bytes(2) : nil)
                    .map { .bulk($0) }))
            }),
        Row("pubsub|numpat", arity: 2, flags: [.loading, .stale], group: "pubsub", since: "2.8.0",
            summary: "Returns a count of unique pattern subscriptions.", handler: .server { dispatcher, _, _, _, _ in
                .reply(.integer(Int64(dispatcher.server.pubsub.count(.pattern))))
            }),
        Row("pubsub|numsub", arity: -2, flags: [.loading, .stale], group: "pubsub", since: "2.8.0",
            summary: "Returns a count of subscribers to channels.", handler: .server { dispatcher, arguments, _, _, _ in
                .reply(dispatcher.subscriberCounts(.channel, arguments))
            }),
        Row("pubsub|shardchannels", arity: -2, flags: [.loading, .stale], group: "pubsub", since: "7.0.0",
            summary: "Returns the active shard channels.", handler: .server { dispatcher, arguments, _, _, _ in
                .reply(.array(dispatcher.server.pubsub.names(.shard, matching: arguments.count > 2 ? arguments.bytes(2) : nil)
                    .map { .bulk($0) }))
            }),
        Row("pubsub|shardnumsub", arity: -2, flags: [.loading, .stale], group: "pubsub", since: "7.0.0",
            summary: "Returns the count of subscribers of shard channels.", handler: .server { dispatcher, arguments, _, _, _ in
                .reply(dispatcher.subscriberCounts(.shard, arguments))
            }),
        Row("pubsub|help", arity: 2, flags: [.loading, .stale], group: "pubsub", since: "6.2.0",
            summary: "Returns helpful text about the different subcommands.", handler: .server { _, _, _, _, _ in
                helpReply([
                    "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                    "CHANNELS [<pattern>]",
                    "    Return the currently active channels matching a <pattern> (default: '*').",
                    "NUMPAT",
                    "    Return number of subscriptions to patterns.",
                    "NUMSUB [<channel> ...]",
                    "    Return the number of subscribers for the specified channels, excluding",
                    "    pattern subscriptions(default: no channels).",
                    "SHARDCHANNELS [<pattern>]",
                    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
                    "SHARDNUMSUB [<shardchannel> ...]",
                    "    Return the number of subscribers for the specified shard level channel(s)",
                    "HELP",
                    "    Prints this help.",
                ])
            }),
    ]

    private static func subscribeRow(_ name: String, _ kind: PubSub.Kind, since: String, summary: StaticString) -> Row {
        Row(name, arity: -2, flags: [.noscript, .loading, .stale], keys: kind == .shard ? (1, -1, 1) : (0, 0, 0),
            group: "pubsub", since: since, summary: summary, handler: .server { dispatcher, arguments, session, _, _ in
                .reply(dispatcher.subscribe(kind, arguments, session: &session))
            })
    }

    private static func unsubscribeRow(_ name: String, _ kind: PubSub.Kind, since: String, summary: StaticString) -> Row {
        Row(name, arity: -1, flags: [.noscript, .loading, .stale], keys: kind == .shard ? (1, -1, 1) : (0, 0, 0),
            group: "pubsub", since: since, summary: summary, handler: .server { dispatcher, arguments, session, _, _ in
                .reply(dispatcher.unsubscribe(kind, arguments, session: &session))
            })
    }

    /// The commands a RESP2 client may send while subscribed (Redis's "Pub/Sub context").
    static let allowedWhileSubscribed: Set<String> = [
        "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe", "ping", "quit", "reset",
    ]
}

extension CommandDispatcher {
    /// (P|S)SUBSCRIBE name…: one confirmation per name, with the client's count after it.
    func subscribe(_ kind: PubSub.Kind, _ arguments: Arguments, session: inout ClientSession) -> Reply {
        var frames: [Reply] = []
        for index in 1..<arguments.count {
            let name = arguments.bytes(index)
            if session.subscriptions[kind].insert(name), let subscriber = session.subscriber {
                server.pubsub.add(kind, name, subscriber)
            }
            frames.append(.push([.bulk(Self.subscribeWord(kind)), .bulk(name), .integer(Int64(Self.count(kind, session)))]))
        }
        noteSubscriptions(session)
        return .frames(frames)
    }

    /// (P|S)UNSUBSCRIBE [name…]: every name given, or every subscription of the kind; one
    /// confirmation each (a null name when there was none).
    func unsubscribe(_ kind: PubSub.Kind, _ arguments: Arguments, session: inout ClientSession) -> Reply {
        var frames: [Reply] = []
        if arguments.count == 1 && !session.subscriptions[kind].isEmpty {
            // Every subscription of the kind, in order, each confirmation counting the ones left.
            let names = session.subscriptions[kind].ordered
            session.subscriptions[kind].removeAll()
            let remaining = Self.count(kind, session)
            for (index, name) in names.enumerated() {
                server.pubsub.remove(kind, name, client: session.id)
                frames.append(.push([.bulk(Self.unsubscribeWord(kind)), .bulk(name), .integer(Int64(remaining + names.count - index - 1))]))
            }
            noteSubscriptions(session)
            return .frames(frames)
        }
        let names = (1..<arguments.count).map { arguments.bytes($0) }
        for name in names {
            if session.subscriptions[kind].remove(name) { server.pubsub.remove(kind, name, client: session.id) }
            frames.append(.push([.bulk(Self.unsubscribeWord(kind)), .bulk(name), .integer(Int64(Self.count(kind, session)))]))
        }
        if frames.isEmpty {
            frames.append(.push([.bulk(Self.unsubscribeWord(kind)), .null, .integer(Int64(Self.count(kind, session)))]))
        }
        noteSubscriptions(session)
        return .frames(frames)
    }

    /// Drops every subscription without a confirmation (RESET, a closed connection).
    func unsubscribeAll(session: inout ClientSession) {
        guard session.subscriptions.total > 0 else { return }
        for kind in [PubSub.Kind.channel, .pattern, .shard] {
            for name in session.subscriptions[kind].ordered { server.pubsub.remove(kind, name, client: session.id) }
        }
        session.subscriptions = Subscriptions()
        noteSubscriptions(session)
    }

    /// PUBLISH / SPUBLISH channel message: delivered to this pod's subscribers and, on the
    /// primary, sent to every replica after the writes that preceded it.
    func publish(_ namespace: PublishedMessage.Namespace, _ arguments: Arguments, state: inout Database.State) -> Int {
        server.publish(PublishedMessage(namespace: namespace, channel: arguments.bytes(1), message: arguments.bytes(2),
                                        after: state.pendingLSN))
    }

    /// PUBSUB NUMSUB / SHARDNUMSUB: name, count, name, count…
    func subscriberCounts(_ kind: PubSub.Kind, _ arguments: Arguments) -> Reply {
        var items: [Reply] = []
        for index in 2..<max(2, arguments.count) {
            items.append(.bulk(arguments.bytes(index)))
            items.append(.integer(Int64(server.pubsub.subscriberCount(kind, arguments.bytes(index)))))
        }
        return .array(items)
    }

    /// The count a confirmation carries: channels and patterns together, shard channels apart
    /// (as Redis 7.0).
    private static func count(_ kind: PubSub.Kind, _ session: ClientSession) -> Int {
        kind == .shard ? session.subscriptions.shardChannels.count
            : session.subscriptions.channels.count + session.subscriptions.patterns.count
    }

    private static func subscribeWord(_ kind: PubSub.Kind) -> String {
        switch kind {
        case .channel: "subscribe"
        case .pattern: "psubscribe"
        case .shard: "ssubscribe"
        }
    }

    private static func unsubscribeWord(_ kind: PubSub.Kind) -> String {
        switch kind {
        case .channel: "unsubscribe"
        case .pattern: "punsubscribe"
        case .shard: "sunsubscribe"
        }
    }

    /// CLIENT LIST's `sub=`, `psub=`, `ssub=` and flag `P`.
    private func noteSubscriptions(_ session: ClientSession) {
        let counts = (session.subscriptions.channels.count, session.subscriptions.patterns.count,
                      session.subscriptions.shardChannels.count)
        record.activity.withLock { $0.subscriptions = counts }
    }
}

extension Database.State {
    /// The LSN a message published now follows: the log's last, or the last record the
    /// pending effects (a transaction's, a script's) will get when they are committed in this
    /// hold of the lock — more than one when they pass the record bound.
    var pendingLSN: LSN {
        effects.isEmpty ? log.lastAssigned : LSN(log.lastAssigned.rawValue + UInt64(WriteLog.recordCount(for: effects)))
    }
}
