import KVCore
import KVReplicationWire

extension CommandOutcome {
    /// `KV.STREAM <history> <after-lsn> <pod-name> [<port> [<epoch>]]` as the replication codec reads it
    /// (`StreamRequest`): the stream to serve, or the error the primary answers with.
    ///
    /// Here rather than in the dispatcher so that the codec's import stays out of the
    /// dispatcher's files.
    static func serveStream(requestedBy arguments: Arguments) -> CommandOutcome {
        do {
            let request = try StreamRequest(arguments: arguments)
            return .serveStream(history: request.history, after: request.after, epoch: request.epoch ?? .zero,
                                podName: request.podName, listeningPort: request.listeningPort)
        } catch {
            return .reply(.error(error))
        }
    }

    /// `KV.FETCH <history> <after-lsn> <epoch>` as the replication codec reads it
    /// (`FetchRequest`): the records to send, or the error to answer with.
    static func serveFetch(requestedBy arguments: Arguments) -> CommandOutcome {
        do {
            let request = try FetchRequest(arguments: arguments)
            return .serveFetch(history: request.history, after: request.after, epoch: request.epoch)
        } catch {
            return .reply(.error(error))
        }
    }
}
