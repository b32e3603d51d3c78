// TEMPORARY: declarations of the APIs being written on the core/storage/wire branches, so
// the server compiles before they merge. Deleted at merge.
import KVCore
import NIOCore

public enum FsyncPolicy: String, Sendable { case always, everysec, no }
public struct StorageOptions: Sendable {
    public var directory: String
    public var fsync: FsyncPolicy
    public var segmentBytes: Int
    public init(directory: String, fsync: FsyncPolicy, segmentBytes: Int) {
        self.directory = directory; self.fsync = fsync; self.segmentBytes = segmentBytes
    }
}
public struct LogProgress: Sendable { public var lastAssigned: LSN; public var written: LSN; public var durable: LSN }
public struct StorageError: Error, CustomStringConvertible { public var description: String }
public final class WriteLog: Sendable {
    public func append(timestamp: UnixMillis, operations: [WriteOperation]) -> LSN { fatalError() }
    public var lastAssigned: LSN { fatalError() }
    public var written: LSN { fatalError() }
    public var durable: LSN { fatalError() }
    public var failure: StorageError? { nil }
    public func setProgressHandler(_ handler: @escaping @Sendable (LogProgress) -> Void) {}
    public func close() throws {}
    public var logBytesSinceSnapshot: Int { 0 }
    public var fsyncCount: Int { 0 }
    public var fsyncMicrosecondsTotal: Int { 0 }
    public var bytesWritten: Int { 0 }
}
public struct RecoveredStore {
    public var keyspace: Keyspace; public var history: HistoryID; public var lastLSN: LSN
    public var snapshotLSN: LSN; public var recordsReplayed: Int; public var warnings: [String]
    public var createdHistory: Bool; public var duration: Double; public var log: WriteLog
}
public enum Recovery { public static func open(_ options: StorageOptions) throws -> RecoveredStore { fatalError() } }

