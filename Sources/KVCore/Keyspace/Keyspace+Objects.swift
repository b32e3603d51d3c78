/// Keys by type: the WRONGTYPE check, and editing a collection in place when nobody else can
/// see it (see `ValueObject`).
extension Keyspace {
    /// The live entry under `key` if it holds a `kind`; nil when the key is missing.
    @inline(__always)
    mutating func live(
        _ key: UnsafeRawBufferPointer, kind: ValueKind, context: CommandContext, effects: inout [WriteOperation]
    ) throws(CommandError) -> Entry? {
        guard let entry = live(key, context: context, effects: &effects) else { return nil }
        guard entry.kind == kind else { throw .wrongType }
        return entry
    }

    /// The live string entry under `key` (string commands: WRONGTYPE for a collection).
    @inline(__always)
    mutating func liveString(
        _ key: UnsafeRawBufferPointer, context: CommandContext, effects: inout [WriteOperation]
    ) throws(CommandError) -> Entry? {
        try live(key, kind: .string, context: context, effects: &effects)
    }

    /// The collection under `key`, for reading during this command only; nil when the key is
    /// missing, WRONGTYPE when it holds another type.
    mutating func read<Object: ValueObject>(
        _ key: UnsafeRawBufferPointer, as type: Object.Type, context: CommandContext, effects: inout [WriteOperation]
    ) throws(CommandError) -> Object? {
        guard let entry = live(key, context: context, effects: &effects) else { return nil }
        guard let object = entry.object as? Object else { throw .wrongType }
        return object
    }

    /// Runs `body` on the collection under `key`, which it may change in place; answers nil
    /// (without running it) when the key is missing and `create` is false. WRONGTYPE when
    /// the key holds another type.
    ///
    /// A missing key gets a new, empty object, stored only if `body` leaves it non-empty. An
    /// existing one is edited in place when its entry and the object have no other holder;
    /// otherwise a clone is edited under a new entry. A collection `body` empties is deleted.
    /// `body` must check its arguments before it changes anything: a throw leaves what it did.
    ///
    /// On the primary, a command that may grow the collection (`grows`, by default `create`) is
    /// refused before it runs when the collection's footprint plus what the command can add
    /// (`context.requestBytes`, and `adding` bytes it moves from elsewhere) would pass
    /// `--max-value-size`: a collection is logged and snapshotted whole, in one record of at
    /// most 1 GiB (docs/keyspace.md). Commands that only shrink a collection always run.
    mutating func withObject<Object: ValueObject, R>(
        _ key: UnsafeRawBufferPointer, as type: Object.Type, create: Bool, grows: Bool? = nil, adding: Int = 0,
        context: CommandContext,
        effects: inout [WriteOperation], _ body: (Object, inout [WriteOperation]) throws(CommandError) -> R
    ) throws(CommandError) -> R? {
        let hash = table.hash(key)
        // Only facts about the entry leave this statement, not a reference to it: a local one
        // kept alive through `edit` (as -Onone does, and -O may) makes the entry look shared
        // there, and every command then cloned the whole collection.
        let found = table.find(key, hash: hash).map { position, entry in
            (position: position, live: !entry.isExpired(at: context.now) || context.expiry == .replica,
             matches: entry.object is Object, footprint: entry.footprint)
        }
        let checked = context.expiry == .primary && (grows ?? create)
        if let found {
            let position = found.position
            if found.live {
                guard found.matches else { throw .wrongType }
                if checked { try Self.admitGrowth(of: found.footprint, adding: adding, context: context) }
                return try edit(at: position, as: type, effects: &effects, body)
            }
            remove(at: position)
            effects.append(.delete(key: Array(key)))
        }
        guard create else { return nil }
        if checked { try Self.admitGrowth(of: 0, adding: adding, context: context) }
        let object = Object()
        let result = try body(object, &effects)
        if object.count > 0 { insert(Entry.make(key: key, object: object, expiresAt: nil)) }
        return result
    }

    /// Refuses a command that could make a collection of `footprint` bytes pass the value
    /// size limit (see `withObject`).
    @inline(__always)
    static func admitGrowth(of footprint: Int, adding: Int, context: CommandContext) throws(CommandError) {
        if footprint + context.requestBytes + adding > context.maxValueSize {
            throw .collectionTooLarge(limit: context.maxValueSize)
        }
    }

    /// Refuses to store a new collection (a STORE command's result) past the value size limit.
    static func admitStored(_ object: ValueObject, context: CommandContext) -> CommandError? {
        context.expiry == .primary && object.footprint > context.maxValueSize
            ? .collectionTooLarge(limit: context.maxValueSize) : nil
    }

    /// Edits the collection in slot `position` (see `withObject`).
    private mutating func edit<Object: ValueObject, R>(
        at position: Int, as type: Object.Type, effects: inout [WriteOperation],
        _ body: (Object, inout [WriteOperation]) throws(CommandError) -> R
    ) throws(CommandError) -> R {
        var before = 0
        var after = 0
        var emptied = false
        let result: Result<R, CommandError> = table.withEntry(at: position) { entry in
            before = entry.footprint
            if !isKnownUniquelyReferenced(&entry.storage) || !entry.holdsObjectAlone() {
                entry = entry.withClonedObject()
            }
            let object = unsafeDowncast(entry.object!, to: Object.self)
            defer {
                after = entry.footprint
                emptied = object.count == 0
            }
            do throws(CommandError) { return .success(try body(object, &effects)) } catch { return .failure(error) }
        }
        entryBytes += after - before
        if emptied { remove(at: position) }
        return try result.get()
    }

    /// Applies a logged collection edit (recovery, replicas): creates the key if missing,
    /// deletes it when the edit empties it. An edit of another type than the key holds
    /// cannot come from a primary running the same commands on the same data; it is ignored.
    mutating func apply(_ edit: CollectionEdit, to key: [UInt8]) {
        let context = CommandContext(now: UnixMillis(0), expiry: .replica)
        var effects: [WriteOperation] = []
        key.withUnsafeBytes { key in
            switch edit.action.kind {
            case .hash: _ = try? withObject(key, as: HashObject.self, create: true, context: context, effects: &effects) { object, _ in object.apply(edit) }
            case .list: _ = try? withObject(key, as: ListObject.self, create: true, context: context, effects: &effects) { object, _ in object.apply(edit) }
            case .set: _ = try? withObject(key, as: SetObject.self, create: true, context: context, effects: &effects) { object, _ in object.apply(edit) }
            case .zset: _ = try? withObject(key, as: SortedSetObject.self, create: true, context: context, effects: &effects) { object, _ in object.apply(edit) }
            case .string: break
            }
        }
    }
}
