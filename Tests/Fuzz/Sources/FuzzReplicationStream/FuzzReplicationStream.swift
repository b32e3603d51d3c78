import FuzzSupport
import KVCore
import KVReplication
import KVReplicationWire
import KVStorage
import Logging
import NIOCore
import NIOEmbedded
@testable import KVServer

// What a replica reads from its primary after sending KV.STREAM: the answer line(s) (`+OK`
// to AUTH, `+STREAM …` or `-KVRESYNC …`), then frames (records and heartbeats). The payload
// goes through a real `ReplicaConnectionHandler` on an EmbeddedChannel, whole and in chunks;
// `ReplicationFrame.decode` also reads it directly. Checks that applied batches are
// contiguous and carry their records' frames byte for byte, and that the records applied
// when the payload arrives whole are a prefix of those applied when it arrives in chunks (a
// bad frame refuses the whole read it is in). Flags bit 0: a password is set (AUTH first).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReplicationStream(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = ChunkedInput(data, size)
    decodeFrames(input.payload)
    let password = input.flags & 1 != 0 ? "secret" : nil
    let whole = Recorder.run([input.payload], password: password)
    let chunked = Recorder.run(input.chunks, password: password)
    fuzzCheck(chunked.applied.starts(with: whole.applied), "whole applied \(whole.applied), chunked \(chunked.applied)")
    return 0
}

/// Frames one after the other from the front of `bytes`.
func decodeFrames(_ bytes: UnsafeRawBufferPointer) {
    var offset = 0
    while offset < bytes.count {
        switch ReplicationFrame.decode(UnsafeRawBufferPointer(rebasing: bytes[offset...])) {
        case let .frame(_, byteCount):
            fuzzCheck(byteCount > 0 && offset + byteCount <= bytes.count, "a frame of \(byteCount) bytes at \(offset) of \(bytes.count)")
            offset += byteCount
        case .incomplete, .invalid:
            return
        }
    }
}

/// Stands in for the ReplicaController: records what the connection reports.
final class Recorder: ReplicationConnectionDelegate {
    let loop: any EventLoop
    var applied: [LSN] = []
    var events: [String] = []

    init(loop: any EventLoop) { self.loop = loop }

    func feedIfCurrent(_ number: UInt64, _ event: ReplicaLink.Event) { events.append("\(event)") }

    func cloneArrived(_ number: UInt64, _ snapshot: PreloadedSnapshot) { fuzzFailure("a clone arrived on a stream") }

    func apply(_ records: [LogRecord], encoded: [UInt8], number: UInt64) throws {
        var frames: [UInt8] = []
        for (index, record) in records.enumerated() {
            if index > 0 { fuzzCheck(record.lsn == records[index - 1].lsn.next, "a batch with a gap") }
            RecordCodec.encode(record, into: &frames)
        }
        fuzzCheck(frames == encoded, "the frames handed over are not the records' frames")
        applied += records.map(\.lsn)
    }

    static let logger = Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() }

    /// Runs a stream connection over `chunks`; returns what it reported.
    static func run(_ chunks: [UnsafeRawBufferPointer], password: String?) -> Recorder {
        let channel = EmbeddedChannel()
        let recorder = Recorder(loop: channel.embeddedEventLoop)
        let handler = ReplicaConnectionHandler(
            mode: .stream(history: HistoryID(high: 1, low: 2), after: LSN(0), epoch: .zero, podName: "kv-1", listeningPort: 6379),
            number: 1, controller: recorder, password: password, directory: DataDirectory("/nonexistent"), logger: logger)
        do {
            try channel.pipeline.syncOperations.addHandler(handler)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        } catch {
            fuzzFailure("cannot set up the channel: \(error)")
        }
        for chunk in chunks where channel.isActive {
            do { try channel.writeInbound(channel.allocator.buffer(bytes: chunk)) } catch { break }
        }
        _ = try? channel.finish()
        // A channel the handler closed itself tears its pipeline down on the next loop run.
        channel.embeddedEventLoop.run()
        return recorder
    }
}
