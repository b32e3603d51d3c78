/// A list: byte strings in order, head to tail.
///
/// Redis 7.0's quicklist: a sequence of nodes (`ListNodes`), each a `PackedList` of at most
/// `maximumNodeBytes` (Redis's `list-max-listpack-size -2`, 8 KiB; one element larger than
/// that has a node of its own) and at most `maximumNodeCount` elements: a pop at the tail
/// walks its node from the front (a `PackedList` has no backward links, unlike a listpack),
/// so the walk stays short however small the elements. Pushing and popping at either end touch only the end node,
/// O(1) amortised whatever the length; an index is reached by skipping whole nodes by their
/// counts from the nearer end, then walking one node. A small list is one packed buffer.
/// OBJECT ENCODING says "quicklist" for every list, as Redis 7.0 does.
public final class ListObject: ValueObject, @unchecked Sendable {
    public static let maximumNodeBytes = 8192
    public static let maximumNodeCount = 128

    private var nodes = ListNodes()
    private var elementCount = 0
    /// The nodes' footprints, kept as they change.
    private var nodeBytes = 0

    required init() {}

    override public var kind: ValueKind { .list }
    override public var count: Int { elementCount }
    override public var footprint: Int { 48 + nodes.capacity * 16 + nodeBytes }
    override public var encodingName: String { "quicklist" }

    /// Nodes, for tests of the node layout.
    var nodeCount: Int { nodes.count }
    func node(_ position: Int) -> PackedList { nodes[position] }

    override public func clone() -> ValueObject {
        let copy = ListObject()
        copy.nodes = nodes  // slots and node bytes shared, copied on write
        copy.elementCount = elementCount
        copy.nodeBytes = nodeBytes
        return copy
    }

    /// Edits node `position` in place, keeping `nodeBytes`.
    private func modifyNode<R>(_ position: Int, _ body: (inout PackedList) -> R) -> R {
        nodes.modify(position) { node in
            let before = node.footprint
            defer { nodeBytes += node.footprint - before }
            return body(&node)
        }
    }

    private func insertNode(_ node: PackedList, at position: Int) {
        nodes.insert(node, at: position)
        nodeBytes += node.footprint
    }

    private func removeNode(at position: Int) {
        nodeBytes -= nodes[position].footprint
        nodes.remove(at: position)
    }

    // MARK: Ends

    /// LPUSH of one element.
    public func pushHead(_ element: UnsafeRawBufferPointer) {
        let size = PackedList.encodedSize(element.count)
        if !nodes.isEmpty && fits(nodes[0], adding: size) {
            modifyNode(0) { $0.insert(element, at: 0) }
        } else {
            var node = PackedList()
            node.append(element)
            insertNode(node, at: 0)
        }
        elementCount += 1
    }

    /// RPUSH of one element.
    public func pushTail(_ element: UnsafeRawBufferPointer) {
        let size = PackedList.encodedSize(element.count)
        let last = nodes.count - 1
        if last >= 0 && fits(nodes[last], adding: size) {
            modifyNode(last) { $0.append(element) }
        } else {
            var node = PackedList()
            node.append(element)
            insertNode(node, at: nodes.count)
        }
        elementCount += 1
    }

    /// True when `node` can take an element of `size` packed bytes.
    private func fits(_ node: PackedList, adding size: Int) -> Bool {
        node.byteCount + size <= Self.maximumNodeBytes && node.count < Self.maximumNodeCount
    }

    /// Removes `n` elements (at most `count`) from the head, calling `body` with each, head
    /// first.
    public func removeHead(_ n: Int, _ body: ((UnsafeRawBufferPointer) -> Void)? = nil) {
        var remaining = min(n, elementCount)
        elementCount -= remaining
        while remaining > 0 {
            let node = nodes[0]
            if node.count <= remaining {
                if let body { node.forEach { body($1); return true } }
                remaining -= node.count
                removeNode(at: 0)
                continue
            }
            var end = 0
            var taken = 0
            node.forEach { offset, element in
                guard taken < remaining else {
                    end = offset
                    return false
                }
                body?(element)
                taken += 1
                return true
            }
            let removed = remaining
            modifyNode(0) { $0.removeSubrange(0..<end, elements: removed) }
            remaining = 0
        }
    }

