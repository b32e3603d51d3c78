import KVReplicationWire

extension ServerContext {
    /// Delivers `message` to this pod's subscribers and, on the primary, hands it to every
    /// replica's stream; returns the local deliveries (PUBLISH's answer counts this pod only,
    /// as Redis's counts its own clients).
    @discardableResult
    func publish(_ message: PublishedMessage) -> Int {
        hub?.relay(message)
        return pubsub.publish(message)
    }
}
