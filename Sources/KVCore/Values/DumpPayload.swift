/// DUMP's and RESTORE's serialized value: kv's own format, not Redis's RDB encoding (a
/// payload from redis-server is refused with Redis's own error, never misread):
///
/// ```
/// u8 kind | value (a string's bytes, or the collection's `ValuePayload`) | "KV" | u8 version (1)
///         | u32 crc32c of every byte before it, little-endian
/// ```
public enum DumpPayload {
    static let magic: [UInt8] = Array("KV".utf8)
    static let version: UInt8 = 1
    static let trailerSize = 2 + 1 + 4

    /// Redis's error for a payload it cannot take.
    public static let refused = CommandError("ERR DUMP payload version or checksum are wrong")

    /// The payload of `entry`'s value.
    public static func encode(_ entry: Entry) -> [UInt8] {
        var bytes: [UInt8] = [entry.kind.rawValue]
        if let object = entry.object {
            object.encodePayload(into: &bytes)
        } else {
            entry.withValue { bytes.append(contentsOf: $0) }
        }
        bytes += magic
        bytes.append(version)
        let crc = bytes.withUnsafeBytes { CRC32C.checksum($0) }
        withUnsafeBytes(of: crc.littleEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// An entry under `key` with the value `bytes` encode, or `refused`.
    public static func decode(
        _ bytes: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer, expiresAt: UnixMillis?
    ) throws(CommandError) -> Entry {
        guard bytes.count >= 1 + trailerSize else { throw refused }
        let body = UnsafeRawBufferPointer(rebasing: bytes[..<(bytes.count - 4)])
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: bytes.count - 4, as: UInt32.self))
        guard stored == CRC32C.checksum(body),
              bytes[bytes.count - 7] == magic[0], bytes[bytes.count - 6] == magic[1], bytes[bytes.count - 5] == version,
              let kind = ValueKind(rawValue: bytes[0])
        else { throw refused }
        let value = UnsafeRawBufferPointer(rebasing: bytes[1..<(bytes.count - trailerSize)])
        guard kind != .string else {
            guard value.count < Int(Entry.objectFlag) else { throw refused }
            return Entry.make(key: key, value: value, expiresAt: expiresAt)
        }
        do {
            return Entry.make(key: key, object: try ValuePayload.decode(kind, value), expiresAt: expiresAt)
        } catch {
            throw refused
        }
    }
}
