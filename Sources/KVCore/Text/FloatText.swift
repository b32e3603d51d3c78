#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Floating-point numbers written as text, as Redis's INCRBYFLOAT reads and writes them.
///
/// Redis computes in `long double`: on x86 that is the 80-bit extended type, and so is it
/// here (`Float80`), so results match Redis's digit for digit. Elsewhere `Double` stands in.
enum FloatText {
    #if arch(x86_64) || arch(i386)
    typealias Value = Float80
    #else
    typealias Value = Double
    #endif

    /// Parses `bytes` like Redis's `string2ld`: `strtold` over the whole text, refusing
    /// leading spaces, trailing garbage, NaN and overflow (infinity written as "inf" passes).
    static func parse(_ bytes: UnsafeRawBufferPointer) -> Value? {
        guard bytes.count > 0 && bytes.count < 5 * 1024 else { return nil }
        if bytes.contains(0) { return nil }
        if isspace(Int32(bytes[0])) != 0 { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: bytes.count + 1) { buffer in
            let base = buffer.baseAddress!
            UnsafeMutableRawPointer(base).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            base[bytes.count] = 0
            var end: UnsafeMutablePointer<CChar>? = nil
            errno = 0
            #if arch(x86_64) || arch(i386)
            let value = strtold(base, &end)
            #else
            let value = strtod(base, &end)
            #endif
            guard let end, end == base + bytes.count else { return nil }
            if errno == ERANGE && (value.isInfinite || value == 0) { return nil }
            if errno == EINVAL || value.isNaN { return nil }
            return value
        }
    }

    /// Formats `value` like Redis's `ld2string` in human mode: 17 digits after the point,
    /// trailing zeros (and a trailing point) removed, "-0" written "0".
    static func format(_ value: Value) -> [UInt8] {
        #if arch(x86_64) || arch(i386)
        var bytes = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 5 * 1024) { buffer -> [UInt8] in
            let length = withVaList([value]) { vsnprintf(buffer.baseAddress!, buffer.count, "%.17Lf", $0) }
            let written = min(Int(length), buffer.count - 1)
            return UnsafeRawBufferPointer(start: buffer.baseAddress!, count: written).map { $0 }
        }
        #else
        var bytes = plainDecimal(value)
        #endif
        if bytes.contains(UInt8(ascii: ".")) {
            while bytes.last == UInt8(ascii: "0") { bytes.removeLast() }
            if bytes.last == UInt8(ascii: ".") { bytes.removeLast() }
        }
        if bytes == Array("-0".utf8) { bytes = [UInt8(ascii: "0")] }
        return bytes
    }

    #if !(arch(x86_64) || arch(i386))
    /// The shortest text that reads back as `value`, without an exponent.
    private static func plainDecimal(_ value: Double) -> [UInt8] {
        let text = "\(value)"
        guard let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) else { return Array(text.utf8) }
        let exponent = Int(text[text.index(after: e)...])!
        var mantissa = String(text[..<e])
        let negative = mantissa.hasPrefix("-")
        if negative { mantissa.removeFirst() }
        let point = mantissa.firstIndex(of: ".") ?? mantissa.endIndex
        let integerDigits = mantissa.distance(from: mantissa.startIndex, to: point)
        let digits = mantissa.filter { $0 != "." }
        let pointAt = integerDigits + exponent
        var result: String
        if pointAt <= 0 {
            result = "0." + String(repeating: "0", count: -pointAt) + digits
        } else if pointAt >= digits.count {
            result = digits + String(repeating: "0", count: pointAt - digits.count)
        } else {
            result = String(digits.prefix(pointAt)) + "." + String(digits.dropFirst(pointAt))
        }
        return Array(((negative ? "-" : "") + result).utf8)
    }
    #endif
}
