/// CRC-32C (Castagnoli, polynomial 0x1EDC6F41 reflected as 0x82F63B78), the checksum of every
/// record, segment header and snapshot (KVStorage), and of DUMP payloads.
///
/// Chosen over CRC-32 for its better error detection on storage-sized blocks (it is what
/// iSCSI, ext4 and RocksDB use). Slicing-by-8: eight bytes per step through eight 256-entry
/// tables, about 1–2 GB/s in release builds without hardware intrinsics.
public enum CRC32C {
    /// The CRC-32C of `bytes`.
    @inlinable
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        update(0, bytes)
    }

    /// The CRC-32C of `bytes`.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }

    /// Extends `crc` (the checksum of the bytes so far) with `bytes`:
    /// `update(checksum(a), b) == checksum(a + b)`, so a stream can be checksummed in chunks.
    public static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard var pointer = bytes.baseAddress, bytes.count > 0 else { return crc }
        var remaining = bytes.count
        var state = ~crc
        table.withUnsafeBufferPointer { table in
            while remaining >= 8 {
                let word = UInt64(littleEndian: pointer.loadUnaligned(as: UInt64.self)) ^ UInt64(state)
                state = table[7 &* 256 &+ Int(word & 0xFF)]
                    ^ table[6 &* 256 &+ Int((word >> 8) & 0xFF)]
                    ^ table[5 &* 256 &+ Int((word >> 16) & 0xFF)]
                    ^ table[4 &* 256 &+ Int((word >> 24) & 0xFF)]
                    ^ table[3 &* 256 &+ Int((word >> 32) & 0xFF)]
                    ^ table[2 &* 256 &+ Int((word >> 40) & 0xFF)]
                    ^ table[1 &* 256 &+ Int((word >> 48) & 0xFF)]
                    ^ table[Int(word >> 56)]
                pointer += 8
                remaining &-= 8
            }
            while remaining > 0 {
                let byte = pointer.load(as: UInt8.self)
                state = table[Int((state ^ UInt32(byte)) & 0xFF)] ^ (state >> 8)
                pointer += 1
                remaining &-= 1
            }
        }
        return ~state
    }

    /// Eight tables of 256 entries: table k maps a byte to its CRC contribution k bytes ahead.
    static let table: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 {
                crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1
            }
            table[byte] = crc
        }
        for byte in 0..<256 {
            var crc = table[byte]
            for slice in 1..<8 {
                crc = table[Int(crc & 0xFF)] ^ (crc >> 8)
                table[slice * 256 + byte] = crc
            }
        }
        return table
    }()
}
