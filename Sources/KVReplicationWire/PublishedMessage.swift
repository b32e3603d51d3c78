import KVCore

/// A Pub/Sub message the primary published, as it travels to the replicas in the stream (not
/// in the log: it is never durable, never replayed).
///
/// `after` is the last LSN the primary had assigned when the message was published (the
/// pending record of a transaction or script included): the primary sends the message once
/// it has sent that record, and the replica delivers it once it applied it, so a subscriber
/// never sees a message before the writes that preceded it.
public struct PublishedMessage: Sendable, Hashable {
    /// Which namespace the channel is in.
    public enum Namespace: UInt8, Sendable {
        /// PUBLISH's channels (patterns match them).
        case global = 0
        /// SPUBLISH's shard channels.
        case shard = 1
    }

    public var namespace: Namespace
    public var channel: [UInt8]
    public var message: [UInt8]
    public var after: LSN

    public init(namespace: Namespace, channel: [UInt8], message: [UInt8], after: LSN) {
        self.namespace = namespace
        self.channel = channel
        self.message = message
        self.after = after
    }

    /// Bytes the frame takes: kind, u64 LSN, u8 namespace, two u32 lengths, the bytes.
    public var frameSize: Int { 1 + 8 + 1 + 4 + 4 + channel.count + message.count }
}
