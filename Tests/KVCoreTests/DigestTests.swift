import KVCore
import Testing

/// `DEBUG DIGEST`: SHA-1 right, and a digest that depends on the data alone.
@Suite struct DigestTests {
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }

    @Test(arguments: [
        ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
    ])
    func sha1KnownAnswers(input: String, expected: String) {
        var hash = SHA1()
        hash.update(Array(input.utf8))
        #expect(Self.hex(hash.finish()) == expected)
    }

    @Test func sha1OfAMillionAs() {
        var hash = SHA1()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hash.update(chunk) }
        #expect(Self.hex(hash.finish()) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    static func entry(_ key: String, _ value: String, expiresAt: Int64? = nil) -> Entry {
        Array(key.utf8).withUnsafeBytes { k in
            Array(value.utf8).withUnsafeBytes { v in Entry.make(key: k, value: v, expiresAt: expiresAt.map { UnixMillis($0) }) }
        }
    }

    @Test func digestDependsOnTheDataAloneNotOnOrderOrSeed() {
        var forward = Keyspace(hashSeed: 1)
        var backward = Keyspace(hashSeed: 99)
        for index in 0..<5000 { forward.insert(Self.entry("k\(index)", "v\(index)")) }
        for index in (0..<5000).reversed() { backward.insert(Self.entry("k\(index)", "v\(index)")) }
        #expect(forward.digest() == backward.digest())
        #expect(Keyspace().digest() == [UInt8](repeating: 0, count: 20))

        var changedValue = forward
        changedValue.insert(Self.entry("k7", "other"))
        #expect(changedValue.digest() != forward.digest())
        var changedExpiry = forward
        changedExpiry.insert(Self.entry("k7", "v7", expiresAt: 4_000_000_000_000))
        #expect(changedExpiry.digest() != forward.digest())
        // Moving bytes between key and value changes the digest (the separator counts).
        var a = Keyspace(), b = Keyspace()
        a.insert(Self.entry("ab", "c"))
        b.insert(Self.entry("a", "bc"))
        #expect(a.digest() != b.digest())
    }
}
