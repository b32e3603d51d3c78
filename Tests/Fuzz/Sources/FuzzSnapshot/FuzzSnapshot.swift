import FuzzSupport
import KVCore
@testable import KVStorage

// SnapshotDecoder: snapshot files read at recovery, and clones as they arrive. Checks that
// the decoder fed the payload in chunks decodes the same entries, header and outcome (the
// same error at the same offset) as when fed it whole, and that `finish` succeeds exactly
// when the trailer verified. Flags bit 0: recompute the header's checksum first.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSnapshot(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = ChunkedInput(data, size)
    var payload = input.bytes
    if input.flags & 1 != 0 { SnapshotPatch.fixHeaderChecksum(&payload) { CRC32C.checksum($0) } }
    _ = try? payload.withUnsafeBytes { try SnapshotHeader.decode($0) }
    payload.withUnsafeBytes { payload in
        let whole = SnapshotOutcome.decode([payload])
        let chunked = SnapshotOutcome.decode(input.chunks(of: payload))
        fuzzCheck(whole == chunked, "whole: \(whole), chunked: \(chunked)")
    }
    return 0
}

/// What a decoder made of a stream.
struct SnapshotOutcome: Equatable {
    struct Item: Equatable { var database: Int; var key: [UInt8]; var kind: ValueKind; var value: [UInt8]; var expiresAt: Int64? }
    var items: [Item] = []
    var error: String?
    var header: SnapshotHeader?
    var complete = false
    var finished: SnapshotHeader?

    static func decode(_ chunks: [UnsafeRawBufferPointer]) -> SnapshotOutcome {
        var decoder = SnapshotDecoder()
        var outcome = SnapshotOutcome()
        do {
            for chunk in chunks {
                try decoder.feed(chunk) { entry, database in
                    // A collection's payload re-encoded: the same elements in the same order
                    // whichever way the bytes were fed.
                    let value = entry.object.map { ValuePayload.encode($0) } ?? entry.value
                    outcome.items.append(Item(database: database, key: entry.key, kind: entry.kind, value: value,
                                              expiresAt: entry.expiresAt?.rawValue))
                }
            }
        } catch {
            outcome.error = "\(error)"
        }
        fuzzCheck(decoder.entriesDecoded == UInt64(outcome.items.count), "entriesDecoded \(decoder.entriesDecoded), \(outcome.items.count) handed out")
        outcome.header = decoder.header
        outcome.complete = decoder.isComplete
        outcome.finished = try? decoder.finish()
        if outcome.error == nil {
            fuzzCheck((outcome.finished != nil) == outcome.complete, "finish() and isComplete disagree")
        }
        return outcome
    }
}
