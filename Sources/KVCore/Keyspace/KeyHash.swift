/// A fast, well-mixed 64-bit hash of key bytes (the wyhash final-4 construction), keyed by a
/// seed so that an attacker who does not know the seed cannot choose keys that collide
/// (hash flooding).
///
/// The table takes a slot index from the hash's top bits, so the top bits must be as well
/// mixed as the bottom ones: the final multiply-and-fold mixes every input bit into all 64.
@usableFromInline
struct KeyHash: Sendable {
    @usableFromInline let seed: UInt64
    /// The bits of the hash kept: all of them, except in tests that want collisions.
    @usableFromInline let mask: UInt64

    @usableFromInline static let secret0: UInt64 = 0xa076_1d64_78bd_642f
    @usableFromInline static let secret1: UInt64 = 0xe703_7ed1_a0b4_28db
    @usableFromInline static let secret2: UInt64 = 0x8ebc_6af0_9c88_c6e3
    @usableFromInline static let secret3: UInt64 = 0x5899_65cc_7537_4cc3

    /// A hash keyed by `seed` (pre-mixed, as wyhash does once per seed).
    @inlinable init(seed: UInt64, mask: UInt64 = ~0) {
        self.seed = seed ^ KeyHash.mix(seed ^ KeyHash.secret0, KeyHash.secret1)
        self.mask = mask
    }

    /// A hash keyed by a fresh random seed.
    static func random() -> KeyHash {
        var generator = SystemRandomNumberGenerator()
        return KeyHash(seed: generator.next())
    }

    @inlinable static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }

    @inlinable static func read8(_ p: UnsafeRawPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inlinable static func read4(_ p: UnsafeRawPointer, _ offset: Int) -> UInt64 {
        UInt64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
    }

    /// The hash of `bytes`.
    @inlinable func callAsFunction(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let length = bytes.count
        var seed = self.seed
        var a: UInt64 = 0
        var b: UInt64 = 0
        if length <= 16 {
            if length >= 4, let p = bytes.baseAddress {
                let step = (length >> 3) << 2
                a = (KeyHash.read4(p, 0) << 32) | KeyHash.read4(p, step)
                b = (KeyHash.read4(p, length - 4) << 32) | KeyHash.read4(p, length - 4 - step)
            } else if length > 0 {
                a = UInt64(bytes[0]) << 16 | UInt64(bytes[length >> 1]) << 8 | UInt64(bytes[length - 1])
            }
        } else {
            let p = bytes.baseAddress!
            var offset = 0
            var remaining = length
            if remaining > 48 {
                var see1 = seed
                var see2 = seed
                repeat {
                    seed = KeyHash.mix(KeyHash.read8(p, offset) ^ KeyHash.secret1, KeyHash.read8(p, offset + 8) ^ seed)
                    see1 = KeyHash.mix(KeyHash.read8(p, offset + 16) ^ KeyHash.secret2, KeyHash.read8(p, offset + 24) ^ see1)
                    see2 = KeyHash.mix(KeyHash.read8(p, offset + 32) ^ KeyHash.secret3, KeyHash.read8(p, offset + 40) ^ see2)
                    offset += 48
                    remaining -= 48
                } while remaining > 48
                seed ^= see1 ^ see2
            }
            while remaining > 16 {
                seed = KeyHash.mix(KeyHash.read8(p, offset) ^ KeyHash.secret1, KeyHash.read8(p, offset + 8) ^ seed)
                offset += 16
                remaining -= 16
            }
            a = KeyHash.read8(p, offset + remaining - 16)
            b = KeyHash.read8(p, offset + remaining - 8)
        }
        let product = (a ^ KeyHash.secret1).multipliedFullWidth(by: b ^ seed)
        return KeyHash.mix(product.low ^ KeyHash.secret0 ^ UInt64(length), product.high ^ KeyHash.secret1) & mask
    }
}
