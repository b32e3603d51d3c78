/// A slot's tag: bits of its entry's hash that the slot index does not use, or 0 for an empty
/// slot. A lookup compares tags before it dereferences an entry (see `SlotTable.tag(of:)`).
typealias SlotTag = UInt8

/// A fixed run of hash-table slots in one heap block: `count` slots (each an entry or
/// nothing), then `count` tags.
///
/// ```
/// [ object header | count | slot 0 … slot count−1 (8 B each) | tag 0 … tag count−1 (1 B each) ]
/// ```
///
/// Slot i and tag i describe the same slot: tag i is 0 exactly when slot i is empty. Keeping
/// the tags in their own dense array means a probe sequence reads one cache line of tags for
/// up to 64 slots, and a lookup only loads a slot (and dereferences its entry) whose tag
/// matches.
///
/// Pages are the unit of copy-on-write: a snapshot shares the live table's pages, and the
/// table copies a page before its first write to it while the page is shared.
///
/// The hot accessors take the page's slot count from the caller (the table knows it), so
/// that finding the tags costs no load of the page's header.
final class SlotPage: ManagedBuffer<Int, Entry?> {

    /// The largest page: 4096 slots (32 KiB of slots + 4 KiB of tags), so that a write after
    /// a snapshot copies at most that.
    static let maximumSlotCountLog2 = 12

    /// A full-size page of empty slots that every array shares for its pages not yet written
    /// (`SlotArray`): a resize's new array starts as references to it. Never written: the
    /// static reference keeps it shared, so a write always makes a page of its own first.
    nonisolated(unsafe) static let empty = SlotPage.make(count: 1 << maximumSlotCountLog2)

    /// Tail elements (of `Entry?`'s size) to allocate for `count` slots and their tags.
    private static func elementCount(slots count: Int) -> Int {
        let slotStride = MemoryLayout<Entry?>.stride
        return count + (count * MemoryLayout<SlotTag>.stride + slotStride - 1) / slotStride
    }

    /// A page of `count` empty slots.
    static func make(count: Int) -> SlotPage {
        let page = unsafeDowncast(
            SlotPage.create(minimumCapacity: elementCount(slots: count)) { _ in count }, to: SlotPage.self)
        page.withUnsafeMutablePointerToElements { slots in
            slots.initialize(repeating: nil, count: count)
            UnsafeMutableRawPointer(slots + count).initializeMemory(as: SlotTag.self, repeating: 0, count: count)
        }
        return page
    }

    deinit {
        withUnsafeMutablePointers { count, slots in _ = slots.deinitialize(count: count.pointee) }
    }

    /// The number of slots.
    var count: Int { header }

    /// A page with the same entries and tags, for writing while this one stays shared.
    func copy() -> SlotPage {
        let count = self.count
        let page = unsafeDowncast(
            SlotPage.create(minimumCapacity: SlotPage.elementCount(slots: count)) { _ in count }, to: SlotPage.self)
        withUnsafeMutablePointerToElements { source in
            page.withUnsafeMutablePointerToElements { target in
                target.initialize(from: source, count: count)
                UnsafeMutableRawPointer(target + count).initializeMemory(
                    as: SlotTag.self, from: UnsafeRawPointer(source + count).assumingMemoryBound(to: SlotTag.self),
                    count: count)
            }
        }
        return page
    }

    /// The entry in slot `index`.
    @inline(__always) subscript(index: Int) -> Entry? {
        withUnsafeMutablePointerToElements { $0[index] }
    }

    /// The tag of slot `index` in a page of `count` slots (0 when the slot is empty).
    /// Calls `body` with the occupied slot `index` itself, so that it can ask whether the slot
    /// holds the only reference to its entry and replace it. The page must be unshared.
    @inline(__always) func withSlot<R>(_ index: Int, _ body: (inout Entry?) throws -> R) rethrows -> R {
        try withUnsafeMutablePointerToElements { try body(&$0[index]) }
    }

    @inline(__always) func tag(_ index: Int, count: Int) -> SlotTag {
        withUnsafeMutablePointerToElements {
            UnsafeRawPointer($0 + count).assumingMemoryBound(to: SlotTag.self)[index]
        }
    }

    /// Writes slot `index` and its tag (0 with nil) in a page of `count` slots.
    @inline(__always) func set(_ entry: Entry?, tag: SlotTag, at index: Int, count: Int) {
        withUnsafeMutablePointerToElements {
            $0[index] = entry
            UnsafeMutableRawPointer($0 + count).assumingMemoryBound(to: SlotTag.self)[index] = tag
        }
    }
}
