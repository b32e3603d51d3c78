#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KVCore
@testable import KVStorage
import Testing

/// Runs `body` with a fresh directory under /tmp, removed afterwards.
func withTemporaryDirectory<R>(_ body: (String) throws -> R) throws -> R {
    var template = Array("/tmp/kvstorage-test-XXXXXX".utf8CString)
    let path = template.withUnsafeMutableBufferPointer { buffer -> String in
        guard let result = mkdtemp(buffer.baseAddress!) else { fatalError("mkdtemp failed") }
        return String(cString: result)
    }
    defer { removeTree(path) }
    return try body(path)
}

func removeTree(_ path: String) {
    if FileSystem.isDirectory(path) {
        for name in (try? FileSystem.contents(of: path)) ?? [] { removeTree(FileSystem.join(path, name)) }
        rmdir(path)
    } else {
        unlink(path)
    }
}

/// One key's state, for comparing keyspaces.
struct Item: Hashable, CustomStringConvertible {
    var key: [UInt8]
    var value: [UInt8]
    var expiresAt: Int64?
    var description: String { "\(String(decoding: key, as: UTF8.self))=\(value.count) bytes" }
}

func contents(_ keyspace: Keyspace) -> Set<Item> {
    Set(keyspace.snapshot().map { Item(key: $0.key, value: $0.value, expiresAt: $0.expiresAt?.rawValue) })
}

/// Every database's items (the tests here write database 0 only, unless they say so).
func contents(_ dataset: Dataset) -> Set<Item> {
    Set(dataset.snapshot().map { Item(key: $0.entry.key, value: $0.entry.value, expiresAt: $0.entry.expiresAt?.rawValue) })
}

func put(_ key: String, _ value: String, expiresAt: Int64? = nil) -> WriteOperation {
    .put(Entry.make(key: Array(key.utf8), value: Array(value.utf8), expiresAt: expiresAt.map { UnixMillis($0) }))
}

/// A deterministic pseudo-random generator (SplitMix64), so failures reproduce.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Writes made of every operation kind over a small set of keys, applied to a reference keyspace.
struct Workload {
    var generator: SeededGenerator
    var reference = Keyspace()

    init(seed: UInt64 = 42) { generator = SeededGenerator(seed: seed) }

    mutating func nextOperations() -> [WriteOperation] {
        let count = Int.random(in: 1...3, using: &generator)
        var operations: [WriteOperation] = []
        for _ in 0..<count {
            let key = Array("key-\(Int.random(in: 0..<50, using: &generator))".utf8)
            let roll = Int.random(in: 0..<100, using: &generator)
            let operation: WriteOperation
            switch roll {
            case 0..<60:
                let value = (0..<Int.random(in: 0..<64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let expiry: UnixMillis? = roll < 10 ? UnixMillis(1_900_000_000_000 + Int64(roll)) : nil
                operation = .put(Entry.make(key: key, value: value, expiresAt: expiry))
            case 60..<80: operation = .delete(key: key)
            case 80..<99: operation = .expire(key: key, at: roll.isMultiple(of: 2) ? nil : UnixMillis(1_950_000_000_000))
            default: operation = .flushAll
            }
            reference.apply(operation)
            operations.append(operation)
        }
        return operations
    }

    /// Appends `count` writes to `log`, applying them to the reference too.
    mutating func run(_ count: Int, on log: WriteLog, waitEvery: Int = 0) throws {
        for index in 0..<count {
            let lsn = log.append(timestamp: UnixMillis(1_700_000_000_000 + Int64(index)), operations: nextOperations())
            if waitEvery > 0 && index % waitEvery == waitEvery - 1 { try log.waitUntilWritten(lsn, durable: false) }
        }
    }
}

// File surgery for corruption tests.

func fileBytes(_ path: String) throws -> [UInt8] { try FileSystem.read(path) }

func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    let file = try SystemFile.open(path, flags: O_WRONLY | O_CREAT | O_TRUNC)
    defer { file.close() }
    try file.write(bytes)
}

func patchFile(_ path: String, at offset: Int, _ transform: (UInt8) -> UInt8) throws {
    var bytes = try fileBytes(path)
    bytes[offset] = transform(bytes[offset])
    try writeFile(path, bytes)
}

func appendToFile(_ path: String, _ extra: [UInt8]) throws {
    try writeFile(path, try fileBytes(path) + extra)
}

/// The file offsets of the records in a segment, and where the last one ends.
func recordOffsets(in path: String) throws -> (offsets: [Int], end: Int) {
    let bytes = try fileBytes(path)
    var offsets: [Int] = []
    var offset = SegmentHeader.size
    while case let .found(_, byteCount) = RecordCodec.decode(bytes, at: offset) {
        offsets.append(offset)
        offset += byteCount
    }
    return (offsets, offset)
}

/// Recovers `path`, closes the log, and returns what was recovered.
func recoverAndClose(_ path: String, fsync: FsyncPolicy = .always, segmentBytes: Int = 64 << 20) throws -> RecoveredStore {
    let store = try Recovery.open(StorageOptions(dataDirectory: path, fsync: fsync, segmentBytes: segmentBytes))
    store.log.close()
    return store
}

/// Builds a store with `count` writes, closes it, and returns the reference keyspace.
@discardableResult
func buildStore(_ path: String, writes count: Int, segmentBytes: Int = 64 << 20, seed: UInt64 = 42) throws -> Workload {
    let store = try Recovery.open(StorageOptions(dataDirectory: path, segmentBytes: segmentBytes))
    var workload = Workload(seed: seed)
    try workload.run(count, on: store.log, waitEvery: segmentBytes < (1 << 20) ? 5 : 0)
    store.log.close()
    return workload
}

#if os(Linux)
/// A write log whose segment descriptor points at /dev/full (every write fails with ENOSPC),
/// and the real segment file: `restoreDisk()` points the descriptor back at the real file,
/// as if space returned.
struct FullDiskLog {
    let log: WriteLog
    let real: OpenSegment
    let full: SystemFile

    init(path: String, policy: FsyncPolicy) throws {
        let directory = DataDirectory(path)
        try directory.create()
        let history = HistoryID.random()
        try directory.writeHistory(history)
        real = try OpenSegment.create(in: directory, history: history, firstLSN: LSN(1))
        full = try SystemFile.open("/dev/full", flags: O_WRONLY)
        let failing = OpenSegment(file: SystemFile(descriptor: full.descriptor, path: real.file.path),
                                  firstLSN: LSN(1), size: real.size)
        log = try WriteLog(directory: directory, history: history, policy: policy, segmentBytes: 1 << 20,
                           lastLSN: .zero, snapshotLSN: .zero, reopening: failing)
    }

    /// Space returns: the log's descriptor now writes to the real segment file.
    func restoreDisk() -> Bool { dup2(real.file.descriptor, full.descriptor) >= 0 }
}
#endif
