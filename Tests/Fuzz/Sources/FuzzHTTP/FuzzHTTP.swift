import Foundation
import FuzzSupport
import Glibc
import KVCore
import KVStorage
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
@testable import KVServer

// The HTTP port: NIOHTTP1 parses the request head; kv's part is the routing, the key in the
// path (percent-decoding), `?ttl=`, and the headers `KV-Min-LSN`, `KV-Max-Wait`,
// `KV-Max-Staleness` and `Authorization`. The payload goes, in chunks, through the server's
// own pipeline (`configureHTTPServerPipeline` + `HTTPConnectionHandler`) on an
// EmbeddedChannel, over a real database in a temporary directory (fsync `no`). Checks that
// every response is well-formed HTTP. Flags bit 0: a password is set.

/// A database in a temporary directory, rebuilt every few thousand inputs so that its log
/// stays small.
final class Fixture {
    static let logger = Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() }
    let directory: String
    let log: WriteLog
    let routes: HTTPRoutes
    let protectedRoutes: HTTPRoutes
    var uses = 0

    init(loop: EmbeddedEventLoop) throws {
        let temporary = String(cString: getenv("TMPDIR") ?? strdup("/tmp"))
        directory = "\(temporary)/kv-fuzz-http-\(getpid())"
        try? FileManager.default.removeItem(atPath: directory)
        let recovered = try Recovery.open(StorageOptions(dataDirectory: directory, fsync: .no))
        log = recovered.log
        let database = Database(dataset: recovered.dataset, log: recovered.log, lineage: recovered.lineage, clock: SystemWallClock(),
                                history: recovered.history, expiry: .primary, maxValueSize: 4096)
        let readiness = Readiness()
        readiness.markReady()
        func routes(password: String?) -> HTTPRoutes {
            var configuration = ServerConfiguration(identity: PodIdentity(podName: "kv-0")!)
            configuration.fsync = .no
            configuration.password = password
            configuration.maxValueSize = 4096
            let server = ServerContext(
                configuration: configuration, database: database, logger: Self.logger,
                recovery: RecoverySummary(snapshotLSN: .zero, recordsReplayed: 0, seconds: 0, warnings: []),
                replication: .primary(ReplicationHub(log: recovered.log, lineage: recovered.lineage, retention: .seconds(60))),
                applied: LSNWatch())
            return HTTPRoutes(server: server, waiters: LogWaiterGroup(group: loop, log: recovered.log), readiness: readiness)
        }
        self.routes = routes(password: nil)
        self.protectedRoutes = routes(password: "secret")
    }

    func close() {
        log.close()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// One loop for every input: the routes' waiters belong to it.
nonisolated(unsafe) let loop = EmbeddedEventLoop()
nonisolated(unsafe) var fixture: Fixture?

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = ChunkedInput(data, size)
    if fixture == nil || fixture!.uses >= 5000 {
        fixture?.close()
        do { fixture = try Fixture(loop: loop) } catch { fuzzFailure("cannot open the database: \(error)") }
    }
    let current = fixture!
    current.uses += 1
    let channel = EmbeddedChannel(loop: loop)
    do {
        // As the server's listener builds it (Listeners.swift): decoder errors answered by
        // `HTTPConnectionHandler`, not NIO's error handler.
        try channel.pipeline.syncOperations.addHandler(HTTPLingeringClose())
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(
            withErrorHandling: false, withEncoderConfiguration: .init(), withDecoderLimitConfiguration: HTTPLimits.decoder)
        try channel.pipeline.syncOperations.addHandler(
            HTTPConnectionHandler(routes: input.flags & 1 != 0 ? current.protectedRoutes : current.routes))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8080)).wait()
    } catch {
        fuzzFailure("cannot set up the channel: \(error)")
    }
    for chunk in input.chunks where channel.isActive {
        do { try channel.writeInbound(channel.allocator.buffer(bytes: chunk)) } catch { break }
    }
    // Reads waiting for an LSN (KV-Min-LSN) time out within KV-Max-Wait (at most an hour).
    loop.advanceTime(by: .hours(2))
    var output: [UInt8] = []
    while let buffer = try? channel.readOutbound(as: ByteBuffer.self) { output += buffer.readableBytesView }
    _ = try? channel.finish()
    checkResponses(output)
    return 0
}

/// What the server wrote is HTTP responses (or nothing, when it closed at once).
func checkResponses(_ output: [UInt8]) {
    guard !output.isEmpty else { return }
    let start = String(decoding: output.prefix(8), as: UTF8.self)
    fuzzCheck(start.hasPrefix("HTTP/1."), "the output starts with '\(start)'")
}
