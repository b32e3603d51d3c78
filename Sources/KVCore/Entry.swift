#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fixed part of an `Entry`: sizes and expiry.
public struct EntryHeader: Sendable {
    public var keyCount: UInt32
    public var valueCount: UInt32
    /// Milliseconds since the epoch at which the key expires; 0 when it never does.
    public var expiresAtRaw: Int64
}

/// One key, its value and its expiry, stored together in a single immutable heap object.
///
/// One allocation per key keeps memory per key close to the bytes themselves (a 16-byte key
/// with a 100-byte value costs one 160-byte block). Entries are never mutated once made: a
/// write replaces the entry. That is what lets a snapshot share entries with the live
/// keyspace instead of copying them, and lets a reply or a log record hold an entry without
/// a copy of its value.
public struct Entry: @unchecked Sendable {
    // @unchecked Sendable: the storage is written once, inside `make`, before the entry is
    // published; afterwards it is only read.

    /// The single heap block holding header, key and value. An entry holding a collection
    /// (`Entry+Object.swift`) keeps a retained reference to its `ValueObject` after the key,
    /// released here.
    @usableFromInline final class Storage: ManagedBuffer<EntryHeader, UInt8> {
        deinit {
            let header = withUnsafeMutablePointerToHeader { $0.pointee }
            guard header.valueCount & Entry.objectFlag != 0 else { return }
            withUnsafeMutablePointerToElements { bytes in
                Entry.unmanagedObject(at: UnsafeRawPointer(bytes + Int(header.keyCount))).release()
            }
        }
    }

    /// Held in a variable so that the keyspace can ask whether it is the only holder
    /// (`isKnownUniquelyReferenced`) before it edits a collection in place.
    @usableFromInline var storage: Storage

    @inlinable init(storage: Storage) { self.storage = storage }

    /// The header, read through a pointer: `storage.header` is a class's stored property, so
    /// reading it would cost a dynamic exclusivity check (`swift_beginAccess`) on every
    /// access. The header is written only inside `make`, so there is nothing to enforce.
    @inlinable var header: EntryHeader { storage.withUnsafeMutablePointerToHeader { $0.pointee } }

    @inlinable func withUnsafeMutablePointerToElements<R>(
        _ body: (UnsafeMutablePointer<UInt8>) throws -> R
    ) rethrows -> R {
        try storage.withUnsafeMutablePointerToElements(body)
    }

    /// True when both are the same stored object (not merely equal bytes).
    @inlinable public func isIdentical(to other: Entry) -> Bool { storage === other.storage }

    /// Makes an entry from raw bytes.
    public static func make(
        key: UnsafeRawBufferPointer,
        value: UnsafeRawBufferPointer,
        expiresAt: UnixMillis?
    ) -> Entry {
        precondition(key.count <= Int(UInt32.max) && value.count < Int(Entry.objectFlag), "a string value of 2 GiB or more")
        let buffer = Storage.create(minimumCapacity: key.count + value.count) { _ in
            EntryHeader(
                keyCount: UInt32(truncatingIfNeeded: key.count),
                valueCount: UInt32(truncatingIfNeeded: value.count),
                expiresAtRaw: expiresAt?.rawValue ?? 0
            )
        }
        let entry = Entry(storage: unsafeDowncast(buffer, to: Storage.self))
        entry.withUnsafeMutablePointerToElements { bytes in
            if let base = key.baseAddress, key.count > 0 {
                UnsafeMutableRawPointer(bytes).copyMemory(from: base, byteCount: key.count)
            }
            if let base = value.baseAddress, value.count > 0 {
                UnsafeMutableRawPointer(bytes + key.count).copyMemory(from: base, byteCount: value.count)
            }
        }
        return entry
    }

    /// Makes an entry whose value `initializer` writes in place (APPEND, SETRANGE, INCR):
    /// no intermediate buffer. `initializer` must write all `valueCount` bytes.
    static func make(
        key: UnsafeRawBufferPointer,
        valueCount: Int,
        expiresAt: UnixMillis?,
        initializingValueWith initializer: (UnsafeMutableRawBufferPointer) -> Void
    ) -> Entry {
        precondition(key.count <= Int(UInt32.max) && valueCount < Int(Entry.objectFlag), "a string value of 2 GiB or more")
        let buffer = Storage.create(minimumCapacity: key.count + valueCount) { _ in
            EntryHeader(
                keyCount: UInt32(truncatingIfNeeded: key.count),
                valueCount: UInt32(truncatingIfNeeded: valueCount),
                expiresAtRaw: expiresAt?.rawValue ?? 0
            )
        }
        let entry = Entry(storage: unsafeDowncast(buffer, to: Storage.self))
        entry.withUnsafeMutablePointerToElements { bytes in
            if let base = key.baseAddress, key.count > 0 {
                UnsafeMutableRawPointer(bytes).copyMemory(from: base, byteCount: key.count)
            }
            initializer(UnsafeMutableRawBufferPointer(start: bytes + key.count, count: valueCount))
        }
        return entry
    }

