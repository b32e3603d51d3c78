import KVCore
import KVReplication
import KVReplicationWire
import KVStorage
import KVWire
import Logging
import NIOCore
import NIOPosix

/// SPEC "Never an empty primary over full replicas": a primary that finds its data directory
/// empty first asks the other pods of its set whether one holds data. If one does, it clones
/// the most advanced one and continues that history, instead of starting a new, empty history
/// that would make every replica wipe itself.
///
/// A pod counts as holding data when `INFO replication` names a history and an LSN above 0.
/// Peers that do not resolve do not exist yet (a new set: in a StatefulSet, kv-1 is only
/// created once kv-0 is ready); what each answer means, and how many rounds to ask, is
/// `PeerSurvey`'s to decide.
enum PrimaryRestore {
    typealias Candidate = PeerSurvey.Candidate

    /// The most advanced peer holding data, or nil to start a new history. The rounds and
    /// what each answer means are `PeerSurvey`'s decisions; this asks and waits.
    static func mostAdvancedPeer(configuration: ServerConfiguration, group: any EventLoopGroup,
                                 logger: Logger) async -> Candidate? {
        let peers = configuration.restorePeers.map { PeerAddress($0) }
        var survey = PeerSurvey()
        while true {
            // All peers at once, as futures on the event loops (one await for all of them).
            let asked = peers.map { position(of: $0, password: configuration.password, tls: configuration.tls, group: group) }
            let results = peers.isEmpty ? [] : ((try? await EventLoopFuture.whenAllComplete(asked, on: group.next()).get()) ?? [])
            let answers = zip(peers, results).map { peer, result -> (peer: PeerAddress, answer: PeerSurvey.Answer) in
                switch result {
                case let .success(candidate):
                    logger.debug("peer \(peer) answered: \(candidate.map { "history \($0.history) lsn \($0.lsn)" } ?? "no data")")
                    return (peer, candidate.map { .data(history: $0.history, lsn: $0.lsn, epoch: $0.epoch) } ?? .noData)
                case let .failure(error):
                    logger.debug("peer \(peer) did not answer: \(error)")
                    return (peer, Self.doesNotResolve(error) ? .doesNotResolve : .unreachable)
                }
            }
            switch survey.onRound(answers) {
            case let .restore(candidate):
                return candidate
            case let .startNewHistory(reason):
                logger.info("no peer to restore from: \(reason)")
                return nil
            case let .askAgain(delay):
                logger.info("peers exist but did not answer yet; asking again", metadata: ["round": "\(survey.round)"])
                try? await Task.sleep(for: delay)
            }
        }
    }

    /// True when the peer's name does not resolve: the pod does not exist.
    static func doesNotResolve(_ error: any Error) -> Bool {
        guard let error = error as? NIOConnectionError else { return false }
        return error.connectionErrors.isEmpty && (error.dnsAError != nil || error.dnsAAAAError != nil)
    }

    /// Where a peer's data ends: its history, the epoch of its last record and its LSN.
    struct Position: Hashable {
        var history: HistoryID
        var epoch: Epoch
        var lsn: LSN
    }

    /// Asks one peer for its history and LSN (`INFO replication`); nil when it holds no data.
    static func position(of peer: PeerAddress, password: String?, tls: (any TransportSecurity)?, group: any EventLoopGroup) -> EventLoopFuture<Candidate?> {
        lastRecord(of: peer, password: password, tls: tls, group: group).map { position in
            position.map { Candidate(peer: peer, history: $0.history, lsn: $0.lsn, epoch: $0.epoch) }
        }
    }

    /// Asks one peer where its data ends (`INFO replication`); nil when it holds no data.
    static func lastRecord(of peer: PeerAddress, password: String?, tls: (any TransportSecurity)?,
                           group: any EventLoopGroup) -> EventLoopFuture<Position?> {
        guard let (host, port) = ReplicaController.split(peer) else {
            return group.next().makeFailedFuture(ReplicationProtocolError("'\(peer)' is not HOST:PORT"))
        }
        var commands: [[String]] = []
        if let password { commands.append(["AUTH", password]) }
        commands.append(["INFO", "replication"])
        return PeerRequest.send(commands, to: host, port: port, tls: tls, group: group).flatMapThrowing { replies in
            try position(from: replies, peer: peer)
        }
    }

    /// The peer's position from its `INFO replication` answer; nil when it holds no data. A
    /// peer from before lineage reports no `kv_epoch`: all its records are of epoch 0.
    static func position(from replies: [RESPValue], peer: PeerAddress) throws -> Position? {
        guard let info = replies.last?.string else { throw ReplicationProtocolError("no INFO answer from \(peer)") }
        var fields: [String: String] = [:]
        for line in info.split(whereSeparator: \.isNewline) {
            if let colon = line.firstIndex(of: ":") { fields[String(line[..<colon])] = String(line[line.index(after: colon)...]) }
        }
        guard let historyText = fields["kv_history"], let history = HistoryID(historyText),
              let lsn = fields["master_repl_offset"].flatMap(UInt64.init), lsn > 0 else { return nil }
        let epoch = fields["kv_epoch"].flatMap(UInt64.init) ?? 0
        return Position(history: history, epoch: Epoch(epoch), lsn: LSN(lsn))
    }

    /// Clones `candidate` into the (empty) data directory and installs it.
    static func restore(from candidate: Candidate, configuration: ServerConfiguration, group: any EventLoopGroup,
                        logger: Logger) async throws {
        let directory = DataDirectory(configuration.dataDirectory)
        let clone = OneShotClone(loop: group.next())
        try await clone.run(from: candidate.peer, password: configuration.password, tls: configuration.tls,
                            directory: directory, logger: logger)
        let header = try await NIOThreadPool.singleton.runIfActive { try directory.installSnapshot(at: directory.cloneSnapshotPath) }
        logger.warning("restored the primary's data from \(candidate.peer): history \(header.history), LSN \(header.lsn), \(header.entryCount) keys")
    }
}
