import FuzzSupport
import Glibc
import KVCore
@testable import KVStorage

// A log segment file: its header (`SegmentHeader.decode`) and its records through
// `SegmentReader`, both as recovery reads them (`next`, verified) and as a primary streams
// them (`nextFrame`, length and LSN only). The payload is the whole file; the readers' read-
// ahead is 1 + the file's last byte (1–256), so that records straddle refills. Checks that
// each reader finds exactly what `RecordCodec` finds walking the bytes in memory: the same
// frames, and the same end (clean, torn, or corrupt at the same offset).

/// The file the payload is written to, one per process.
let path: String = {
    let directory = String(cString: getenv("TMPDIR") ?? strdup("/tmp"))
    return "\(directory)/kv-fuzz-segment-\(getpid()).log"
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSegment(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: size))
    _ = try? bytes.withUnsafeBytes { try SegmentHeader.decode($0, path: path) }
    guard size >= SegmentHeader.size else { return 0 }
    let readAhead = 1 + Int(bytes[size - 1])
    do {
        let file = try SystemFile.open(path, flags: O_RDWR | O_CREAT | O_TRUNC)
        defer { file.close() }
        try file.write(bytes)
        let records = try readRecords(file, readAhead: readAhead)
        let expectedRecords = walk(bytes) { RecordCodec.decode($0).map { $0.lsn } }
        fuzzCheck(records.found == expectedRecords.found, "next found \(records.found), in memory \(expectedRecords.found)")
        fuzzCheck(records.ending == expectedRecords.ending, "next ended \(records.ending), in memory \(expectedRecords.ending)")
        let frames = try readFrames(file, readAhead: readAhead)
        let expectedFrames = walk(bytes) { RecordCodec.frameBounds($0) }
        fuzzCheck(frames.found == expectedFrames.found, "nextFrame found \(frames.found), in memory \(expectedFrames.found)")
        fuzzCheck(frames.ending == expectedFrames.ending, "nextFrame ended \(frames.ending), in memory \(expectedFrames.ending)")
        for frame in frames.frames {
            fuzzCheck(Array(bytes[frame.offset..<frame.offset + frame.bytes.count]) == frame.bytes, "frame is not the file's bytes")
        }
    } catch {
        fuzzFailure("file error: \(error)")
    }
    return 0
}

extension RecordCodec.Parsed {
    func map<T>(_ transform: (Value) -> T) -> RecordCodec.Parsed<T> {
        switch self {
        case let .found(value, byteCount): .found(transform(value), byteCount: byteCount)
        case let .incomplete(byteCount): .incomplete(byteCount: byteCount)
        case let .corrupt(corruption): .corrupt(corruption)
        }
    }
}

/// What a reader found: each frame's offset, size and LSN, and how it stopped.
struct Walk: Equatable {
    struct Frame: Equatable { var offset: Int; var byteCount: Int; var lsn: LSN }
    var found: [Frame] = []
    var ending = ""
}

/// Walks the frames after the header in memory, as a reader should.
func walk(_ bytes: [UInt8], _ parse: (UnsafeRawBufferPointer) -> RecordCodec.Parsed<LSN>) -> Walk {
    var result = Walk()
    var offset = SegmentHeader.size
    while true {
        let parsed = bytes.withUnsafeBytes { parse(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
        switch parsed {
        case let .found(lsn, byteCount):
            result.found.append(Walk.Frame(offset: offset, byteCount: byteCount, lsn: lsn))
            offset += byteCount
        case .incomplete:
            result.ending = offset == bytes.count ? "end \(offset)" : "incomplete \(offset) \(bytes.count - offset)"
            return result
        case var .corrupt(corruption):
            corruption.offset += offset
            corruption.frameOffset += offset
            result.ending = "corrupt \(offset) \(corruption)"
            return result
        }
    }
}

/// Every verified record `next` finds, and how it stopped.
func readRecords(_ file: SystemFile, readAhead: Int) throws -> Walk {
    var reader = SegmentReader(file: file, readAhead: readAhead)
    var result = Walk()
    while true {
        switch try reader.next() {
        case let .found(record, offset, byteCount):
            result.found.append(Walk.Frame(offset: offset, byteCount: byteCount, lsn: record.lsn))
        case let .end(offset): result.ending = "end \(offset)"; return result
        case let .incomplete(offset, available): result.ending = "incomplete \(offset) \(available)"; return result
        case let .corrupt(offset, corruption): result.ending = "corrupt \(offset) \(corruption)"; return result
        }
    }
}

/// Every frame `nextFrame` finds, with its bytes, and how it stopped.
func readFrames(_ file: SystemFile, readAhead: Int) throws -> (found: [Walk.Frame], ending: String, frames: [FoundFrame]) {
    var reader = SegmentReader(file: file, readAhead: readAhead)
    var result = Walk()
    var frames: [FoundFrame] = []
    while true {
        var output: [UInt8] = []
        switch try reader.nextFrame(into: &output) {
        case let .found(lsn, offset, byteCount):
            fuzzCheck(output.count == byteCount, "frame of \(byteCount) bytes appended \(output.count)")
            result.found.append(Walk.Frame(offset: offset, byteCount: byteCount, lsn: lsn))
            frames.append(FoundFrame(offset: offset, bytes: output, lsn: lsn))
        case let .end(offset): result.ending = "end \(offset)"; return (result.found, result.ending, frames)
        case let .incomplete(offset, available): result.ending = "incomplete \(offset) \(available)"; return (result.found, result.ending, frames)
        case let .corrupt(offset, corruption): result.ending = "corrupt \(offset) \(corruption)"; return (result.found, result.ending, frames)
        }
    }
}

struct FoundFrame { var offset: Int; var bytes: [UInt8]; var lsn: LSN }
