import KVCore

/// The inline form of a command: one text line, as a person types it into telnet
/// (`SET greeting "hello world"`).
enum InlineCommand {
    /// Splits a line into arguments exactly as Redis's `sdssplitargs` does: blanks separate
    /// arguments; "double quotes" understand `\n \r \t \b \a \\ \" \xHH`; 'single quotes'
    /// understand only `\'`; a closing quote must be followed by a blank or the line's end.
    /// Returns nil for unbalanced quotes. A NUL byte ends the line, as it does for Redis's C
    /// string.
    static func split(_ line: UnsafeRawBufferPointer) -> [[UInt8]]? {
        let end = line.firstIndex(of: 0) ?? line.count
        // Reading past the end yields NUL, mirroring the C string Redis walks.
        func at(_ index: Int) -> UInt8 { index < end ? line[index] : 0 }

        var arguments: [[UInt8]] = []
        var index = 0
        while true {
            while index < end && isSpace(line[index]) { index += 1 }
            if index >= end { return arguments }

            var current: [UInt8] = []
            var inDoubleQuotes = false
            var inSingleQuotes = false
            var done = false
            while !done {
                let byte = at(index)
                if inDoubleQuotes {
                    if byte == backslash, at(index + 1) == UInt8(ascii: "x"),
                        let high = HexDigit.value(at(index + 2)), let low = HexDigit.value(at(index + 3))
                    {
                        current.append(high << 4 | low)
                        index += 3
                    } else if byte == backslash, at(index + 1) != 0 {
                        index += 1
                        current.append(unescaped(at(index)))
                    } else if byte == doubleQuote {
                        if !closesArgument(at(index + 1)) { return nil }
                        done = true
                    } else if byte == 0 {
                        return nil
                    } else {
                        current.append(byte)
                    }
                } else if inSingleQuotes {
                    if byte == backslash, at(index + 1) == singleQuote {
                        index += 1
                        current.append(singleQuote)
                    } else if byte == singleQuote {
                        if !closesArgument(at(index + 1)) { return nil }
                        done = true
                    } else if byte == 0 {
                        return nil
                    } else {
                        current.append(byte)
                    }
                } else {
                    switch byte {
                    case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"), 0:
                        done = true
                    case doubleQuote:
                        inDoubleQuotes = true
                    case singleQuote:
                        inSingleQuotes = true
                    default:
                        current.append(byte)
                    }
                }
                if at(index) != 0 { index += 1 }
            }
            arguments.append(current)
        }
    }

    private static let backslash = UInt8(ascii: "\\")
    private static let doubleQuote = UInt8(ascii: "\"")
    private static let singleQuote = UInt8(ascii: "'")

    /// C's `isspace` in the C locale.
    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    /// A closing quote must be followed by a blank or the end of the line.
    private static func closesArgument(_ next: UInt8) -> Bool {
        next == 0 || isSpace(next)
    }

    /// The byte a backslash escape stands for inside double quotes; unknown escapes stand for
    /// the escaped byte itself.
    private static func unescaped(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "t"): 0x09
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "a"): 0x07
        default: byte
        }
    }
}