    /// Makes an entry from byte arrays (recovery, tests, computed values).
    public static func make(key: [UInt8], value: [UInt8], expiresAt: UnixMillis?) -> Entry {
        key.withUnsafeBytes { k in value.withUnsafeBytes { v in make(key: k, value: v, expiresAt: expiresAt) } }
    }

    /// The same key and value with another expiry.
    public func withExpiry(_ expiresAt: UnixMillis?) -> Entry {
        withKey { rekeyed($0, expiresAt: expiresAt) }
    }

    /// The same key with another value, keeping `expiresAt` as given.
    public func withValue(_ value: UnsafeRawBufferPointer, expiresAt: UnixMillis?) -> Entry {
        withKey { k in Entry.make(key: k, value: value, expiresAt: expiresAt) }
    }

    @inlinable public var keyCount: Int { Int(header.keyCount) }
    /// The bytes of a string value; 0 for a collection (whose reference is not a value).
    @inlinable public var valueCount: Int {
        let raw = header.valueCount
        return raw & Entry.objectFlag == 0 ? Int(raw) : 0
    }

    /// When the key expires, or nil if it never does.
    @inlinable public var expiresAt: UnixMillis? {
        let raw = header.expiresAtRaw
        return raw == 0 ? nil : UnixMillis(raw)
    }

    /// True when the key has an expiry at or before `now`.
    @inlinable public func isExpired(at now: UnixMillis) -> Bool {
        let raw = header.expiresAtRaw
        return raw != 0 && raw <= now.rawValue
    }

    /// Calls `body` with the key's bytes; they are valid only inside `body`.
    @inlinable public func withKey<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let count = keyCount
        return try withUnsafeMutablePointerToElements { bytes in
            try body(UnsafeRawBufferPointer(start: bytes, count: count))
        }
    }

    /// Calls `body` with the value's bytes (empty for a collection); they are valid only
    /// inside `body`.
    @inlinable public func withValue<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let offset = keyCount
        let count = valueCount
        return try withUnsafeMutablePointerToElements { bytes in
            try body(UnsafeRawBufferPointer(start: bytes + offset, count: count))
        }
    }

    /// A copy of the key.
    public var key: [UInt8] { withKey { Array($0) } }
    /// A copy of the value.
    public var value: [UInt8] { withValue { Array($0) } }

    /// True when the key's bytes equal `other`.
    ///
    /// Keys of up to 16 bytes (the common case) are compared with two overlapping loads per
    /// side, inline; longer ones with `memcmp`.
    @inlinable public func hasKey(_ other: UnsafeRawBufferPointer) -> Bool {
        let count = other.count
        guard count == keyCount else { return false }
        guard count > 0, let theirs = other.baseAddress else { return true }
        return withUnsafeMutablePointerToElements { bytes in
            let ours = UnsafeRawPointer(bytes)
            if count >= 8 {
                if count > 16 { return memcmp(ours, theirs, count) == 0 }
                let head = ours.loadUnaligned(as: UInt64.self) ^ theirs.loadUnaligned(as: UInt64.self)
                let tail = ours.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
                    ^ theirs.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
                return head | tail == 0
            }
            if count >= 4 {
                let head = ours.loadUnaligned(as: UInt32.self) ^ theirs.loadUnaligned(as: UInt32.self)
                let tail = ours.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
                    ^ theirs.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
                return head | tail == 0
            }
            // 1 to 3 bytes: the first, middle and last cover them all.
            func byte(_ p: UnsafeRawPointer, _ i: Int) -> UInt8 { p.load(fromByteOffset: i, as: UInt8.self) }
            return byte(ours, 0) == byte(theirs, 0) && byte(ours, count >> 1) == byte(theirs, count >> 1)
                && byte(ours, count - 1) == byte(theirs, count - 1)
        }
    }

    /// Bytes of memory the entry occupies, as the allocator sees it (for INFO memory estimates).
    public var footprint: Int {
        // Object header (16) + EntryHeader (16) + bytes, rounded to malloc's 16-byte chunks
        // with its 8-byte chunk header; a collection's reference and the collection itself.
        let stored = isObject ? MemoryLayout<UInt>.size : valueCount
        let request = 32 + keyCount + stored
        return max(32, (request + 8 + 15) & ~15) + (object?.footprint ?? 0)
    }
}
