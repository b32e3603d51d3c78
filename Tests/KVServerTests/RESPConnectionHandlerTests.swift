import Foundation
import KVCore
import KVStorage
import Logging
import NIOCore
import NIOEmbedded
import Testing
@testable import KVServer

/// The connection handler on NIO's thread-safe testing channel, with a real write log in a
/// temporary directory: replies wait for the log, as in the server.
@Suite struct RESPConnectionHandlerTests {
    /// A server context over a fresh data directory, and the handler for one connection.
    final class Fixture {
        let directory: URL
        let server: ServerContext
        let channel: NIOAsyncTestingChannel
        let log: WriteLog

        init(fsync: FsyncPolicy, password: String? = nil) async throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("kv-handler-\(UUID().uuidString)")
            let recovered = try Recovery.open(StorageOptions(dataDirectory: directory.path, fsync: fsync))
            log = recovered.log
            var configuration = ServerConfiguration(identity: PodIdentity(podName: "kv-0")!)
            configuration.fsync = fsync
            configuration.password = password
            let database = Database(
                dataset: recovered.dataset, log: recovered.log, lineage: recovered.lineage, clock: SystemWallClock(),
                history: recovered.history, expiry: .primary, maxValueSize: 1 << 20
            )
            server = ServerContext(
                configuration: configuration, database: database, logger: Logger(label: "test"),
                recovery: RecoverySummary(snapshotLSN: .zero, recordsReplayed: 0, seconds: 0, warnings: []),
                replication: .primary(ReplicationHub(log: recovered.log, lineage: recovered.lineage, retention: .seconds(60))),
                applied: LSNWatch()
            )
            channel = NIOAsyncTestingChannel()
            let loop = channel.eventLoop
            let log = recovered.log
            let waiters = LogWaiters(eventLoop: loop, log: log)
            recovered.log.setProgressHandler { waiters.logAdvanced(to: $0.acknowledged) }
            let server = self.server
            try await channel.pipeline.addHandler(RESPConnectionHandler(server: server, waiters: waiters))
            try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1))
        }

        func send(_ text: String) async throws {
            try await channel.writeInbound(channel.allocator.buffer(string: text))
        }

        /// Reads replies until `expected.count` bytes arrived.
        func receive(_ expected: String) async throws -> String {
            var received = ""
            while received.utf8.count < expected.utf8.count {
                var buffer = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
                received += buffer.readString(length: buffer.readableBytes) ?? ""
            }
            return received
        }

        deinit {
            log.close()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    @Test(arguments: [FsyncPolicy.always, .everysec, .no])
    func pipelinedRepliesWaitForTheLogAndKeepTheirOrder(fsync: FsyncPolicy) async throws {
        let fixture = try await Fixture(fsync: fsync)
        try await fixture.send("*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$4\r\nINCR\r\n$1\r\na\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\n")
        let expected = "+OK\r\n:2\r\n$1\r\n2\r\n"
        #expect(try await fixture.receive(expected) == expected)
        // Nothing was acknowledged before the log had it.
        #expect(fixture.log.progress.acknowledged >= LSN(2))
        try await fixture.channel.close()
    }

    @Test func aCommandInPiecesRunsOnceWhole() async throws {
        let fixture = try await Fixture(fsync: .no)
        for piece in ["*2\r", "\n$4\r\nEC", "HO\r\n$5\r\nhel", "lo\r", "\n"] {
            try await fixture.send(piece)
        }
        #expect(try await fixture.receive("$5\r\nhello\r\n") == "$5\r\nhello\r\n")
        try await fixture.channel.close()
    }

    @Test func malformedInputGetsTheErrorAndTheConnectionCloses() async throws {
        let fixture = try await Fixture(fsync: .no)
        try await fixture.send("*1\r\n$x\r\n")
        #expect(try await fixture.receive("-ERR Protocol error: invalid bulk length\r\n") == "-ERR Protocol error: invalid bulk length\r\n")
        try await fixture.channel.closeFuture.get()
        #expect(fixture.server.counters.protocolErrors.load(ordering: .relaxed) == 1)
    }

    @Test func quitAnswersThenCloses() async throws {
        let fixture = try await Fixture(fsync: .no)
        try await fixture.send("*1\r\n$4\r\nQUIT\r\n*1\r\n$4\r\nPING\r\n")
        #expect(try await fixture.receive("+OK\r\n") == "+OK\r\n")
        try await fixture.channel.closeFuture.get()
    }

    @Test func authGatesCommandsUntilTheRightPassword() async throws {
        let fixture = try await Fixture(fsync: .no, password: "pw")
        try await fixture.send("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*2\r\n$4\r\nAUTH\r\n$2\r\nno\r\n*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
        let expected = "-NOAUTH Authentication required.\r\n-WRONGPASS invalid username-password pair or user is disabled.\r\n+OK\r\n$-1\r\n"
        #expect(try await fixture.receive(expected) == expected)
        let finished = try await fixture.channel.finish()
        #expect(finished.isClean)
    }
}
