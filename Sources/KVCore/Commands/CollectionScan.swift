/// The arguments HSCAN, SSCAN and ZSCAN share with SCAN: `cursor [MATCH pattern] [COUNT n]`,
/// with Redis's errors.
struct CollectionScan {
    var cursor: UInt64
    var count = 10
    var pattern: GlobPattern?

    init(_ a: Arguments, cursorAt index: Int) throws(CommandError) {
        guard let cursor = IntegerText.parseUnsigned(a[index]) else { throw CommandError("ERR invalid cursor") }
        self.cursor = cursor
        var position = index + 1
        while position < a.count {
            guard position + 1 < a.count else { throw .syntax }
            if a.matches(position, "count") {
                guard let value = a.integer(position + 1) else { throw .notInteger }
                if value < 1 { throw .syntax }
                count = Int(clamping: value)
            } else if a.matches(position, "match") {
                let candidate = GlobPattern(pattern: a[position + 1])
                pattern = candidate.matchesEverything ? nil : candidate
            } else {
                throw .syntax
            }
            position += 2
        }
    }

    /// True when `element` passes MATCH.
    func matches(_ element: UnsafeRawBufferPointer) -> Bool { pattern?.matches(element) ?? true }
}
