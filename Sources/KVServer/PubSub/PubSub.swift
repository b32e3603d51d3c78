import KVCore
import KVReplicationWire
import Logging
import Synchronization

/// This pod's Pub/Sub: who is subscribed to which channel, pattern and shard channel, and
/// the delivery of a message to them. A message published here reaches this pod's
/// subscribers; on the primary it also travels to the replicas in the stream
/// (`ServerContext.publish`), where the replica's `PubSub` delivers it to its own.
///
/// Called with the database lock held (commands) or from the replica's loop (messages from
/// the stream); its own lock is taken after the database's, never before.
final class PubSub: Sendable {
    /// The three namespaces of subscriptions.
    enum Kind: Sendable {
        /// SUBSCRIBE's channels.
        case channel
        /// PSUBSCRIBE's glob patterns over the channels.
        case pattern
        /// SSUBSCRIBE's shard channels (a namespace of their own, no patterns).
        case shard
    }

    /// Subscribers by name, per namespace.
    private typealias Table = PubSubKinds<[[UInt8]: [Int: Subscriber]]>

    private let table = Mutex(Table([:]))
    /// Patterns subscribed to (any client): a publish skips the pattern walk while zero.
    private let patternCount = Atomic<Int>(0)
    let limit: OutputBufferLimit
    /// `notify-keyspace-events`.
    let notifications: KeyspaceNotifications
    private let logger: Logger

    init(limit: OutputBufferLimit = OutputBufferLimit(), notifications: KeyspaceEventClasses = [], logger: Logger) {
        self.limit = limit
        self.notifications = KeyspaceNotifications(notifications)
        self.logger = logger
    }

    func add(_ kind: Kind, _ name: [UInt8], _ subscriber: Subscriber) {
        table.withLock { table in
            if kind == .pattern && table.patterns[name] == nil { patternCount.add(1, ordering: .relaxed) }
            table[kind][name, default: [:]][subscriber.id] = subscriber
        }
    }

    func remove(_ kind: Kind, _ name: [UInt8], client id: Int) {
        table.withLock { table in
            guard table[kind][name]?.removeValue(forKey: id) != nil, table[kind][name]?.isEmpty == true else { return }
            table[kind][name] = nil
            if kind == .pattern { patternCount.subtract(1, ordering: .relaxed) }
        }
    }

    /// Delivers `message` to this pod's subscribers: a channel's own subscribers first, then
    /// each matching pattern's, as Redis does. Returns how many deliveries were made (a client
    /// subscribed to the channel and to a matching pattern counts twice), PUBLISH's answer.
    @discardableResult
    func publish(_ message: PublishedMessage) -> Int {
        var deliveries: [(Subscriber, [[UInt8]])] = []
        table.withLock { table in
            switch message.namespace {
            case .global:
                if let subscribers = table.channels[message.channel] {
                    let frame = [Self.messageWord, message.channel, message.message]
                    for subscriber in subscribers.values { deliveries.append((subscriber, frame)) }
                }
                guard patternCount.load(ordering: .relaxed) > 0 else { return }
                message.channel.withUnsafeBytes { channel in
                    for (pattern, subscribers) in table.patterns {
                        let matches = pattern.withUnsafeBytes { GlobPattern(pattern: $0).matches(channel) }
                        guard matches else { continue }
                        let frame = [Self.pmessageWord, pattern, message.channel, message.message]
                        for subscriber in subscribers.values { deliveries.append((subscriber, frame)) }
                    }
                }
            case .shard:
                if let subscribers = table.shardChannels[message.channel] {
                    let frame = [Self.smessageWord, message.channel, message.message]
                    for subscriber in subscribers.values { deliveries.append((subscriber, frame)) }
                }
            }
        }
        for (subscriber, frame) in deliveries {
            subscriber.deliver(frame, after: message.after, limit: limit, logger: logger)
        }
        return deliveries.count
    }

    /// PUBSUB CHANNELS / SHARDCHANNELS: the active names of `kind`, those matching `pattern`
    /// when given.
    func names(_ kind: Kind, matching pattern: [UInt8]?) -> [[UInt8]] {
        let names = table.withLock { Array($0[kind].keys) }
        guard let pattern else { return names }
        return pattern.withUnsafeBytes { pattern in
            names.filter { name in name.withUnsafeBytes { GlobPattern(pattern: pattern).matches($0) } }
        }
    }

    /// PUBSUB NUMSUB / SHARDNUMSUB: the subscribers of one name.
    func subscriberCount(_ kind: Kind, _ name: [UInt8]) -> Int {
        table.withLock { $0[kind][name]?.count ?? 0 }
    }

    /// How many names of `kind` have subscribers (PUBSUB NUMPAT, INFO's `pubsub_channels`…).
    func count(_ kind: Kind) -> Int {
        table.withLock { $0[kind].count }
    }

    static let messageWord = Array("message".utf8)
    static let pmessageWord = Array("pmessage".utf8)
    static let smessageWord = Array("smessage".utf8)
}
