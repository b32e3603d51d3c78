/// One value per Pub/Sub namespace — channels, patterns, shard channels — reached by
/// `PubSub.Kind` in place (no copy of the value per access). The server's tables of
/// subscribers and a connection's own subscriptions are both this shape.
struct PubSubKinds<Value> {
    var channels: Value
    var patterns: Value
    var shardChannels: Value

    init(_ empty: Value) {
        channels = empty
        patterns = empty
        shardChannels = empty
    }

    subscript(kind: PubSub.Kind) -> Value {
        get {
            switch kind {
            case .channel: channels
            case .pattern: patterns
            case .shard: shardChannels
            }
        }
        _modify {
            switch kind {
            case .channel: yield &channels
            case .pattern: yield &patterns
            case .shard: yield &shardChannels
            }
        }
    }
}
