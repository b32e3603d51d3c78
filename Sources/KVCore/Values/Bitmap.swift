/// A string value read as bits, in Redis's order: bit 0 is the most significant bit of byte 0.
/// Bits past the end read as zero (Redis treats a string as zero-padded on the right).
struct Bitmap {
    let bytes: UnsafeRawBufferPointer

    /// The number of bits the bytes hold.
    var bitCount: Int { bytes.count &* 8 }

    /// The bit at `offset` (0 past the end).
    func bit(_ offset: Int) -> Bool {
        let byte = offset >> 3
        guard byte < bytes.count else { return false }
        return bytes[byte] & (0x80 >> UInt8(offset & 7)) != 0
    }

    /// The number of set bits in `range` (bit offsets within the bytes).
    func population(_ range: ClosedRange<Int>) -> Int {
        let first = range.lowerBound >> 3
        let last = range.upperBound >> 3
        var count = Bitmap.population(UnsafeRawBufferPointer(rebasing: bytes[first...last]))
        // Take off the bits of the edge bytes outside the range.
        count -= (bytes[first] & ~(0xFF >> UInt8(range.lowerBound & 7))).nonzeroBitCount
        count -= (bytes[last] & (0x7F >> UInt8(range.upperBound & 7))).nonzeroBitCount
        return count
    }

    /// The number of set bits in `bytes`, eight bytes at a time.
    static func population(_ bytes: UnsafeRawBufferPointer) -> Int {
        var count = 0
        var index = 0
        while index + 8 <= bytes.count {
            count += bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self).nonzeroBitCount
            index += 8
        }
        while index < bytes.count {
            count += bytes[index].nonzeroBitCount
            index += 1
        }
        return count
    }

    /// The offset of the first bit equal to `value` in `range`, or nil.
    func firstBit(_ value: Bool, in range: ClosedRange<Int>) -> Int? {
        let skip: UInt8 = value ? 0 : 0xFF
        var offset = range.lowerBound
        // Bit by bit up to a byte boundary, then whole bytes (eight at a time) that cannot hold it.
        while offset <= range.upperBound {
            if offset & 7 == 0 {
                var byte = offset >> 3
                let lastWhole = (range.upperBound + 1) >> 3  // bytes before this one lie wholly in range
                let skipWord: UInt64 = value ? 0 : .max
                while byte + 8 <= lastWhole && bytes.loadUnaligned(fromByteOffset: byte, as: UInt64.self) == skipWord {
                    byte += 8
                }
                while byte < lastWhole && bytes[byte] == skip { byte += 1 }
                offset = byte << 3
                if offset > range.upperBound { break }
            }
            if bit(offset) == value { return offset }
            offset += 1
        }
        return nil
    }

    /// The `width`-bit unsigned integer at bit `offset`, most significant bit first
    /// (Redis's `getUnsignedBitfield`).
    func unsigned(at offset: Int, width: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<width {
            value = value << 1 | (bit(offset + index) ? 1 : 0)
        }
        return value
    }

    /// The `width`-bit two's complement integer at bit `offset`.
    func signed(at offset: Int, width: Int) -> Int64 {
        var value = unsigned(at: offset, width: width)
        if width < 64 && value & (1 << UInt64(width - 1)) != 0 {
            value |= UInt64.max << UInt64(width)
        }
        return Int64(bitPattern: value)
    }

    /// Writes the low `width` bits of `value` at bit `offset` of `bytes`, which must hold them.
    static func write(_ value: UInt64, width: Int, at offset: Int, into bytes: UnsafeMutableRawBufferPointer) {
        for index in 0..<width {
            let position = offset + index
            let mask: UInt8 = 0x80 >> UInt8(position & 7)
            if value & (1 << UInt64(width - 1 - index)) != 0 {
                bytes[position >> 3] |= mask
            } else {
                bytes[position >> 3] &= ~mask
            }
        }
    }
}
