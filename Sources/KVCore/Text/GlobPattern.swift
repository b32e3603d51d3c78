/// Glob-style matching on bytes, as Redis's `stringmatchlen` does it for KEYS and SCAN MATCH:
/// `*` any run, `?` any byte, `[abc]` a set, `[^a]` its complement, `[a-z]` a range, `\x` the
/// byte x itself. Case-sensitive.
public struct GlobPattern {
    let pattern: UnsafeRawBufferPointer

    /// A matcher for `pattern`, valid while its bytes are.
    public init(pattern: UnsafeRawBufferPointer) { self.pattern = pattern }

    /// True when the pattern is "*", which matches everything and needs no work per key.
    public var matchesEverything: Bool { pattern.count == 1 && pattern[0] == UInt8(ascii: "*") }

    /// True when `string` matches the whole pattern.
    public func matches(_ string: UnsafeRawBufferPointer) -> Bool {
        var skipLongerMatches = false
        return GlobPattern.match(pattern, 0, string, 0, &skipLongerMatches, nesting: 0)
    }

    /// A port of `stringmatchlen_impl`. Reading past the pattern's end yields 0, like the
    /// terminating NUL the C code relies on.
    private static func match(
        _ pattern: UnsafeRawBufferPointer, _ patternStart: Int,
        _ string: UnsafeRawBufferPointer, _ stringStart: Int,
        _ skipLongerMatches: inout Bool, nesting: Int
    ) -> Bool {
        // Protection against abusive patterns.
        if nesting > 1000 { return false }
        @inline(__always) func at(_ index: Int) -> UInt8 { index < pattern.count ? pattern[index] : 0 }
        var p = patternStart
        var s = stringStart
        while p < pattern.count && s < string.count {
            switch pattern[p] {
            case UInt8(ascii: "*"):
                while p + 1 < pattern.count && pattern[p + 1] == UInt8(ascii: "*") { p += 1 }
                if p + 1 == pattern.count { return true }
                while s < string.count {
                    if match(pattern, p + 1, string, s, &skipLongerMatches, nesting: nesting + 1) { return true }
                    if skipLongerMatches { return false }
                    s += 1
                }
                // No match for the rest of the pattern from anywhere in the rest of the string:
                // no earlier `*` can help by matching more.
                skipLongerMatches = true
                return false
            case UInt8(ascii: "?"):
                s += 1
            case UInt8(ascii: "["):
                p += 1
                let negated = at(p) == UInt8(ascii: "^")
                if negated { p += 1 }
                var matched = false
                let c = string[s]
                while true {
                    if at(p) == UInt8(ascii: "\\") && pattern.count - p >= 2 {
                        p += 1
                        if pattern[p] == c { matched = true }
                    } else if at(p) == UInt8(ascii: "]") {
                        break
                    } else if p >= pattern.count {
                        p -= 1
                        break
                    } else if pattern.count - p >= 3 && pattern[p + 1] == UInt8(ascii: "-") {
                        let low = min(pattern[p], pattern[p + 2])
                        let high = max(pattern[p], pattern[p + 2])
                        p += 2
                        if c >= low && c <= high { matched = true }
                    } else if pattern[p] == c {
                        matched = true
                    }
                    p += 1
                }
                if negated { matched.toggle() }
                if !matched { return false }
                s += 1
            case UInt8(ascii: "\\"):
                if pattern.count - p >= 2 { p += 1 }
                if pattern[p] != string[s] { return false }
                s += 1
            default:
                if pattern[p] != string[s] { return false }
                s += 1
            }
            p += 1
            if s == string.count {
                while at(p) == UInt8(ascii: "*") { p += 1 }
                break
            }
        }
        return p >= pattern.count && s == string.count
    }
}
