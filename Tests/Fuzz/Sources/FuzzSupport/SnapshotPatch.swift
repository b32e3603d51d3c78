/// Snapshot headers end in a checksum the fuzzer would rarely get right: when asked, the
/// checksum is recomputed so that the fuzzer reaches the entries and the trailer.
public enum SnapshotPatch {
    /// The header is 44 bytes; its last 4 are the CRC-32C of the 40 before.
    public static func fixHeaderChecksum(_ bytes: inout [UInt8], checksum: ([UInt8]) -> UInt32) {
        guard bytes.count >= 44 else { return }
        let crc = checksum(Array(bytes[0..<40]))
        for index in 0..<4 { bytes[40 + index] = UInt8(truncatingIfNeeded: crc >> (8 * index)) }
    }
}
