import FuzzSupport
import KVCore

// ValuePayload: a collection's bytes as snapshots, clones, the log's object puts and (later)
// RESTORE carry them. The first byte picks the kind, the rest is the payload. A payload that
// decodes must re-encode to one that decodes to the same elements (a table may list them in
// another order than the payload did), with the same count; anything else must be refused
// with `Malformed`, never a crash. The whole input is also offered to RESTORE's decoder
// (`DumpPayload`): what it takes re-dumps to a payload it takes again, with the same value.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzValuePayload(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    checkDump(UnsafeRawBufferPointer(start: data, count: size))
    guard size > 0, let kind = ValueKind(rawValue: data[0] % 5) else { return 0 }
    let payload = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    guard let object = try? ValuePayload.decode(kind, payload) else { return 0 }
    fuzzCheck(object.kind == kind && object.count > 0, "decoded a \(object.kind.name) of \(object.count) elements")
    let encoded = ValuePayload.encode(object)
    let again: ValueObject
    do { again = try encoded.withUnsafeBytes { try ValuePayload.decode(kind, $0) } } catch {
        fuzzFailure("a decoded \(kind.name) re-encodes to a payload it refuses: \(error)")
    }
    fuzzCheck(again.count == object.count, "count \(object.count) became \(again.count)")
    fuzzCheck(elements(again) == elements(object), "the elements differ after a re-encoding")
    let copy = object.clone()
    fuzzCheck(elements(copy) == elements(object), "a clone differs")
    return 0
}

func elements(_ object: ValueObject) -> [[UInt8]] {
    var all: [[UInt8]] = []
    object.digestElements { all.append($0) }
    return all
}

func checkDump(_ bytes: UnsafeRawBufferPointer) {
    let key: [UInt8] = Array("k".utf8)
    guard let entry = try? key.withUnsafeBytes({ try DumpPayload.decode(bytes, key: $0, expiresAt: nil) }) else { return }
    let dumped = DumpPayload.encode(entry)
    guard let again = try? dumped.withUnsafeBytes({ payload in try key.withUnsafeBytes { try DumpPayload.decode(payload, key: $0, expiresAt: nil) } })
    else { fuzzFailure("a restored value re-dumps to a payload RESTORE refuses") }
    fuzzCheck(again.kind == entry.kind && again.value == entry.value, "a restored value differs after a re-dump")
    if let object = entry.object, let other = again.object { fuzzCheck(elements(object) == elements(other), "a restored collection differs") }
}
