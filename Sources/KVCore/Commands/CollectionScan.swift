/// The arguments of SCAN, HSCAN, SSCAN and ZSCAN: `cursor [MATCH pattern] [COUNT n]`, and
/// SCAN's `[TYPE type]`, with Redis's errors.
struct CollectionScan {
    var cursor: UInt64
    var count = 10
    var pattern: GlobPattern?
    /// SCAN's TYPE: nil for every type; `.some(nil)` for a name Redis 7 does not know, which
    /// selects nothing.
    var type: ValueKind??

    init(_ a: Arguments, cursorAt index: Int, takesType: Bool = false) throws(CommandError) {
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
            } else if takesType && a.matches(position, "type") {
                type = .some(ValueKind(name: a[position + 1]))
            } else {
                throw .syntax
            }
            position += 2
        }
    }

    /// True when a key of `kind` passes TYPE.
    func selects(_ kind: ValueKind) -> Bool {
        guard let type else { return true }
        return type == kind
    }

    /// True when `element` passes MATCH.
    func matches(_ element: UnsafeRawBufferPointer) -> Bool { pattern?.matches(element) ?? true }
}
