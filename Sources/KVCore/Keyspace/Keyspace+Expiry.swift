/// Lazy expiry (on access) and active expiry (a bounded sweep on a timer).
extension Keyspace {
    /// The live entry under `key`: nil when the key is missing or its time has passed.
    ///
    /// On the primary an expired key found here is removed and its `.delete` appended to
    /// `effects`; a replica only hides it (the primary's delete arrives through the log).
    @inline(__always)
    mutating func live(
        _ key: UnsafeRawBufferPointer, context: CommandContext, effects: inout [WriteOperation]
    ) -> Entry? {
        guard let (position, entry) = table.find(key, hash: table.hash(key)) else { return nil }
        guard entry.isExpired(at: context.now) else { return entry }
        if context.expiry == .primary {
            remove(at: position)
            effects.append(.delete(key: Array(key)))
        }
        return nil
    }

    /// The live entry under `key`, as commands see it (an expired one removed on the primary,
    /// its `.delete` appended): for the server's own commands (MOVE, COPY).
    public mutating func liveEntry(
        _ key: UnsafeRawBufferPointer, context: CommandContext, effects: inout [WriteOperation]
    ) -> Entry? {
        live(key, context: context, effects: &effects)
    }

    /// The live entry under `key`, without removing an expired one (for reads that must not
    /// write: KEYS, snapshots, HTTP reads on a replica).
    public func liveEntry(_ key: UnsafeRawBufferPointer, now: UnixMillis) -> Entry? {
        guard let entry = lookup(key), !entry.isExpired(at: now) else { return nil }
        return entry
    }

    /// Active expiry: examines up to `budget` slots from where the previous sweep stopped,
    /// removes the entries whose time has passed and appends a `.delete` for each to `effects`.
    ///
    /// Meant for the primary, on a timer, under the keyspace's lock; lazy expiry on access
    /// covers whatever the sweep has not reached yet. The resume point is kept as a hash
    /// position, so it stays meaningful when the table resizes. The sweep walks the current
    /// array; keys still in a resize's old array are swept once moved.
    @discardableResult
    public mutating func sweepExpired(
        now: UnixMillis, budget: Int, effects: inout [WriteOperation]
    ) -> (examined: Int, expired: Int) {
        // The timer also moves a running resize on (or starts a shrink), so that a table left
        // half resized by a burst of writes completes without further writes.
        if table.isResizing { table.advanceResize(slots: max(budget, SlotTable.stepSlots)) } else { table.shrinkIfSparse() }
        var examined = 0
        var expired = 0
        while examined < budget && table.count > 0 {
            examined += 1
            let position = table.home(sweepCursor)
            if let entry = table.entry(at: position), entry.isExpired(at: now) {
                effects.append(.delete(key: entry.key))
                remove(at: position)
                expired += 1
                // Stay on this slot: the backward shift may have moved another entry into it.
                // (If the table shrank, the cursor still names the same hash position.)
                continue
            }
            let next = (position + 1) & table.mask
            sweepCursor = UInt64(next) << table.shift
        }
        return (examined, expired)
    }

    /// A random key, for RANDOMKEY: a random slot, then the first occupied slot from there
    /// (`SlotTable.randomPosition`).
    ///
    /// Expired keys are skipped; on the primary they are removed (with their `.delete`
    /// appended to `effects`). A replica that keeps drawing expired keys falls back to a walk
    /// over the table, so it answers nil only when no live key is left.
    mutating func randomEntry(context: CommandContext, effects: inout [WriteOperation]) -> Entry? {
        var hiddenDraws = 0
        while table.count > 0 {
            let position = table.randomPosition(nextRandom())
            let entry = table.entry(at: position)!
            if !entry.isExpired(at: context.now) { return entry }
            if context.expiry == .primary {
                effects.append(.delete(key: entry.key))
                remove(at: position)
            } else {
                hiddenDraws += 1
                if hiddenDraws >= 100 { return firstLiveEntry(now: context.now) }
            }
        }
        return nil
    }

    private func firstLiveEntry(now: UnixMillis) -> Entry? {
        table.entries.first { !$0.isExpired(at: now) }
    }

    /// splitmix64: cheap, and good enough to pick slots.
    mutating func nextRandom() -> UInt64 {
        randomState &+= 0x9e37_79b9_7f4a_7c15
        var z = randomState
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
