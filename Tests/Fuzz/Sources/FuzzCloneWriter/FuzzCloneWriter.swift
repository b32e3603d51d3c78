import FuzzSupport
import Glibc
import KVCore
@testable import KVStorage

// CloneWriter: a clone's snapshot bytes arriving over TCP, in chunks cut where the input
// says. Checks that it accepts or refuses exactly what SnapshotDecoder fed the whole payload
// does (same error), that the file holds the bytes appended, and that the dataset `finish`
// returns holds the snapshot's entries in their databases (the last one for a key given twice).
// Flags bit 0: recompute the header's checksum first.

/// The data directory clones go to, one per process.
let directory: DataDirectory = {
    let temporary = String(cString: getenv("TMPDIR") ?? strdup("/tmp"))
    return DataDirectory("\(temporary)/kv-fuzz-clone-\(getpid())")
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCloneWriter(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = ChunkedInput(data, size)
    var payload = input.bytes
    if input.flags & 1 != 0 { SnapshotPatch.fixHeaderChecksum(&payload) { CRC32C.checksum($0) } }
    payload.withUnsafeBytes { payload in
        // The reference: the whole payload through a decoder.
        var decoder = SnapshotDecoder()
        var expected: [[UInt8]: (value: [UInt8], expiresAt: UnixMillis?)] = [:]  // database index, 0, key
        var expectedError: String?
        do {
            try decoder.feed(payload) { entry, database in
                expected[Array(String(database).utf8) + [0] + entry.key] = (value(entry), entry.expiresAt)
            }
        } catch {
            expectedError = "\(error)"
        }
        let writer: CloneWriter
        do { writer = try CloneWriter(directory: directory) } catch { fuzzFailure("cannot start a clone: \(error)") }
        var error: String?
        var appended = 0
        for chunk in input.chunks(of: payload) {
            do {
                try writer.append(chunk)
                appended += chunk.count
            } catch let thrown {
                error = "\(thrown)"
                break
            }
        }
        fuzzCheck(error == expectedError, "clone: \(String(describing: error)), decoder: \(String(describing: expectedError))")
        fuzzCheck(writer.byteCount == appended, "byteCount \(writer.byteCount), appended \(appended)")
        fuzzCheck(writer.isComplete == (expectedError == nil && decoder.isComplete), "isComplete disagrees")
        fuzzCheck(writer.entryCount == decoder.entriesDecoded, "entries: clone \(writer.entryCount), decoder \(decoder.entriesDecoded)")
        let file = (try? FileSystem.read(writer.path)) ?? []
        fuzzCheck(file == Array(payload.prefix(appended)), "the file holds \(file.count) bytes, \(appended) were appended")
        guard writer.isComplete else {
            fuzzCheck((try? writer.finish()) == nil, "finish() accepted an incomplete clone")
            writer.abandon()
            return
        }
        let snapshot: PreloadedSnapshot
        do { snapshot = try writer.finish() } catch { fuzzFailure("finish() refused a complete clone: \(error)") }
        fuzzCheck(snapshot.header == decoder.header, "header differs")
        fuzzCheck(snapshot.dataset.count == expected.count, "dataset holds \(snapshot.dataset.count) keys, the snapshot \(expected.count)")
        for (database, entry) in snapshot.dataset.snapshot() {
            guard let wanted = expected[Array(String(database).utf8) + [0] + entry.key] else {
                fuzzFailure("dataset has a key the snapshot does not")
            }
            fuzzCheck(value(entry) == wanted.value && entry.expiresAt == wanted.expiresAt, "entry differs")
        }
        try? FileSystem.remove(writer.path)
    }
    return 0
}

/// An entry's value as comparable bytes: a string's bytes, a collection's kind and elements.
func value(_ entry: Entry) -> [UInt8] {
    guard let object = entry.object else { return entry.value }
    var bytes = [object.kind.rawValue]
    object.digestElements { bytes += Array(String($0.count).utf8) + [0] + $0 }
    return bytes
}
