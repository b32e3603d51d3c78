/// A frozen view of a keyspace: what a snapshot file or a clone is written from.
///
/// It holds the keyspace's slot pages as they were when it was taken — both arrays' while the
/// table is resizing (each key is in exactly one of them). The keyspace never writes a page a
/// snapshot shares (it copies the page first), and entries are immutable, so reading a
/// snapshot on another thread needs no lock.
public struct KeyspaceSnapshot: @unchecked Sendable, Sequence {
    // @unchecked Sendable: the pages are mutable class instances, but the keyspace writes a
    // page only while `isKnownUniquelyReferenced` says nothing else holds it, and this
    // snapshot holds every page it can reach. So no page of a snapshot is ever written again,
    // and the entries in it are immutable: other threads only ever read them.
    let pages: SlotPages

    /// The number of entries.
    public let count: Int

    init(pages: SlotPages, count: Int) {
        self.pages = pages
        self.count = count
    }

    public var underestimatedCount: Int { count }

    public func makeIterator() -> Iterator { Iterator(pages: pages.makeIterator()) }

    /// Walks the frozen pages slot by slot, yielding the occupied ones.
    public struct Iterator: IteratorProtocol {
        var pages: SlotPages.Iterator

        public mutating func next() -> Entry? { pages.next() }
    }
}
