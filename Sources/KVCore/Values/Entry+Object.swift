/// Entries that hold a collection: the key's bytes, then a retained reference to the
/// `ValueObject` (8 bytes, unaligned). `EntryHeader.valueCount` has its top bit set and the
/// `ValueKind` in its low byte; a string's `valueCount` is its length, below 2 GiB.
extension Entry {
    /// The `valueCount` bit that marks a collection entry.
    @usableFromInline static let objectFlag: UInt32 = 0x8000_0000

    /// True when the entry holds a collection, not a string.
    @inlinable public var isObject: Bool { header.valueCount & Entry.objectFlag != 0 }

    /// The value's type.
    @inlinable public var kind: ValueKind {
        let raw = header.valueCount
        guard raw & Entry.objectFlag != 0 else { return .string }
        return ValueKind(rawValue: UInt8(truncatingIfNeeded: raw)) ?? .string
    }

    @usableFromInline static func unmanagedObject(at pointer: UnsafeRawPointer) -> Unmanaged<ValueObject> {
        Unmanaged.fromOpaque(UnsafeRawPointer(bitPattern: pointer.loadUnaligned(as: UInt.self))!)
    }

    /// The collection, or nil for a string. Callers only read it, unless the keyspace has
    /// established that neither the entry nor the object is shared (`Keyspace.withObject`).
    public var object: ValueObject? {
        guard isObject else { return nil }
        let offset = keyCount
        return withUnsafeMutablePointerToElements { bytes in
            Entry.unmanagedObject(at: UnsafeRawPointer(bytes + offset)).takeUnretainedValue()
        }
    }

    /// An entry holding `object` (a new reference to it).
    public static func make(key: UnsafeRawBufferPointer, object: ValueObject, expiresAt: UnixMillis?) -> Entry {
        precondition(key.count <= Int(UInt32.max))
        let pointerSize = MemoryLayout<UInt>.size
        let buffer = Storage.create(minimumCapacity: key.count + pointerSize) { _ in
            EntryHeader(
                keyCount: UInt32(truncatingIfNeeded: key.count),
                valueCount: Entry.objectFlag | UInt32(object.kind.rawValue),
                expiresAtRaw: expiresAt?.rawValue ?? 0
            )
        }
        let entry = Entry(storage: unsafeDowncast(buffer, to: Storage.self))
        let bits = UInt(bitPattern: Unmanaged.passRetained(object).toOpaque())
        entry.withUnsafeMutablePointerToElements { bytes in
            if let base = key.baseAddress, key.count > 0 {
                UnsafeMutableRawPointer(bytes).copyMemory(from: base, byteCount: key.count)
            }
            UnsafeMutableRawPointer(bytes + key.count).storeBytes(of: bits, as: UInt.self)
        }
        return entry
    }

    public static func make(key: [UInt8], object: ValueObject, expiresAt: UnixMillis?) -> Entry {
        key.withUnsafeBytes { make(key: $0, object: object, expiresAt: expiresAt) }
    }

    /// The same value under another key (RENAME, COPY, MOVE) or with another expiry. A
    /// collection is shared, not copied: the keyspace edits an object in place only when
    /// both its entry and the object itself have one holder (`Keyspace.withObject`), so the
    /// first edit of either key clones it.
    public func rekeyed(_ key: UnsafeRawBufferPointer, expiresAt: UnixMillis?) -> Entry {
        guard let object else { return withValue { Entry.make(key: key, value: $0, expiresAt: expiresAt) } }
        return Entry.make(key: key, object: object, expiresAt: expiresAt)
    }

    /// The same key and expiry with a clone of the collection: what the keyspace edits when
    /// the entry or its object is shared.
    func withClonedObject() -> Entry {
        withKey { Entry.make(key: $0, object: object!.clone(), expiresAt: expiresAt) }
    }

    /// True when this entry is the only holder of its object (the caller knows the entry
    /// itself is unshared). Takes no reference of its own while asking.
    func holdsObjectAlone() -> Bool {
        let offset = keyCount
        return withUnsafeMutablePointerToElements { bytes in
            let unmanaged = Entry.unmanagedObject(at: UnsafeRawPointer(bytes + offset))
            // Borrow the entry's own reference for the question, then give it back.
            var strong = unmanaged.takeRetainedValue()
            let alone = isKnownUniquelyReferenced(&strong)
            _ = Unmanaged.passRetained(strong)
            return alone
        }
    }
}
