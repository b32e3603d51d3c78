import KVCore
import NIOCore

/// Decimal integers as RESP writes them: parsed as strictly as Redis's `string2ll` (no `+`,
/// no leading zeros, no spaces, no `-0`), and written without going through `String`.
enum ASCIIDecimal {
    /// The integer spelled by `bytes[range]`, or nil when it is not one `string2ll` accepts.
    static func parse(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int64? {
        IntegerText.parse(UnsafeRawBufferPointer(rebasing: bytes[range]))
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
