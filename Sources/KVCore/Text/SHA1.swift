/// SHA-1 (FIPS 180-4), for `DEBUG DIGEST` only: a fingerprint of data, not a security measure.
public struct SHA1 {
    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
    private var block: [UInt8] = []
    private var length: UInt64 = 0

    public init() { block.reserveCapacity(64) }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        length &+= UInt64(bytes.count)
        for byte in bytes {
            block.append(byte)
            if block.count == 64 {
                compress()
                block.removeAll(keepingCapacity: true)
            }
        }
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The 20-byte digest.
    public mutating func finish() -> [UInt8] {
        let bits = length &* 8
        block.append(0x80)
        if block.count > 56 {
            while block.count < 64 { block.append(0) }
            compress()
            block.removeAll(keepingCapacity: true)
        }
        while block.count < 56 { block.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) { block.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        compress()
        var out: [UInt8] = []
        for word in [state.0, state.1, state.2, state.3, state.4] {
            for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: word >> UInt32(shift))) }
        }
        return out
    }

    private mutating func compress() {
        var w = [UInt32](repeating: 0, count: 80)
        for i in 0..<16 {
            w[i] = UInt32(block[4 * i]) << 24 | UInt32(block[4 * i + 1]) << 16 | UInt32(block[4 * i + 2]) << 8 | UInt32(block[4 * i + 3])
        }
        for i in 16..<80 { w[i] = rotate(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1) }
        var (a, b, c, d, e) = state
        for i in 0..<80 {
            let (f, k): (UInt32, UInt32)
            switch i {
            case 0..<20: (f, k) = ((b & c) | (~b & d), 0x5A82_7999)
            case 20..<40: (f, k) = (b ^ c ^ d, 0x6ED9_EBA1)
            case 40..<60: (f, k) = ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC)
            default: (f, k) = (b ^ c ^ d, 0xCA62_C1D6)
            }
            let temp = rotate(a, 5) &+ f &+ e &+ k &+ w[i]
            (e, d, c, b, a) = (d, c, rotate(b, 30), a, temp)
        }
        state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e)
    }

    private func rotate(_ value: UInt32, _ count: UInt32) -> UInt32 { value << count | value >> (32 - count) }
}

extension Keyspace {
    /// `DEBUG DIGEST`: 20 bytes that depend on every entry (key, value, absolute expiry) and on
    /// nothing else — not on insertion order, table size, hash seed or a collection's encoding. Each entry's SHA-1 is
    /// XORed into the result, as Redis combines its keys; an empty keyspace digests to zeros.
    /// Two pods at the same LSN of the same history have the same digest.
    public func digest() -> [UInt8] {
        var result = [UInt8](repeating: 0, count: 20)
        for entry in snapshot() {
            var hash = SHA1()
            entry.withKey { hash.update($0) }
            hash.update([0])
            if let object = entry.object {
                // The type, then each element with its length, in the type's canonical order.
                hash.update([0, object.kind.rawValue])
                object.digestElements { element in
                    var length = UInt32(element.count).littleEndian
                    withUnsafeBytes(of: &length) { hash.update($0) }
                    hash.update(element)
                }
            } else {
                entry.withValue { hash.update($0) }
            }
            var expiry = (entry.expiresAt?.rawValue ?? 0).littleEndian
            withUnsafeBytes(of: &expiry) { hash.update($0) }
            for (index, byte) in hash.finish().enumerated() { result[index] ^= byte }
        }
        return result
    }
}
