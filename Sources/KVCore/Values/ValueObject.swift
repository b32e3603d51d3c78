/// A collection value: a hash, list, set or sorted set (`HashObject`, …). Strings are not
/// objects: their bytes live in the entry itself.
///
/// An object is reached only through entries. When its entry has one holder (the keyspace's
/// slot: no snapshot page, log record or reply holds it) and the object has one entry, nobody
/// else can see it, and the keyspace edits it in place (`Keyspace.withObject`). Otherwise it
/// edits a `clone()` under a new entry, leaving the shared one as every holder saw it.
///
/// Objects are only touched under the keyspace's owner (the store's lock); a snapshot reads
/// objects on another thread only once no writer can reach them (see above), hence
/// `@unchecked Sendable`.
public class ValueObject: @unchecked Sendable {
    /// The value's type.
    public var kind: ValueKind { fatalError("ValueObject.kind is abstract") }

    /// The number of elements (fields, members); a collection with none is deleted.
    public var count: Int { fatalError("ValueObject.count is abstract") }

    /// An estimate of the bytes the object occupies, kept as elements come and go (O(1)).
    public var footprint: Int { fatalError("ValueObject.footprint is abstract") }

    /// The encoding OBJECT ENCODING names: "listpack", "hashtable", …
    public var encodingName: String { fatalError("ValueObject.encodingName is abstract") }

    /// An independent copy: editing either never shows in the other.
    public func clone() -> ValueObject { fatalError("ValueObject.clone is abstract") }

    /// The elements in the payload form of snapshots, object puts and DUMP (`ValuePayload`).
    public func encodePayload(into buffer: inout [UInt8]) { fatalError("ValueObject.encodePayload is abstract") }

    /// Every element as byte strings, in a canonical order (sorted for unordered types), for
    /// DEBUG DIGEST: equal datasets digest equally whatever their encodings and histories.
    public func digestElements(_ body: ([UInt8]) -> Void) { fatalError("ValueObject.digestElements is abstract") }

    /// Reads the elements of a payload into this empty object (`ValuePayload.decode`).
    func decodePayload(_ reader: inout ValuePayload.Reader) throws(ValuePayload.Malformed) {
        fatalError("ValueObject.decodePayload is abstract")
    }

    /// Applies one logged edit of this type (`CollectionEdit`, already checked by
    /// `Action.accepts`), as the primary applied it.
    func apply(_ edit: CollectionEdit) { fatalError("ValueObject.apply is abstract") }

    /// An empty collection.
    required init() {}
}
