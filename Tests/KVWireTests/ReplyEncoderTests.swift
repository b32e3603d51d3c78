import KVCore
import NIOCore
import Testing

@testable import KVWire

/// A reply and its exact bytes in each protocol version.
struct EncodedReply: Sendable, CustomTestStringConvertible {
    var reply: Reply
    var resp2: String
    var resp3: String
    var testDescription: String { reply.description }

    init(_ reply: Reply, _ resp2: String, _ resp3: String? = nil) {
        self.reply = reply
        self.resp2 = resp2
        self.resp3 = resp3 ?? resp2
    }
}

let storedValue = Entry.make(key: bytes("foo"), value: bytes("bar"), expiresAt: nil)

let encodedReplies: [EncodedReply] = [
    EncodedReply(.ok, "+OK\r\n"),
    EncodedReply(.simple("PONG"), "+PONG\r\n"),
    EncodedReply(.simple("a\r\nb"), "+a  b\r\n"),
    EncodedReply(.error(.syntax), "-ERR syntax error\r\n"),
    EncodedReply(.error(CommandError("ERR bad\nline")), "-ERR bad line\r\n"),
    EncodedReply(.integer(0), ":0\r\n"),
    EncodedReply(.integer(1), ":1\r\n"),
    EncodedReply(.integer(42), ":42\r\n"),
    EncodedReply(.integer(-1), ":-1\r\n"),
    EncodedReply(.integer(Int64.max), ":9223372036854775807\r\n"),
    EncodedReply(.integer(Int64.min), ":-9223372036854775808\r\n"),
    EncodedReply(.bulk("hello"), "$5\r\nhello\r\n"),
    EncodedReply(.bulk("héllo"), "$6\r\nhéllo\r\n"),
    EncodedReply(.bulk([]), "$0\r\n\r\n"),
    EncodedReply(.bulk("a\r\nb"), "$4\r\na\r\nb\r\n"),
    EncodedReply(.value(storedValue), "$3\r\nbar\r\n"),
    EncodedReply(.null, "$-1\r\n", "_\r\n"),
    EncodedReply(.nullArray, "*-1\r\n", "_\r\n"),
    EncodedReply(.double(1.5), "$3\r\n1.5\r\n", ",1.5\r\n"),
    EncodedReply(.double(3), "$1\r\n3\r\n", ",3\r\n"),
    EncodedReply(.double(-0.25), "$5\r\n-0.25\r\n", ",-0.25\r\n"),
    EncodedReply(.double(.infinity), "$3\r\ninf\r\n", ",inf\r\n"),
    EncodedReply(.double(-.infinity), "$4\r\n-inf\r\n", ",-inf\r\n"),
    EncodedReply(.double(.nan), "$3\r\nnan\r\n", ",nan\r\n"),
    EncodedReply(.array([]), "*0\r\n"),
    EncodedReply(.array([.integer(1), .bulk("a"), .null]), "*3\r\n:1\r\n$1\r\na\r\n$-1\r\n", "*3\r\n:1\r\n$1\r\na\r\n_\r\n"),
    EncodedReply(
        .array([.array([.integer(1), .integer(2)]), .array([.nullArray]), .value(storedValue)]),
        "*3\r\n*2\r\n:1\r\n:2\r\n*1\r\n*-1\r\n$3\r\nbar\r\n",
        "*3\r\n*2\r\n:1\r\n:2\r\n*1\r\n_\r\n$3\r\nbar\r\n"),
    EncodedReply(.set([]), "*0\r\n", "~0\r\n"),
    EncodedReply(.set([.bulk("1"), .bulk("a")]), "*2\r\n$1\r\n1\r\n$1\r\na\r\n", "~2\r\n$1\r\n1\r\n$1\r\na\r\n"),
    EncodedReply(.map([]), "*0\r\n", "%0\r\n"),
    EncodedReply(
        .map([(.bulk("a"), .integer(1)), (.simple("b"), .array([.ok, .double(0.5)]))]),
        "*4\r\n$1\r\na\r\n:1\r\n+b\r\n*2\r\n+OK\r\n$3\r\n0.5\r\n",
        "%2\r\n$1\r\na\r\n:1\r\n+b\r\n*2\r\n+OK\r\n,0.5\r\n"),
    EncodedReply(
        .array([.map([(.bulk("k"), .map([(.bulk("n"), .null)]))])]),
        "*1\r\n*2\r\n$1\r\nk\r\n*2\r\n$1\r\nn\r\n$-1\r\n",
        "*1\r\n%1\r\n$1\r\nk\r\n%1\r\n$1\r\nn\r\n_\r\n"),
    EncodedReply(.verbatim("hi\r\nthere"), "$9\r\nhi\r\nthere\r\n", "=13\r\ntxt:hi\r\nthere\r\n"),
    EncodedReply(.verbatim(""), "$0\r\n\r\n", "=4\r\ntxt:\r\n"),
    EncodedReply(.bulks(bulks(.array, [])), "*0\r\n"),
    EncodedReply(.bulks(bulks(.array, ["a", "", "hello world 1234"])), "*3\r\n$1\r\na\r\n$0\r\n\r\n$16\r\nhello world 1234\r\n"),
    EncodedReply(.bulks(bulks(.set, ["x", "y"])), "*2\r\n$1\r\nx\r\n$1\r\ny\r\n", "~2\r\n$1\r\nx\r\n$1\r\ny\r\n"),
    EncodedReply(.bulks(bulks(.map, ["f", "v"])), "*2\r\n$1\r\nf\r\n$1\r\nv\r\n", "%1\r\n$1\r\nf\r\n$1\r\nv\r\n"),
    EncodedReply(.bulks(bulks(.array, [String(repeating: "z", count: 1234)])), "*1\r\n$1234\r\n" + String(repeating: "z", count: 1234) + "\r\n"),
]

