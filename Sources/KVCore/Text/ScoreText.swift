#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sorted set scores as text, as Redis 7.0 reads and writes them.
public enum ScoreText {
    /// A score argument (ZADD, ZINCRBY, WEIGHTS), as Redis's `getDoubleFromObject`: the whole
    /// text read by `strtod`, no leading space, no NaN, no overflow to ±HUGE_VAL or underflow
    /// to zero ("inf" itself passes).
    static func parse(_ bytes: UnsafeRawBufferPointer) -> Double? {
        guard bytes.count > 0, isspace(Int32(bytes[0])) == 0 else { return nil }
        guard let (value, consumed, rangeError) = read(bytes), consumed == bytes.count else { return nil }
        if rangeError && (value.isInfinite || value == 0) { return nil }
        return value.isNaN ? nil : value
    }

    /// A range bound's number (after any `(`), as Redis's `zslParseRange`: `strtod` up to
    /// the first NUL byte, which must end the number; leading spaces, an empty text (0) and
    /// overflow (±inf) pass; NaN does not.
    static func parseBound(_ bytes: UnsafeRawBufferPointer) -> Double? {
        guard let (value, consumed, _) = read(bytes) else { return nil }
        guard consumed == bytes.count || bytes[consumed] == 0 else { return nil }
        return value.isNaN ? nil : value
    }

    /// `strtod` over `bytes` as a C string: the value, the bytes it read, and whether it set
    /// ERANGE.
    private static func read(_ bytes: UnsafeRawBufferPointer) -> (Double, Int, Bool)? {
        // No length cap: Redis reads "1.000…0" of any length as 1.
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: bytes.count + 1) { buffer in
            let base = buffer.baseAddress!
            if bytes.count > 0 { UnsafeMutableRawPointer(base).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
            base[bytes.count] = 0
            var end: UnsafeMutablePointer<CChar>? = nil
            errno = 0
            let value = strtod(base, &end)
            let rangeError = errno == ERANGE
            return (value, end.map { $0 - base } ?? 0, rangeError)
        }
    }

    /// A score as Redis 7.0's `addReplyDouble` writes it: `inf`, `-inf`, otherwise `%.17g`
    /// (`1.1000000000000001`, `3`, `1e+300`, `-0`).
    public static func text(_ value: Double) -> String {
        String(decoding: format(value), as: UTF8.self)
    }

    /// A score as Redis 7.0's listpack stores it (`d2string`): a whole number within ±2^62 as
    /// an integer (`123456789012345680`), otherwise as `format`. ZSCAN of a packed set shows it.
    static func packedFormat(_ value: Double) -> [UInt8] {
        if value == value.rounded(.towardZero), abs(value) <= 4_611_686_018_427_387_903 {
            return Array(String(Int64(value)).utf8)
        }
        return format(value)
    }

    /// `text` as bytes.
    public static func format(_ value: Double) -> [UInt8] {
        if value.isInfinite { return Array((value < 0 ? "-inf" : "inf").utf8) }
        if value.isNaN { return Array("nan".utf8) }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            let length = withVaList([value]) { vsnprintf(buffer.baseAddress!, buffer.count, "%.17g", $0) }
            return Array(UnsafeRawBufferPointer(start: buffer.baseAddress!, count: min(Int(length), buffer.count - 1)))
        }
    }
}
