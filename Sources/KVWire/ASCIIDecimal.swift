import NIOCore

/// Decimal integers as RESP writes them: parsed as strictly as Redis's `string2ll` (no `+`,
/// no leading zeros, no spaces, no `-0`), and written without going through `String`.
enum ASCIIDecimal {
    /// The integer spelled by `bytes[range]`, or nil when it is not one `string2ll` accepts.
    static func parse(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int64? {
        // Redis rejects 21 characters and more (LONG_STR_SIZE) before looking at them.
        guard !range.isEmpty, range.count < 21 else { return nil }
        var index = range.lowerBound
        if range.count == 1 && bytes[index] == UInt8(ascii: "0") { return 0 }
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative {
            index += 1
            if index == range.upperBound { return nil }
        }
        let first = bytes[index] &- UInt8(ascii: "0")
        guard first >= 1 && first <= 9 else { return nil }
        var magnitude = UInt64(first)
        index += 1
        while index < range.upperBound {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit <= 9 else { return nil }
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit))
            if overflow1 || overflow2 { return nil }
            magnitude = sum
            index += 1
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    /// The number of characters `value` takes in decimal, sign included.
    static func width(_ value: Int64) -> Int {
        var magnitude = value.magnitude
        var digits = 1
        while magnitude >= 10 {
            magnitude /= 10
            digits += 1
        }
        return value < 0 ? digits + 1 : digits
    }
}

extension ByteBuffer {
    /// Writes `value` in decimal straight into the buffer: no `String`, no allocation.
    mutating func writeDecimal(_ value: Int64) {
        let width = ASCIIDecimal.width(value)
        self.writeWithUnsafeMutableBytes(minimumWritableBytes: width) { target in
            var magnitude = value.magnitude
            var index = width
            repeat {
                index -= 1
                target[index] = UInt8(truncatingIfNeeded: magnitude % 10) &+ UInt8(ascii: "0")
                magnitude /= 10
            } while magnitude > 0
            if value < 0 { target[0] = UInt8(ascii: "-") }
            return width
        }
    }

    /// Writes `\r\n`.
    mutating func writeCRLF() {
        self.writeInteger(0x0D0A as UInt16)
    }
}
