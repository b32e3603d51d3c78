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

public struct CommandFlags: OptionSet, Sendable { public var rawValue: UInt32; public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let write = CommandFlags(rawValue: 1); public static let noAuth = CommandFlags(rawValue: 2) }
public enum KeyspaceCommand: Sendable { case get }
public enum CommandHandler: Sendable { case keyspace(KeyspaceCommand); case connection }
public struct CommandSpec: Sendable {
    public let name: String; public let arity: Int; public let flags: CommandFlags
    public let firstKey: Int; public let lastKey: Int; public let keyStep: Int
    public let group: String; public let summary: String; public let since: String
    public let handler: CommandHandler
    public func accepts(argumentCount: Int) -> Bool { true }
    public var isWrite: Bool { flags.contains(.write) }
}
public enum CommandTable {
    public static func lookup(_ name: UnsafeRawBufferPointer) -> CommandSpec? { nil }
    public static let all: [CommandSpec] = []
}
public enum ExpiryAuthority: Sendable { case primary, replica }
public struct CommandContext { public var now: UnixMillis; public var expiry: ExpiryAuthority; public var maxValueSize: Int
    public init(now: UnixMillis, expiry: ExpiryAuthority, maxValueSize: Int) { self.now = now; self.expiry = expiry; self.maxValueSize = maxValueSize } }
extension Keyspace {
    public mutating func execute(_ command: KeyspaceCommand, _ arguments: Arguments, context: CommandContext, effects: inout [WriteOperation]) -> Reply { fatalError() }
    public mutating func sweepExpired(now: UnixMillis, budget: Int, effects: inout [WriteOperation]) -> (examined: Int, expired: Int) { (0, 0) }
    public var memoryFootprint: Int { 0 }
}
public enum GlobPattern { public static func matches(_ pattern: [UInt8], _ text: [UInt8]) -> Bool { true } }
