/// Snapshot headers end in a checksum the fuzzer would rarely get right: when asked, the
/// checksum is recomputed so that the fuzzer reaches the lineage, the entries and the trailer.
public enum SnapshotPatch {
    /// Version 1 headers are 44 bytes, their last 4 the CRC-32C of the 40 before; version 2
    /// headers are 48 + 16n bytes (n, the epoch count, at offset 40), their last 4 the CRC-32C
    /// of the bytes before.
    public static func fixHeaderChecksum(_ bytes: inout [UInt8], checksum: ([UInt8]) -> UInt32) {
        guard bytes.count >= 44 else { return }
        var size = 44
        if bytes[4] == 2, bytes[5] == 0, bytes[6] == 0, bytes[7] == 0 {
            let epochs = Int(bytes[40]) | Int(bytes[41]) << 8 | Int(bytes[42]) << 16 | Int(bytes[43]) << 24
            guard (1...65536).contains(epochs) else { return }
            size = 48 + 16 * epochs
        }
        guard bytes.count >= size else { return }
        let crc = checksum(Array(bytes[0..<(size - 4)]))
        for index in 0..<4 { bytes[size - 4 + index] = UInt8(truncatingIfNeeded: crc >> (8 * index)) }
    }
}
