/// A list's nodes in order, head first: a ring buffer, so that a node is added or dropped at
/// either end in O(1) amortised (LPUSH, RPOP on a list of a million elements), and reached by
/// position in O(1).
///
/// A value type over one `ContiguousArray`: copying it (`ListObject.clone`) shares the slots,
/// and the nodes' own byte arrays, until one side writes — then only the slots array (16
/// bytes a node) and the one node written are copied. Free slots hold empty lists (no
/// allocation). Kept here rather than taking swift-collections' `Deque` into KVCore, which
/// depends on nothing.
struct ListNodes {
    /// A power of two long, or empty.
    private var slots: ContiguousArray<PackedList> = []
    private var head = 0
    private(set) var count = 0

    /// Slots allocated (the footprint counts them).
    var capacity: Int { slots.count }

    var isEmpty: Bool { count == 0 }

    @inline(__always)
    private func slot(_ position: Int) -> Int { (head + position) & (slots.count - 1) }

    /// The node at `position` (0: the head's).
    subscript(position: Int) -> PackedList {
        slots[slot(position)]
    }

    /// Runs `body` on the node at `position`, in place.
    mutating func modify<R>(_ position: Int, _ body: (inout PackedList) -> R) -> R {
        body(&slots[slot(position)])
    }

    mutating func append(_ node: PackedList) {
        growIfFull()
        slots[slot(count)] = node
        count += 1
    }

    mutating func prepend(_ node: PackedList) {
        growIfFull()
        head = (head - 1) & (slots.count - 1)
        slots[head] = node
        count += 1
    }

    /// Inserts `node` so that it is at `position` (0…count): O(distance to the tail).
    mutating func insert(_ node: PackedList, at position: Int) {
        if position == 0 { return prepend(node) }
        append(node)
        var index = count - 1
        while index > position {
            slots.swapAt(slot(index), slot(index - 1))
            index -= 1
        }
    }

    /// Removes the node at `position`: O(1) amortised at either end, O(distance to the tail)
    /// otherwise. The slots shrink by half when a quarter or less are used (a drained queue
    /// gives its memory back).
    mutating func remove(at position: Int) {
        if position == 0 {
            slots[head] = PackedList()
            head = (head + 1) & (slots.count - 1)
        } else {
            for index in position..<(count - 1) { slots.swapAt(slot(index), slot(index + 1)) }
            slots[slot(count - 1)] = PackedList()
        }
        count -= 1
        if count == 0 {
            removeAll()
        } else if slots.count > 8 && count * 4 <= slots.count {
            resize(to: slots.count / 2)
        }
    }

    /// Drops every node and the slots.
    mutating func removeAll() {
        slots = []
        head = 0
        count = 0
    }

    private mutating func growIfFull() {
        if count == slots.count { resize(to: Swift.max(4, slots.count * 2)) }
    }

    private mutating func resize(to capacity: Int) {
        var resized = ContiguousArray<PackedList>(repeating: PackedList(), count: capacity)
        for position in 0..<count { resized[position] = slots[slot(position)] }
        slots = resized
        head = 0
    }
}
