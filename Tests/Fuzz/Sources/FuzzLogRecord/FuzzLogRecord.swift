import FuzzSupport
import KVCore
@testable import KVStorage

// RecordCodec: the log record frame read at recovery, from a clone's log and from the
// replication stream. The payload is decoded three ways:
// - as frames, one after the other (`decode`, `frameBounds`): a record that decodes
//   re-encodes to exactly its frame, and frameBounds agrees on its size and LSN;
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
        let encoded = RecordCodec.encode(record)
        fuzzCheck(Array(encoded.dropFirst(RecordCodec.frameHeaderSize)) == bytes, "a body that decodes re-encodes differently")
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
            fuzzCheck(RecordCodec.encode(record) == Array(bytes[offset..<offset + byteCount]),
                      "record \(record.lsn) re-encodes differently")
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
