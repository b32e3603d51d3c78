/// A frozen view of a keyspace: what a snapshot file or a clone is written from.
///
/// It holds the keyspace's slot pages as they were when it was taken. The keyspace never
/// writes a page a snapshot shares (it copies the page first), and entries are immutable, so
/// reading a snapshot on another thread needs no lock.
public struct KeyspaceSnapshot: @unchecked Sendable, Sequence {
    // @unchecked Sendable: the pages are mutable class instances, but the keyspace writes a
    // page only while `isKnownUniquelyReferenced` says nothing else holds it, and this
    // snapshot holds every page it can reach. So no page of a snapshot is ever written again,
    // and the entries in it are immutable: other threads only ever read them.
    let pages: ContiguousArray<SlotPage>

    /// The number of entries.
    public let count: Int

    init(pages: ContiguousArray<SlotPage>, count: Int) {
        self.pages = pages
        self.count = count
    }

    public var underestimatedCount: Int { count }

    public func makeIterator() -> Iterator { Iterator(pages: pages) }

    /// Walks the frozen pages slot by slot, yielding the occupied ones.
    public struct Iterator: IteratorProtocol {
        let pages: ContiguousArray<SlotPage>
        var page = 0
        var slot = 0

        init(pages: ContiguousArray<SlotPage>) { self.pages = pages }

        public mutating func next() -> Entry? {
            while page < pages.count {
                let current = pages[page]
                while slot < current.count {
                    defer { slot += 1 }
                    if let entry = current[slot] { return entry }
                }
                page += 1
                slot = 0
            }
            return nil
        }
    }
}
