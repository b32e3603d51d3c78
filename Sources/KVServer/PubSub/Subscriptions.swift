/// What one connection is subscribed to, per namespace, in subscription order (UNSUBSCRIBE
/// without arguments answers in this order). Pure state, in the connection's `ClientSession`.
typealias Subscriptions = PubSubKinds<SubscribedNames>

extension PubSubKinds where Value == SubscribedNames {
    init() { self.init(SubscribedNames()) }

    /// Redis's `clientTotalPubSubSubscriptionCount`: the client is in Pub/Sub mode while it
    /// is above zero.
    var total: Int { channels.count + patterns.count + shardChannels.count }
}

/// Names in the order they were added, with a set for membership.
struct SubscribedNames {
    private(set) var ordered: [[UInt8]] = []
    private var members: Set<[UInt8]> = []

    var count: Int { ordered.count }
    var isEmpty: Bool { ordered.isEmpty }
    func contains(_ name: [UInt8]) -> Bool { members.contains(name) }

    /// Adds `name`; false when it was there already.
    mutating func insert(_ name: [UInt8]) -> Bool {
        guard members.insert(name).inserted else { return false }
        ordered.append(name)
        return true
    }

    /// Removes every name (O(n), where removing them one by one would be O(n²)).
    mutating func removeAll() {
        ordered.removeAll()
        members.removeAll()
    }

    /// Removes `name`; false when it was not there.
    mutating func remove(_ name: [UInt8]) -> Bool {
        guard members.remove(name) != nil else { return false }
        ordered.removeAll { $0 == name }
        return true
    }
}
