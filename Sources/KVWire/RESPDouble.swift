/// Doubles in the text form Redis replies with (`d2string` in `util.c`, `fpconv_dtoa`):
/// `inf`, `-inf`, `nan`, `0`, `-0` spelled out; whole numbers up to 2^62 as integers
/// (`3`, not `3.0`); otherwise the shortest digits that read back as the same double, in
/// plain notation near 1 (`0.1`, `123.456`) and scientific notation far from it (`1e+20`,
/// `1.5e-7`, exponent unpadded).
public enum RESPDouble {
    /// The reply text for `value`.
    public static func text(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value == 0 { return value.sign == .minus ? "-0" : "0" }
        // Redis's `double2ll`: whole numbers within ±2^62 take the integer path.
        if value == value.rounded(), abs(value) <= 4_611_686_018_427_387_904 {
            return String(Int64(value))
        }
        let (digits, exponent) = shortestDigits(abs(value))
        let sign = value < 0 ? "-" : ""
        // The layout rules of Redis's `emit_digits`: the value is `digits` × 10^lastDigit.
        let count = digits.count
        let lastDigit = exponent - (count - 1)
        let magnitude = abs(exponent)
        if lastDigit >= 0 && magnitude < count + 7 {
            return sign + digits + String(repeating: "0", count: lastDigit)
        }
        if lastDigit < 0 && (lastDigit > -7 || magnitude < 4) {
            let integerDigits = count + lastDigit
            if integerDigits <= 0 {
                return sign + "0." + String(repeating: "0", count: -integerDigits) + digits
            }
            return sign + digits.prefix(integerDigits) + "." + digits.dropFirst(integerDigits)
        }
        let mantissa = count == 1 ? digits : digits.prefix(1) + "." + digits.dropFirst()
        return sign + mantissa + (exponent < 0 ? "e-" : "e+") + String(magnitude)
    }

    /// The shortest round-trip significant digits of a positive finite `value` (no leading
    /// or trailing zeros) and the decimal exponent of the first one: 1234.5 → ("12345", 3).
    static func shortestDigits(_ value: Double) -> (digits: String, exponent: Int) {
        // Swift's `description` already prints the shortest round-trip digits; only its
        // layout ("1234.5", "1e-05", "1.5e+20") needs undoing.
        let text = value.description
        let parts = text.split(separator: "e", maxSplits: 1)
        let writtenExponent = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        let mantissa = parts[0]
        let point = mantissa.firstIndex(of: ".")
        let integerPart = point.map { mantissa[..<$0] } ?? mantissa
        let fractionPart = point.map { mantissa[mantissa.index(after: $0)...] } ?? ""
        var digits = Substring(integerPart + fractionPart)
        var exponent = integerPart.count - 1 + writtenExponent
        while digits.first == "0" {
            digits.removeFirst()
            exponent -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        return (String(digits), exponent)
    }
}
