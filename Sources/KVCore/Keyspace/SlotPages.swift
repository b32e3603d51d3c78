/// The entries of one or two page lists (a table's current array, then the one a resize is
/// emptying), walked slot by slot: what `SlotTable.entries` and `KeyspaceSnapshot` iterate.
///
/// Pages are copied before any write while something else holds them, so a `SlotPages` taken
/// from a table is a frozen view of it.
struct SlotPages: Sequence {
    let lists: [ContiguousArray<SlotPage>]

    init(_ lists: [ContiguousArray<SlotPage>]) { self.lists = lists }

    func makeIterator() -> Iterator { Iterator(lists: lists) }

    /// Walks the pages slot by slot, yielding the occupied ones.
    struct Iterator: IteratorProtocol {
        let lists: [ContiguousArray<SlotPage>]
        var list = 0
        var page = 0
        var slot = 0

        init(lists: [ContiguousArray<SlotPage>]) { self.lists = lists }

        mutating func next() -> Entry? {
            while list < lists.count {
                let pages = lists[list]
                while page < pages.count {
                    let current = pages[page]
                    // The shared empty page holds nothing: skip it without walking its slots.
                    if current !== SlotPage.empty {
                        while slot < current.count {
                            defer { slot += 1 }
                            if let entry = current[slot] { return entry }
                        }
                    }
                    page += 1
                    slot = 0
                }
                list += 1
                page = 0
            }
            return nil
        }
    }
}
