/// Integers written as decimal text, exactly as Redis reads and writes them. The one parser
/// for command arguments (KVCore) and protocol lengths (KVWire).
public enum IntegerText {
    /// Parses `bytes` like Redis's `string2ll`: an optional `-`, then digits with no leading
    /// zero (except "0" itself), nothing else (no `+`, no spaces), within Int64's range.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        let count = bytes.count
        guard count > 0 && count < 21 else { return nil }
        if count == 1 && bytes[0] == UInt8(ascii: "0") { return 0 }
        var index = 0
        let negative = bytes[0] == UInt8(ascii: "-")
        if negative {
            index = 1
            if count == 1 { return nil }
        }
        guard bytes[index] >= UInt8(ascii: "1") && bytes[index] <= UInt8(ascii: "9") else { return nil }
        var magnitude: UInt64 = 0
        while index < count {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
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

    /// Parses an unsigned decimal (a SCAN cursor): digits only, within UInt64's range.
    static func parseUnsigned(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        guard bytes.count > 0 else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            let digit = byte &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit))
            if overflow1 || overflow2 { return nil }
            value = sum
        }
        return value
    }

    /// The decimal digits of `value`, as bytes.
    static func bytes(_ value: Int64) -> [UInt8] {
        Array(String(value).utf8)
    }
}

extension Arguments {
    /// Argument `index` as an integer in Redis's `string2ll` syntax.
    func integer(_ index: Int) -> Int64? { IntegerText.parse(self[index]) }
}