    /// Removes `n` elements (at most `count`) from the tail, calling `body` with each, tail
    /// first (RPOP's order).
    public func removeTail(_ n: Int, _ body: ((UnsafeRawBufferPointer) -> Void)? = nil) {
        var remaining = min(n, elementCount)
        elementCount -= remaining
        while remaining > 0 {
            let last = nodes.count - 1
            let node = nodes[last]
            let taken = min(remaining, node.count)
            let start = node.offset(ofPosition: node.count - taken)
            if let body {
                var offsets: [Int] = []
                offsets.reserveCapacity(taken)
                var offset = start
                while offset < node.byteCount {
                    offsets.append(offset)
                    offset = node.next(after: offset)
                }
                for offset in offsets.reversed() { node.withElement(at: offset, body) }
            }
            remaining -= taken
            if taken == node.count {
                removeNode(at: last)
            } else {
                modifyNode(last) { $0.removeSubrange(start..<$0.byteCount, elements: taken) }
            }
        }
    }

    /// Removes every element.
    public func removeAll() {
        nodes.removeAll()
        elementCount = 0
        nodeBytes = 0
    }

    // MARK: Positions

    /// The node holding element `index` (0…count-1) and the element's position in it,
    /// skipping nodes by their counts from the nearer end.
    private func locate(_ index: Int) -> (node: Int, position: Int) {
        if index < elementCount / 2 {
            var rest = index
            var node = 0
            while rest >= nodes[node].count {
                rest -= nodes[node].count
                node += 1
            }
            return (node, rest)
        }
        var rest = elementCount - 1 - index  // from the tail
        var node = nodes.count - 1
        while rest >= nodes[node].count {
            rest -= nodes[node].count
            node -= 1
        }
        return (node, nodes[node].count - 1 - rest)
    }

    /// A copy of the element at `index` (0-based from the head), or nil out of range.
    public func element(at index: Int) -> [UInt8]? {
        guard index >= 0 && index < elementCount else { return nil }
        let (node, position) = locate(index)
        let list = nodes[node]
        return list.copy(at: list.offset(ofPosition: position))
    }

    /// LSET: replaces the element at `index` (in range).
    public func replace(at index: Int, with element: UnsafeRawBufferPointer) {
        let (node, position) = locate(index)
        modifyNode(node) { $0.replace(at: $0.offset(ofPosition: position), with: element) }
        splitIfLarge(node)
    }

    /// LINSERT: inserts `element` so that it is at `index` (0…count).
    public func insert(_ element: UnsafeRawBufferPointer, at index: Int) {
        if index == 0 { return pushHead(element) }
        if index == elementCount { return pushTail(element) }
        let (node, position) = locate(index)
        modifyNode(node) { $0.insert(element, at: $0.offset(ofPosition: position)) }
        elementCount += 1
        splitIfLarge(node)
    }

    /// Splits node `position` in halves, again and again, until every part fits or holds one
    /// element.
    private func splitIfLarge(_ position: Int) {
        let node = nodes[position]
        guard (node.byteCount > Self.maximumNodeBytes && node.count > 1) || node.count > Self.maximumNodeCount else { return }
        let kept = node.count / 2
        let tail = modifyNode(position) { $0.split(at: $0.offset(ofPosition: kept), elements: $0.count - kept) }
        insertNode(tail, at: position + 1)
        splitIfLarge(position + 1)
        splitIfLarge(position)
    }

    /// LREM: removes the elements at `positions` (ascending, distinct, in range) in one pass
    /// over the nodes that hold them, then merges the nodes around those that fit in one.
    public func remove(atPositions positions: [Int]) {
        guard !positions.isEmpty else { return }
        var next = 0  // into positions
        var node = 0
        var start = 0  // the index of node's first element
        var firstTouched: Int?
        while node < nodes.count && next < positions.count {
            let list = nodes[node]
            let end = start + list.count
            guard positions[next] < end else {
                start = end
                node += 1
                continue
            }
            if firstTouched == nil { firstTouched = node }
            var kept = PackedList()
            var index = start
            list.forEach { _, element in
                if next < positions.count && positions[next] == index {
                    next += 1
                } else {
                    kept.append(element)
                }
                index += 1
                return true
            }
            elementCount -= list.count - kept.count
            start = end
            if kept.count == 0 {
                removeNode(at: node)
            } else {
                modifyNode(node) { $0 = kept }
                node += 1
            }
        }
        mergeSmallNodes(from: (firstTouched ?? 0) - 1, through: node)
    }

