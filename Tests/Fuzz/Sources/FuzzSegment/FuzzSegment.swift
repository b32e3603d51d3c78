import FuzzSupport
import Glibc
import KVCore
@testable import KVStorage

// A log segment file: its header (`SegmentHeader.decode`) and its records through
// `SegmentReader`, both as recovery reads them (`next`, verified) and as a primary streams
// them (`nextFrame`, length and LSN only). The payload is the whole file. Checks that the
// two readers agree on every frame they both accept, that frames are the file's bytes, and
// that the end they report is the file's end.

/// The file the payload is written to, one per process.
let path: String = {
    let directory = String(cString: getenv("TMPDIR") ?? strdup("/tmp"))
    return "\(directory)/kv-fuzz-segment-\(getpid()).log"
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSegment(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: size))
    _ = try? bytes.withUnsafeBytes { try SegmentHeader.decode($0, path: path) }
    do {
        let file = try SystemFile.open(path, flags: O_RDWR | O_CREAT | O_TRUNC)
        defer { file.close() }
        try file.write(bytes)
        guard size >= SegmentHeader.size else { return 0 }
        let records = try readRecords(file)
        let frames = try readFrames(file)
        for (record, frame) in zip(records.found, frames.found) {
            fuzzCheck(record.offset == frame.offset && record.byteCount == frame.bytes.count && record.lsn == frame.lsn,
                      "next found \(record), nextFrame \(frame.offset) \(frame.bytes.count) \(frame.lsn)")
        }
        fuzzCheck(frames.found.count >= records.found.count, "nextFrame stopped before next")
        for frame in frames.found {
            fuzzCheck(Array(bytes[frame.offset..<frame.offset + frame.bytes.count]) == frame.bytes, "frame is not the file's bytes")
        }
        for ending in [records.ending, frames.ending] {
            switch ending {
            case let .end(offset)?: fuzzCheck(offset == size, "end at \(offset) of \(size)")
            case let .incomplete(offset, available)?: fuzzCheck(offset + available == size && available > 0, "incomplete at \(offset)+\(available) of \(size)")
            case let .corrupt(offset, corruption)?:
                fuzzCheck(corruption.frameOffset == offset && corruption.offset >= offset && corruption.offset <= size,
                          "corrupt at \(offset): \(corruption.offset) (frame \(corruption.frameOffset)) of \(size)")
            case .found?, nil: break
            }
        }
    } catch {
        fuzzFailure("file error: \(error)")
    }
    return 0
}

struct FoundRecord { var offset: Int; var byteCount: Int; var lsn: LSN }
struct FoundFrame { var offset: Int; var bytes: [UInt8]; var lsn: LSN }

/// Every verified record `next` finds, and how it stopped (nil: too many to read).
func readRecords(_ file: SystemFile) throws -> (found: [FoundRecord], ending: SegmentReader.Step<Void>?) {
    var reader = SegmentReader(file: file)
    var found: [FoundRecord] = []
    for _ in 0..<10_000 {
        switch try reader.next() {
        case let .found(record, offset, byteCount): found.append(FoundRecord(offset: offset, byteCount: byteCount, lsn: record.lsn))
        case let .end(offset): return (found, .end(offset: offset))
        case let .incomplete(offset, available): return (found, .incomplete(offset: offset, available: available))
        case let .corrupt(offset, corruption): return (found, .corrupt(offset: offset, corruption))
        }
    }
    return (found, nil)
}

/// Every frame `nextFrame` finds, and how it stopped (nil: too many to read).
func readFrames(_ file: SystemFile) throws -> (found: [FoundFrame], ending: SegmentReader.Step<Void>?) {
    var reader = SegmentReader(file: file)
    var found: [FoundFrame] = []
    for _ in 0..<10_000 {
        var output: [UInt8] = []
        switch try reader.nextFrame(into: &output) {
        case let .found(lsn, offset, byteCount):
            fuzzCheck(output.count == byteCount, "frame of \(byteCount) bytes appended \(output.count)")
            found.append(FoundFrame(offset: offset, bytes: output, lsn: lsn))
        case let .end(offset): return (found, .end(offset: offset))
        case let .incomplete(offset, available): return (found, .incomplete(offset: offset, available: available))
        case let .corrupt(offset, corruption): return (found, .corrupt(offset: offset, corruption))
        }
    }
    return (found, nil)
}
