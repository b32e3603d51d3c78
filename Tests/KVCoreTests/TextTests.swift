@testable import KVCore
import Testing

@Suite("Numbers and patterns as text")
struct TextTests {
    static let integersCases: [(String, Int64?)] = [
        ("0", 0), ("1", 1), ("-1", -1), ("123", 123), ("9223372036854775807", .max),
        ("-9223372036854775808", .min), ("9223372036854775808", nil), ("-9223372036854775809", nil),
        ("", nil), ("-", nil), ("+1", nil), ("01", nil), ("-0", nil), ("00", nil), (" 1", nil), ("1 ", nil),
        ("1a", nil), ("1.0", nil), ("99999999999999999999", nil), ("123456789012345678901", nil),
    ]

    @Test(arguments: integersCases) func integers(text: String, value: Int64?) {
        #expect(Array(text.utf8).withUnsafeBytes(IntegerText.parse) == value)
    }

    @Test(arguments: [Int64.min, -1, 0, 7, 1234567890, .max])
    func digitsRoundTrip(value: Int64) {
        #expect(IntegerText.withDigits(value) { String(decoding: $0, as: UTF8.self) } == String(value))
    }

    static let floatsCases: [(String, String?)] = [
        ("1", "1"), ("1.5", "1.5"), ("-1.5", "-1.5"), ("10.50", "10.5"), ("5.0e3", "5000"), ("0.1", "0.1"),
        ("-0", "0"), ("3.0e-1", "0.3"), ("1e20", "100000000000000000000"), ("abc", nil), (" 1", nil), ("1 ", nil),
        ("", nil), ("nan", nil), ("1e99999", nil), ("0x10", "16"),
    ]

    @Test(arguments: floatsCases) func floats(text: String, formatted: String?) {
        let value = Array(text.utf8).withUnsafeBytes(FloatText.parse)
        #expect(value.map { String(decoding: FloatText.format($0), as: UTF8.self) } == formatted)
    }

    static let globsCases: [(String, String, Bool)] = [
        ("*", "anything", true), ("*", "", false) /* as stringmatchlen; KEYS and SCAN short-cut "*" */, ("", "", true), ("", "a", false),
        ("h?llo", "hello", true), ("h?llo", "hllo", false), ("h*llo", "hllo", true), ("h*llo", "heeeello", true),
        ("h[ae]llo", "hello", true), ("h[ae]llo", "hillo", false), ("h[^e]llo", "hallo", true),
        ("h[^e]llo", "hello", false), ("h[a-b]llo", "hbllo", true), ("h[b-a]llo", "hallo", true),
        ("h[a-b]llo", "hcllo", false), ("h\\*llo", "h*llo", true), ("h\\*llo", "hello", false),
        ("*o*", "two", true), ("*o*", "three", false), ("a*b*c", "aXbYc", true), ("a*b*c", "aXbY", false),
        ("[\\]]", "]", true), ("[abc", "a", true), ("[abc", "[", false), ("key:*", "key:", true),
        ("**a", "bba", true), ("a**", "a", true), ("?", "", false), ("\\", "\\", true),
        ("user:[0-9]*", "user:42", true), ("user:[0-9]*", "user:x", false),
    ]

    @Test(arguments: globsCases) func globs(pattern: String, string: String, matches: Bool) {
        let result = Array(pattern.utf8).withUnsafeBytes { p in
            Array(string.utf8).withUnsafeBytes { s in GlobPattern(pattern: p).matches(s) }
        }
        #expect(result == matches)
    }

    @Test func abusivePatternsFinish() {
        let pattern = String(repeating: "a*", count: 60) + "b"
        let string = String(repeating: "a", count: 200)
        let result = Array(pattern.utf8).withUnsafeBytes { p in
            Array(string.utf8).withUnsafeBytes { s in GlobPattern(pattern: p).matches(s) }
        }
        #expect(result == false)
    }
}
