import Foundation
import KVCore
import KVReplicationWire
import KVStorage
import Logging
import NIOCore
import NIOEmbedded
import Testing
@testable import KVServer

/// The primary's stream sends a Pub/Sub message only after the record it follows: a message
/// published after LSN 1 waits while record 1 is not acknowledged, then goes right after it.
@Suite struct StreamMessageOrderTests {
    @Test func aMessageWaitsForTheRecordItFollows() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kv-stream-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let recovered = try Recovery.open(StorageOptions(dataDirectory: directory.path, fsync: .always))
        defer { recovered.log.close() }
        let hub = ReplicationHub(log: recovered.log, lineage: recovered.lineage, retention: .seconds(60))
        recovered.log.setProgressHandler { hub.logAdvanced(acknowledged: $0.acknowledged, durable: $0.durable) }
        let channel = NIOAsyncTestingChannel()
        let start = recovered.log.progress.acknowledged
        let sender = StreamSender(hub: hub, after: start, podName: "kv-1", listeningPort: nil,
                                  logger: Logger(label: "test"), clock: SystemWallClock())
        try await channel.pipeline.addHandler(sender)
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1))

        let message = PublishedMessage(namespace: .global, channel: Array("c".utf8), message: Array("m".utf8), after: start.next)
        hub.relay(message)
        try await Task.sleep(for: .milliseconds(100))
        var frames = try await Self.frames(channel)
        #expect(!frames.contains { if case .message = $0 { true } else { false } }, "sent before its record: \(frames)")

        let lsn = recovered.log.append(timestamp: UnixMillis(0), operations: [.delete(key: [1])])
        #expect(lsn == start.next)
        let deadline = ContinuousClock.now + .seconds(5)
        while !frames.contains(where: { if case .message = $0 { true } else { false } }) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
            frames += try await Self.frames(channel)
        }
        let kinds = frames.compactMap { frame -> String? in
            switch frame {
            case let .record(record): "record \(record.lsn.rawValue)"
            case .message: "message"
            case .heartbeat: nil
            }
        }
        #expect(kinds == ["record \(lsn.rawValue)", "message"])
        _ = try? await channel.finish()
    }

    /// The frames written so far.
    static func frames(_ channel: NIOAsyncTestingChannel) async throws -> [ReplicationFrame] {
        var frames: [ReplicationFrame] = []
        var decoder = ReplicationFrameDecoder()
        while var buffer = try await channel.readOutbound(as: ByteBuffer.self) {
            while let frame = try decoder.decode(buffer: &buffer) { frames.append(frame) }
        }
        return frames
    }
}
