/// Encodes the requests: `SET key:%012d <value>` or `GET key:%012d`, the key drawn uniformly
/// from `keyspace` — the same 16-byte keys as `redis-benchmark -r` and `bench.py gen-resp`,
/// so a prefilled server answers every GET with a value.
struct Requests {
    private var random: SplitMix64
    private let keyspace: UInt64
    private let head: [UInt8]
    private let valueTail: [UInt8]

    init(command: Options.Command, keyspace: Int, valueSize: Int, seed: UInt64) {
        random = SplitMix64(state: seed)
        self.keyspace = UInt64(keyspace)
        switch command {
        case .set:
            head = Array("*3\r\n$3\r\nSET\r\n$16\r\nkey:".utf8)
            valueTail = Array("\r\n$\(valueSize)\r\n".utf8) + Array(repeating: UInt8(ascii: "v"), count: valueSize) + [13, 10]
        case .get:
            head = Array("*2\r\n$3\r\nGET\r\n$16\r\nkey:".utf8)
            valueTail = [13, 10]
        }
    }

    /// Appends the next request to `bytes`.
    @inline(__always)
    mutating func append(to bytes: inout [UInt8]) {
        var key = random.next() % keyspace
        bytes.append(contentsOf: head)
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48)
        withUnsafeMutableBytes(of: &digits) { d in
            var i = 11
            while key > 0 && i >= 0 {
                d[i] = UInt8(48 + key % 10)
                key /= 10
                i -= 1
            }
            bytes.append(contentsOf: d)
        }
        bytes.append(contentsOf: valueTail)
    }
}

/// A small, fast, seedable generator (Vigna's SplitMix64): the keys, not cryptography.
struct SplitMix64 {
    var state: UInt64

    @inline(__always)
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