/// Pre-encoded bulk strings of `texts`.
func bulks(_ shape: EncodedBulks.Shape, _ texts: [String]) -> EncodedBulks {
    var bulks = EncodedBulks(shape)
    for text in texts { bulks.append(Array(text.utf8)) }
    return bulks
}

@Suite struct ReplyEncoderTests {
    @Test(arguments: encodedReplies)
    func byteExactInBothVersions(encoded: EncodedReply) {
        #expect(written(encoded.reply, .resp2) == encoded.resp2)
        #expect(written(encoded.reply, .resp3) == encoded.resp3)
    }

    /// The room reserved up front is never less than what is written.
    @Test(arguments: encodedReplies)
    func lengthBoundHolds(encoded: EncodedReply) {
        for version in RESPVersion.allCases {
            #expect(encoded.reply.encodedLengthBound >= written(encoded.reply, version).utf8.count)
        }
    }

    @Test func storedValueIsBinarySafe() {
        let entry = Entry.make(key: bytes("k"), value: allBytes, expiresAt: nil)
        var buffer = ByteBuffer()
        buffer.writeReply(.value(entry), version: .resp3)
        #expect(Array(buffer.readableBytesView) == bytes("$260\r\n") + allBytes + bytes("\r\n"))
    }

    @Test func largeArrayMatchesItsParts() {
        let items = (0..<10_000).map { Reply.bulk("item:\($0)") }
        var whole = ByteBuffer()
        whole.writeReply(.array(items), version: .resp2)
        var parts = ByteBuffer(string: "*10000\r\n")
        for item in items { parts.writeReply(item, version: .resp2) }
        #expect(whole == parts)
    }

    @Test func repliesAppendToWhatIsBuffered() {
        var buffer = ByteBuffer()
        buffer.writeReply(.ok, version: .resp2)
        buffer.writeReply(.integer(7), version: .resp2)
        buffer.writeReply(.null, version: .resp3)
        #expect(String(buffer: buffer) == "+OK\r\n:7\r\n_\r\n")
    }

    private func written(_ reply: Reply, _ version: RESPVersion) -> String {
        var buffer = ByteBuffer()
        buffer.writeReply(reply, version: version)
        return String(buffer: buffer)
    }
}

@Suite struct RESPDoubleTests {
    /// Redis 7.0's `addReplyDouble`: `%.17g`, with inf and -inf spelled out.
    @Test(arguments: [
        (0.0, "0"), (-0.0, "-0"), (1, "1"), (-1, "-1"), (1.5, "1.5"), (0.1, "0.10000000000000001"), (-0.1, "-0.10000000000000001"),
        (1.0 / 3, "0.33333333333333331"), (123.456, "123.456"), (3.14, "3.1400000000000001"), (123456789.5, "123456789.5"),
        (4_611_686_018_427_387_904, "4.6116860184273879e+18"), (1e19, "1e+19"), (1e20, "1e+20"),
        (1.5e300, "1.5000000000000001e+300"), (0.0001, "0.0001"), (1.5e-5, "1.5e-05"), (1e-7, "9.9999999999999995e-08"),
        (1234567.1234567, "1234567.1234567"), (5e-324, "4.9406564584124654e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"), (.infinity, "inf"), (-.infinity, "-inf"),
        (.nan, "nan"),
    ] as [(Double, String)])
    func redisLayout(value: Double, text: String) {
        #expect(RESPDouble.text(value) == text)
    }

    /// 17 significant digits always read back as the same double.
    @Test func roundTrips() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<10_000 {
            let value = Double(bitPattern: generator.next())
            guard value.isFinite else { continue }
            #expect(Double(RESPDouble.text(value)) == value)
        }
    }
}