    /// Joins each node from `start` with the next while the two fit in one, up to node `end`
    /// (after removals in the middle).
    private func mergeSmallNodes(from start: Int, through end: Int) {
        var node = max(0, start)
        var end = min(end, nodes.count - 1)
        while node < end {
            if nodes[node].byteCount + nodes[node + 1].byteCount <= Self.maximumNodeBytes
                && nodes[node].count + nodes[node + 1].count <= Self.maximumNodeCount {
                let following = nodes[node + 1]
                removeNode(at: node + 1)
                modifyNode(node) { $0.append(contentsOf: following) }
                end -= 1
            } else {
                node += 1
            }
        }
    }

    /// LTRIM: keeps the elements from `start` to `stop` (inclusive, in range, start ≤ stop).
    public func trim(start: Int, stop: Int) {
        removeTail(elementCount - 1 - stop)
        removeHead(start)
    }

    // MARK: Walks

    /// Calls `body` with the elements from `start` on, head to tail, until it answers false.
    public func forEach(from start: Int = 0, _ body: (UnsafeRawBufferPointer) -> Bool) {
        guard start < elementCount else { return }
        var (node, skip) = locate(max(0, start))
        while node < nodes.count {
            var stop = false
            nodes[node].forEach { _, element in
                if skip > 0 {
                    skip -= 1
                    return true
                }
                stop = !body(element)
                return !stop
            }
            if stop { return }
            node += 1
        }
    }

    /// Calls `body` with the elements tail to head until it answers false.
    public func forEachReversed(_ body: (UnsafeRawBufferPointer) -> Bool) {
        var node = nodes.count - 1
        var offsets: [Int] = []
        while node >= 0 {
            let list = nodes[node]
            offsets.removeAll(keepingCapacity: true)
            list.forEach { offset, _ in
                offsets.append(offset)
                return true
            }
            for offset in offsets.reversed() {
                guard list.withElement(at: offset, body) else { return }
            }
            node -= 1
        }
    }

    /// Copies of the elements from `start` to `stop` (inclusive, in range).
    /// Elements `start` through `stop`, in RESP form, for a reply.
    public func encodedElements(from start: Int, to stop: Int) -> EncodedBulks {
        var bulks = EncodedBulks(.array, reservingBytes: min(nodeBytes, 64 &* (stop &- start &+ 1)))
        forEach(from: start) { element in
            bulks.append(element)
            return bulks.count <= stop - start
        }
        return bulks
    }

    public func elements(from start: Int, to stop: Int) -> [[UInt8]] {
        var result: [[UInt8]] = []
        result.reserveCapacity(stop - start + 1)
        forEach(from: start) { element in
            result.append(Array(element))
            return result.count <= stop - start
        }
        return result
    }

    // MARK: ValueObject

    override public func encodePayload(into buffer: inout [UInt8]) {
        ValuePayload.appendCount(elementCount, to: &buffer)
        forEach { element in
            ValuePayload.append(element, to: &buffer)
            return true
        }
    }

    override func decodePayload(_ reader: inout ValuePayload.Reader) throws(ValuePayload.Malformed) {
        let elements = try reader.elementCount()
        for _ in 0..<elements { pushTail(try reader.element()) }
    }

    override public func digestElements(_ body: ([UInt8]) -> Void) {
        forEach { element in
            body(Array(element))
            return true
        }
    }

    override func apply(_ edit: CollectionEdit) {
        let items = edit.items
        switch edit.action {
        case .listPushHead:
            for item in items { item.withUnsafeBytes { pushHead($0) } }
        case .listPushTail:
            for item in items { item.withUnsafeBytes { pushTail($0) } }
        case .listPopHead:
            removeHead(CollectionEdit.number(items[0]))
        case .listPopTail:
            removeTail(CollectionEdit.number(items[0]))
        case .listSet:
            let index = CollectionEdit.number(items[0])
            if index < elementCount { items[1].withUnsafeBytes { replace(at: index, with: $0) } }
        case .listInsert:
            let index = CollectionEdit.number(items[0])
            if index <= elementCount { items[1].withUnsafeBytes { insert($0, at: index) } }
        case .listRemoveAt:
            var positions = items.map(CollectionEdit.number).filter { $0 < elementCount }
            positions.sort()
            var distinct: [Int] = []
            for position in positions where distinct.last != position { distinct.append(position) }
            remove(atPositions: distinct)
        case .listTrim:
            let start = CollectionEdit.number(items[0])
            let stop = min(CollectionEdit.number(items[1]), elementCount - 1)
            if start > stop { removeAll() } else { trim(start: start, stop: stop) }
        default:
            break  // another type's edit: the keyspace never routes one here
        }
    }
}
