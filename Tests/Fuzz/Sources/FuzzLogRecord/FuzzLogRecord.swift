import FuzzSupport
import KVCore
@testable import KVStorage

// RecordCodec: the log record frame read at recovery, from a clone's log and from the
// replication stream. The payload is decoded three ways:
// - as frames, one after the other (`decode`, `frameBounds`): a record that decodes
//   re-encodes to exactly its frame (or, holding a collection whose payload order its
//   table does not keep, to a frame that decodes to the same record), and frameBounds agrees
//   on its size and LSN;
// - as a record body (`decodeBody`), which the checksum would otherwise shield from the
//   fuzzer;
// - as that body framed with a correct length and checksum: `decode` must then agree with
//   `decodeBody`.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLogRecord(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: size))
    decodeFrames(bytes)
    let body = bytes.withUnsafeBytes { RecordCodec.decodeBody($0) }
    if case let .success(record) = body {
        checkReencoding(record, Array(bytes))
    }
    if size >= RecordCodec.minimumBodySize {
        var framed: [UInt8] = []
        framed.appendLittleEndian(UInt32(size))
        framed.appendLittleEndian(bytes.withUnsafeBytes { CRC32C.checksum($0) })
        framed += bytes
        switch (RecordCodec.decode(framed), body) {
        case let (.found(record, byteCount), .success(expected)):
            fuzzCheck(byteCount == framed.count, "framed body: \(byteCount) of \(framed.count) bytes")
            fuzzCheck(RecordCodec.encode(record) == RecordCodec.encode(expected), "framed body decodes differently")
        case let (.corrupt(corruption), .failure(expected)):
            fuzzCheck(corruption.reason == expected.reason && corruption.offset == expected.offset + RecordCodec.frameHeaderSize,
                      "framed body: \(corruption), body: \(expected)")
        case let (framedResult, bodyResult):
            fuzzFailure("framed body: \(framedResult), body: \(bodyResult)")
        }
    }
    return 0
}

/// Decodes records from the front of `bytes` until one is incomplete or corrupt.
func decodeFrames(_ bytes: [UInt8]) {
    var offset = 0
    while offset < bytes.count {
        let decoded = RecordCodec.decode(bytes, at: offset)
        let bounds = bytes.withUnsafeBytes { RecordCodec.frameBounds(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
        switch (decoded, bounds) {
        case let (.found(record, byteCount), .found(lsn, frameSize)):
            fuzzCheck(byteCount == frameSize && record.lsn == lsn, "decode and frameBounds disagree")
            checkReencoding(record, Array(bytes[(offset + RecordCodec.frameHeaderSize)..<offset + byteCount]))
            offset += byteCount
        case let (.incomplete(needed), .incomplete(frameNeeded)):
            fuzzCheck(needed == frameNeeded && needed > bytes.count - offset, "incomplete: needs \(needed)/\(frameNeeded), has \(bytes.count - offset)")
            return
        case let (.corrupt(corruption), _):
            fuzzCheck(corruption.frameOffset == offset && corruption.offset >= offset && corruption.offset <= bytes.count,
                      "corruption at \(corruption.offset) (frame \(corruption.frameOffset)) for a frame at \(offset)")
            if case .corrupt = bounds {} else if case .badLength = corruption.reason {
                fuzzFailure("decode found a bad length, frameBounds did not")
            }
            return
        case let (decoded, bounds):
            fuzzFailure("decode: \(decoded), frameBounds: \(bounds)")
        }
    }
}

/// A decoded record re-encodes to its body — byte for byte unless it puts a collection, whose
/// table may iterate in another order than its payload listed; then to a body that decodes
/// to the same operations.
func checkReencoding(_ record: LogRecord, _ body: [UInt8]) {
    let encoded = Array(RecordCodec.encode(record).dropFirst(RecordCodec.frameHeaderSize))
    guard record.operations.contains(where: { if case let .put(entry) = $0 { entry.isObject } else { false } }) else {
        fuzzCheck(encoded == body, "record \(record.lsn) re-encodes differently")
        return
    }
    guard case let .success(again) = encoded.withUnsafeBytes({ RecordCodec.decodeBody($0) }) else {
        fuzzFailure("record \(record.lsn) re-encodes to a body that does not decode")
    }
    fuzzCheck(again.operations.map(canonical) == record.operations.map(canonical), "record \(record.lsn) re-decodes differently")
}

/// An operation as comparable bytes: a collection put by its kind and canonical elements.
func canonical(_ operation: WriteOperation) -> [UInt8] {
    guard case let .put(entry) = operation, let object = entry.object else {
        return RecordCodec.encode(LogRecord(lsn: LSN(1), timestamp: UnixMillis(0), operations: [operation]))
    }
    var bytes = entry.key + [0, object.kind.rawValue] + Array(String(entry.expiresAt?.rawValue ?? 0).utf8)
    object.digestElements { bytes += Array(String($0.count).utf8) + [0] + $0 }
    return bytes
}
