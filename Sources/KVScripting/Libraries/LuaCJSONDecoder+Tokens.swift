import Glibc

/// The tokenizer (`json_next_token` and friends): reads one token at `position` and moves past
/// it; an error token stays where the error is.
extension LuaCJSONDecoder {
    /// Bytes that need no more reading than themselves.
    private static func simpleToken(_ byte: UInt8) -> Token.Kind? {
        switch byte {
        case UInt8(ascii: "{"): .objectBegin
        case UInt8(ascii: "}"): .objectEnd
        case UInt8(ascii: "["): .arrayBegin
        case UInt8(ascii: "]"): .arrayEnd
        case UInt8(ascii: ","): .comma
        case UInt8(ascii: ":"): .colon
        case 0: .end
        default: nil
        }
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 32 || byte == 9 || byte == 10 || byte == 13
    }

    private func errorToken(_ error: String) -> Token {
        Token(kind: nil, position: position, error: error)
    }

    mutating func nextToken() -> Token {
        while Self.isWhitespace(byte(position)) { position += 1 }
        let first = byte(position)
        if let kind = Self.simpleToken(first) {
            if kind != .end { position += 1 }
            return Token(kind: kind, position: position - (kind == .end ? 0 : 1))
        }
        if first == UInt8(ascii: "\"") { return stringToken() }
        if first == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) {
            if configuration.decodeInvalidNumbers == 0 && isInvalidNumber() { return errorToken("invalid number") }
            return numberToken()
        }
        switch first {
        case UInt8(ascii: "t") where starts(with: Self.trueWord):
            return keyword(.boolean, true, length: 4)
        case UInt8(ascii: "f") where starts(with: Self.falseWord):
            return keyword(.boolean, false, length: 5)
        case UInt8(ascii: "n") where starts(with: Self.nullWord):
            return keyword(.null, false, length: 4)
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "i"), UInt8(ascii: "I"),
            UInt8(ascii: "+"):
            break
        default:
            return errorToken("invalid token")
        }
        if configuration.decodeInvalidNumbers != 0 && isInvalidNumber() { return numberToken() }
        return errorToken("invalid token")
    }

    private static let trueWord = Array("true".utf8), falseWord = Array("false".utf8), nullWord = Array("null".utf8)

    private func starts(with word: [UInt8]) -> Bool {
        word.indices.allSatisfy { byte(position + $0) == word[$0] }
    }

    private mutating func keyword(_ kind: Token.Kind, _ value: Bool, length: Int) -> Token {
        var token = Token(kind: kind, position: position)
        token.boolean = value
        position += length
        return token
    }

    /// `json_is_invalid_number`: valid for strtod but not JSON — a leading `+`, hex, leading
    /// zeros, inf and nan (any case).
    private func isInvalidNumber() -> Bool {
        var offset = position
        if byte(offset) == UInt8(ascii: "+") { return true }
        if byte(offset) == UInt8(ascii: "-") { offset += 1 }
        let first = byte(offset)
        if first == UInt8(ascii: "0") {
            let second = byte(offset + 1)
            return second | 0x20 == UInt8(ascii: "x") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(second)
        }
        // A C `char` is signed: bytes from 0x80 compare below '9' and count as ordinary.
        if first <= UInt8(ascii: "9") || first >= 0x80 { return false }
        let (a, b, c) = (byte(offset) | 0x20, byte(offset + 1) | 0x20, byte(offset + 2) | 0x20)
        return (a, b, c) == (UInt8(ascii: "i"), UInt8(ascii: "n"), UInt8(ascii: "f"))
            || (a, b, c) == (UInt8(ascii: "n"), UInt8(ascii: "a"), UInt8(ascii: "n"))
    }

    /// A number as the C library's strtod reads it from `position`.
    private mutating func numberToken() -> Token {
        var end: UnsafeMutablePointer<CChar>?
        let start = text + position
        let value = strtod(start, &end)
        guard let end, end != UnsafeMutablePointer(mutating: start) else { return errorToken("invalid number") }
        var token = Token(kind: .number, position: position)
        token.number = value
        position += UnsafePointer(end) - start
        return token
    }

    /// `json_next_string_token`: the string from the opening quote at `position`. Without
    /// escapes it is a range of the text; the first escape starts a copy.
    private mutating func stringToken() -> Token {
        let start = position
        position += 1
        let contentStart = position
        var bytes: [UInt8]?
        while byte(position) != UInt8(ascii: "\"") {
            var character = byte(position)
            if character == 0 { return errorToken("unexpected end of string") }
            if character == UInt8(ascii: "\\") {
                if bytes == nil {
                    bytes = (contentStart..<position).map { byte($0) }
                }
                switch byte(position + 1) {
                case UInt8(ascii: "u"):
                    guard appendUnicodeEscape(to: &bytes!) else { return errorToken("invalid unicode escape code") }
                    continue
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): character = byte(position + 1)
                case UInt8(ascii: "b"): character = 8
                case UInt8(ascii: "t"): character = 9
                case UInt8(ascii: "n"): character = 10
                case UInt8(ascii: "f"): character = 12
                case UInt8(ascii: "r"): character = 13
                default: return errorToken("invalid escape code")
                }
                position += 1
            }
            bytes?.append(character)
            position += 1
        }
        var token = Token(kind: .string, position: start)
        token.unescaped = bytes
        token.start = contentStart
        token.end = position
        position += 1
        return token
    }

    /// `json_append_unicode_escape`: `\uXXXX`, or a surrogate pair of two, as UTF-8.
    private mutating func appendUnicodeEscape(to bytes: inout [UInt8]) -> Bool {
        guard var codepoint = hex4(at: position + 2) else { return false }
        var escapeLength = 6
        if codepoint & 0xF800 == 0xD800 {
            // A pair: high surrogate first, then a `\u` low surrogate.
            guard codepoint & 0x400 == 0, byte(position + 6) == UInt8(ascii: "\\"), byte(position + 7) == UInt8(ascii: "u"),
                let low = hex4(at: position + 8), low & 0xFC00 == 0xDC00
            else { return false }
            codepoint = (((codepoint & 0x3FF) << 10) | (low & 0x3FF)) + 0x10000
            escapeLength = 12
        }
        bytes += Self.utf8(codepoint)
        position += escapeLength
        return true
    }

    private func hex4(at offset: Int) -> Int? {
        var value = 0
        for index in 0..<4 {
            let digit = byte(offset + index)
            let lower = digit | 0x20
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = value << 4 + Int(digit - UInt8(ascii: "0"))
            case _ where (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(lower): value = value << 4 + Int(lower - UInt8(ascii: "a") + 10)
            default: return nil
            }
        }
        return value
    }

    private static func utf8(_ codepoint: Int) -> [UInt8] {
        switch codepoint {
        case ..<0x80: [UInt8(codepoint)]
        case ..<0x800: [UInt8(0xC0 | codepoint >> 6), UInt8(0x80 | codepoint & 0x3F)]
        case ..<0x10000:
            [UInt8(0xE0 | codepoint >> 12), UInt8(0x80 | (codepoint >> 6) & 0x3F), UInt8(0x80 | codepoint & 0x3F)]
        default:
            [UInt8(0xF0 | codepoint >> 18), UInt8(0x80 | (codepoint >> 12) & 0x3F),
             UInt8(0x80 | (codepoint >> 6) & 0x3F), UInt8(0x80 | codepoint & 0x3F)]
        }
    }
}
