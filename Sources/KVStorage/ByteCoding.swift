// Little-endian integer helpers shared by every on-disk format (records, segment headers,
// snapshots). Kept in one place so that the formats agree on byte order by construction.

extension Array where Element == UInt8 {
    /// Appends `value` in little-endian byte order.
    @inlinable
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    /// Overwrites the bytes at `offset` with `value` in little-endian order (back-patching a
    /// length or checksum once the bytes it covers are written).
    @inlinable
    mutating func storeLittleEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        withUnsafeMutableBytes { raw in
            raw.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self)
        }
    }
}

extension UnsafeRawBufferPointer {
    /// The little-endian integer at `offset`; the caller has checked the bounds.
    @inlinable
    func loadLittleEndian<T: FixedWidthInteger>(at offset: Int, as type: T.Type) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

/// Reads fields in order from a byte range, failing (nil) instead of reading past its end.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    /// Offset of the next unread byte.
    var position: Int

    init(_ bytes: UnsafeRawBufferPointer, position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    var remaining: Int { bytes.count - position }

    mutating func read<T: FixedWidthInteger>(_ type: T.Type) -> T? {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { return nil }
        defer { position += size }
        return bytes.loadLittleEndian(at: position, as: T.self)
    }

    /// The next `count` bytes, borrowed (valid as long as `bytes` is).
    mutating func readBytes(_ count: Int) -> UnsafeRawBufferPointer? {
        guard count >= 0, remaining >= count else { return nil }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<position + count])
    }
}

/// Writes fields in order into memory the caller has sized exactly (the record encoder computes
/// a frame's size first), so no bounds or capacity checks are repeated per field.
struct RawWriter {
    var base: UnsafeMutableRawPointer

    @inline(__always)
    mutating func write<T: FixedWidthInteger>(_ value: T) {
        base.storeBytes(of: value.littleEndian, as: T.self)
        base += MemoryLayout<T>.size
    }

    @inline(__always)
    mutating func write(bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        base.copyMemory(from: source, byteCount: bytes.count)
        base += bytes.count
    }
}
