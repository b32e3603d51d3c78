/// A fixed run of hash-table slots, each holding an entry or nothing, in one heap block.
///
/// Pages are the unit of copy-on-write: a snapshot shares the live table's pages, and the
/// table copies a page before its first write to it while the page is shared.
final class SlotPage: ManagedBuffer<Int, Entry?> {

    /// The largest page: 4096 slots (32 KiB), so that a write after a snapshot copies at most that.
    static let maximumSlotCountLog2 = 12

    /// A page of `count` empty slots.
    static func make(count: Int) -> SlotPage {
        let page = unsafeDowncast(SlotPage.create(minimumCapacity: count) { _ in count }, to: SlotPage.self)
        page.withUnsafeMutablePointerToElements { $0.initialize(repeating: nil, count: count) }
        return page
    }

    deinit {
        withUnsafeMutablePointers { count, slots in _ = slots.deinitialize(count: count.pointee) }
    }

    /// The number of slots.
    var count: Int { header }

    /// A page with the same entries, for writing while this one stays shared.
    func copy() -> SlotPage {
        let count = self.count
        let page = unsafeDowncast(SlotPage.create(minimumCapacity: count) { _ in count }, to: SlotPage.self)
        withUnsafeMutablePointerToElements { source in
            page.withUnsafeMutablePointerToElements { $0.initialize(from: source, count: count) }
        }
        return page
    }

    /// The entry in slot `index`.
    @inline(__always) subscript(index: Int) -> Entry? {
        get { withUnsafeMutablePointerToElements { $0[index] } }
        set { withUnsafeMutablePointerToElements { $0[index] = newValue } }
    }

    /// True when slot `index` holds an entry (without retaining it).
    @inline(__always) func isOccupied(_ index: Int) -> Bool {
        withUnsafeMutablePointerToElements { $0[index] != nil }
    }
}
