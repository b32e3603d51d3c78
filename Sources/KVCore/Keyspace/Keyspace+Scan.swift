/// SCAN over the hash table with Redis's guarantee: a key present for the whole iteration is
/// returned at least once, across any number of resizes.
///
/// The cursor is a 64-bit hash value, not a slot index. A call with cursor `c` returns every
/// entry whose hash `h` satisfies `c ≤ h < b` and answers `b` as the next cursor (0 after the
/// last range). `b` is the first hash of a slot, chosen so the call looks at about `count`
/// entries. Since the ranges of successive calls tile [0, 2⁶⁴) and every entry whose hash is
/// in a call's range is returned by that call, a key present throughout is returned (exactly
/// once, unless deleted and re-added). The ranges do not depend on the table's size, which is
/// why a resize between calls changes nothing.
///
/// Finding the entries of a range: an entry sits at or after its home slot with no empty slot
/// in between, so the entries whose home is in [home(c), home(b)) are all in the slots from
/// home(c) up to the first empty slot at or after home(b) (wrapping at the end of the table).
/// Entries met on the way whose hash is outside the range are skipped.
extension Keyspace {
    /// Calls `body` with every entry (expired or not) whose hash is in [`cursor`, next) and
    /// returns next, the cursor of the following call (0 when the iteration is complete).
    ///
    /// `count` is the number of entries to aim for (about that many are visited; at most
    /// ten times as many slots are looked at, so sparse tables still progress).
    public func scan(cursor: UInt64, count: Int, _ body: (Entry) -> Void) -> UInt64 {
        table.scan(cursor: cursor, count: count, body)
    }

    /// Calls `body` with every entry (expired or not), in slot order.
    public func forEach(_ body: (Entry) throws -> Void) rethrows {
        for entry in table.entries { try body(entry) }
    }
}
