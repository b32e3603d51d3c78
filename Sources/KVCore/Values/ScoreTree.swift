#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The order of a sorted set: by score, then by member bytes (`memcmp`, shorter first on a
/// common prefix), as Redis's `zslInsert` orders its skip list.
enum ScoreOrder {
    /// The score an element entry holds (8 little-endian bytes of an IEEE double).
    @inline(__always) static func score(of entry: Entry) -> Double {
        entry.withValue { Double(bitPattern: UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
    }

    /// Byte order of two members: negative, zero or positive.
    @inline(__always) static func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let common = min(a.count, b.count)
        if common > 0, let x = a.baseAddress, let y = b.baseAddress {
            let result = memcmp(x, y, common)
            if result != 0 { return Int(result) }
        }
        return a.count - b.count
    }

    /// True when (score a, member a) sorts before (score b, member b).
    @inline(__always) static func less(_ aScore: Double, _ a: UnsafeRawBufferPointer, _ bScore: Double, _ b: UnsafeRawBufferPointer) -> Bool {
        aScore < bScore || (aScore == bScore && compare(a, b) < 0)
    }

    /// True when `entry` sorts before (score, member).
    @inline(__always) static func entry(_ entry: Entry, isBefore score: Double, _ member: UnsafeRawBufferPointer) -> Bool {
        let entryScore = Self.score(of: entry)
        if entryScore != score { return entryScore < score }
        return entry.withKey { compare($0, member) } < 0
    }
}

/// An order-statistic B+ tree of a large sorted set's elements: every element (an `Entry`,
/// member as key, score as value — the same entries as the member table's) sits in a leaf in
/// (score, member) order; an inner node keeps, for each child, its element count and its last
/// element. Insert, delete, rank, element-by-rank and the first element of a score or lex
/// range are all O(log n), as Redis's skip list with spans gives.
///
/// Nodes are copied on write: `clone()` of a sorted set shares the root (O(1)), and the first
/// edit of either copy copies only the nodes on its path (O(log n) nodes of at most
/// `maximumFanout` references each).
struct ScoreTree {
    /// Elements per leaf, and children per inner node, at most.
    static let maximumFanout = 64
    /// Fewer than this and a node borrows from, or merges with, a sibling.
    static let minimumFanout = 16

    private(set) var root = ScoreNode(leaf: [])

    var count: Int { root.total }

    /// Adds `entry`, whose member is not in the tree.
    mutating func insert(_ entry: Entry) {
        if !isKnownUniquelyReferenced(&root) { root = root.copy() }
        let score = ScoreOrder.score(of: entry)
        let split = entry.withKey { member in ScoreTree.insert(entry, score, member, into: root) }
        if let split {
            let left = root
            root = ScoreNode(children: [left, split])
        }
    }

    private static func insert(_ entry: Entry, _ score: Double, _ member: UnsafeRawBufferPointer, into node: ScoreNode) -> ScoreNode? {
        if node.isLeaf {
            let index = node.entries.partitionPoint { !ScoreOrder.entry($0, isBefore: score, member) }
            node.entries.insert(entry, at: index)
            node.total += 1
            guard node.entries.count > maximumFanout else { return nil }
            // Appending (a bulk load in order) leaves full leaves behind it; otherwise halve.
            let cut = index == node.entries.count - 1 ? node.entries.count - 1 : node.entries.count / 2
            let right = ScoreNode(leaf: Array(node.entries[cut...]))
            node.entries.removeSubrange(cut...)
            node.total = node.entries.count
            return right
        }
        var index = node.lasts.partitionPoint { !ScoreOrder.entry($0, isBefore: score, member) }
        if index == node.children.count { index -= 1 }
        if !isKnownUniquelyReferenced(&node.children[index]) { node.children[index] = node.children[index].copy() }
        let child = node.children[index]
        let split = insert(entry, score, member, into: child)
        node.total += 1
        node.counts[index] = child.total
        node.lasts[index] = child.last
        if let split {
            node.children.insert(split, at: index + 1)
            node.counts.insert(split.total, at: index + 1)
            node.lasts.insert(split.last, at: index + 1)
        }
        guard node.children.count > maximumFanout else { return nil }
        let cut = index + 1 == node.children.count - 1 ? node.children.count - 1 : node.children.count / 2
        let right = ScoreNode(children: Array(node.children[cut...]))
        node.children.removeSubrange(cut...)
        node.counts.removeSubrange(cut...)
        node.lasts.removeSubrange(cut...)
        node.total -= right.total
        return right
    }

    /// Removes the element (score, member); answers its entry, nil when it is not there.
    @discardableResult
    mutating func remove(_ score: Double, _ member: UnsafeRawBufferPointer) -> Entry? {
        if !isKnownUniquelyReferenced(&root) { root = root.copy() }
        let removed = ScoreTree.remove(score, member, from: root)
        while !root.isLeaf && root.children.count <= 1 {
            root = root.children.first ?? ScoreNode(leaf: [])
        }
        return removed
    }

    private static func remove(_ score: Double, _ member: UnsafeRawBufferPointer, from node: ScoreNode) -> Entry? {
        if node.isLeaf {
            let index = node.entries.partitionPoint { !ScoreOrder.entry($0, isBefore: score, member) }
            guard index < node.entries.count, ScoreOrder.score(of: node.entries[index]) == score,
                  node.entries[index].hasKey(member) else { return nil }
            node.total -= 1
            return node.entries.remove(at: index)
        }
        let index = node.lasts.partitionPoint { !ScoreOrder.entry($0, isBefore: score, member) }
        guard index < node.children.count else { return nil }
        if !isKnownUniquelyReferenced(&node.children[index]) { node.children[index] = node.children[index].copy() }
        let child = node.children[index]
        guard let removed = remove(score, member, from: child) else { return nil }
        node.total -= 1
        if child.total == 0 {
            // An emptied child (the last under a node split off by an append) goes; so will
            // this node, from its parent, if it was the only one.
            node.children.remove(at: index)
            node.counts.remove(at: index)
            node.lasts.remove(at: index)
        } else if child.width < minimumFanout && node.children.count > 1 {
            rebalance(node, at: index)
        } else {
            node.counts[index] = child.total
            if child.total > 0 { node.lasts[index] = child.last }
        }
        return removed
    }

    /// Merges the child at `index` with a neighbour, or shares their elements evenly.
    private static func rebalance(_ node: ScoreNode, at index: Int) {
        let leftIndex = index > 0 ? index - 1 : index
        for position in [leftIndex, leftIndex + 1] where !isKnownUniquelyReferenced(&node.children[position]) {
            node.children[position] = node.children[position].copy()
        }
        let left = node.children[leftIndex]
        let right = node.children[leftIndex + 1]
        if left.width + right.width <= maximumFanout {
            left.absorb(right)
            node.children.remove(at: leftIndex + 1)
            node.counts.remove(at: leftIndex + 1)
            node.lasts.remove(at: leftIndex + 1)
        } else {
            left.share(with: right)
            node.counts[leftIndex + 1] = right.total
            node.lasts[leftIndex + 1] = right.last
        }
        node.counts[leftIndex] = left.total
        node.lasts[leftIndex] = left.last
    }

    /// The number of elements before the first one for which `isAtOrAfter` holds; it must be
    /// false for a prefix of the order and true for the rest (a range's bound).
    func partition(_ isAtOrAfter: (Entry) -> Bool) -> Int {
        var node = root
        var rank = 0
        while !node.isLeaf {
            let index = node.lasts.partitionPoint(isAtOrAfter)
            if index == node.children.count { return rank + node.total }
            for position in 0..<index { rank += node.counts[position] }
            node = node.children[index]
        }
        return rank + node.entries.partitionPoint(isAtOrAfter)
    }

    /// The rank (0-based) of (score, member), or of where it would go.
    func rank(_ score: Double, _ member: UnsafeRawBufferPointer) -> Int {
        partition { !ScoreOrder.entry($0, isBefore: score, member) }
    }

    /// The element at `rank` (0 ≤ rank < count).
    func entry(at rank: Int) -> Entry {
        var node = root
        var rest = rank
        while !node.isLeaf {
            var index = 0
            while rest >= node.counts[index] {
                rest -= node.counts[index]
                index += 1
            }
            node = node.children[index]
        }
        return node.entries[rest]
    }

    /// Calls `body` with the elements of ranks `range`, in order (or reversed), until it
    /// answers false.
    func forEach(_ range: Range<Int>, reverse: Bool = false, _ body: (Entry) -> Bool) {
        guard !range.isEmpty else { return }
        _ = ScoreTree.visit(root, range, offset: 0, reverse: reverse, body)
    }

    private static func visit(_ node: ScoreNode, _ range: Range<Int>, offset: Int, reverse: Bool, _ body: (Entry) -> Bool) -> Bool {
        if node.isLeaf {
            let lower = max(range.lowerBound - offset, 0)
            let upper = min(range.upperBound - offset, node.entries.count)
            guard lower < upper else { return true }
            if reverse {
                for index in (lower..<upper).reversed() where !body(node.entries[index]) { return false }
            } else {
                for index in lower..<upper where !body(node.entries[index]) { return false }
            }
            return true
        }
        var starts: [Int] = []
        starts.reserveCapacity(node.children.count)
        var start = offset
        for count in node.counts {
            starts.append(start)
            start += count
        }
        let order = reverse ? Array(node.children.indices.reversed()) : Array(node.children.indices)
        for index in order {
            let childStart = starts[index]
            let childEnd = childStart + node.counts[index]
            guard childEnd > range.lowerBound && childStart < range.upperBound else { continue }
            if !visit(node.children[index], range, offset: childStart, reverse: reverse, body) { return false }
        }
        return true
    }
}

/// A node of a `ScoreTree`: a leaf of elements, or an inner node of children.
final class ScoreNode {
    /// A leaf's elements, in order.
    var entries: [Entry] = []
    /// An inner node's children, their element counts and their last elements.
    var children: [ScoreNode] = []
    var counts: [Int] = []
    var lasts: [Entry] = []
    /// The elements under this node.
    var total: Int
    let isLeaf: Bool

    init(leaf entries: [Entry]) {
        isLeaf = true
        self.entries = entries
        total = entries.count
    }

    init(children: [ScoreNode]) {
        isLeaf = false
        self.children = children
        counts = children.map(\.total)
        lasts = children.map(\.last)
        total = counts.reduce(0, +)
    }

    private init(copying other: ScoreNode) {
        isLeaf = other.isLeaf
        entries = other.entries
        children = other.children
        counts = other.counts
        lasts = other.lasts
        total = other.total
    }

    /// A shallow copy: the same children and elements, shared until edited.
    func copy() -> ScoreNode { ScoreNode(copying: self) }

    /// The last element (the node is not empty).
    var last: Entry { isLeaf ? entries[entries.count - 1] : lasts[lasts.count - 1] }

    /// Elements (leaf) or children (inner node).
    var width: Int { isLeaf ? entries.count : children.count }

    /// Takes in every element or child of `right`, its next sibling.
    func absorb(_ right: ScoreNode) {
        if isLeaf {
            entries += right.entries
        } else {
            children += right.children
            counts += right.counts
            lasts += right.lasts
        }
        total += right.total
    }

    /// Shares the elements or children of this node and `right` (its next sibling) evenly.
    func share(with right: ScoreNode) {
        if isLeaf {
            let all = entries + right.entries
            let cut = all.count / 2
            entries = Array(all[..<cut])
            right.entries = Array(all[cut...])
            total = entries.count
            right.total = right.entries.count
        } else {
            let allChildren = children + right.children
            let allCounts = counts + right.counts
            let allLasts = lasts + right.lasts
            let cut = allChildren.count / 2
            children = Array(allChildren[..<cut])
            counts = Array(allCounts[..<cut])
            lasts = Array(allLasts[..<cut])
            right.children = Array(allChildren[cut...])
            right.counts = Array(allCounts[cut...])
            right.lasts = Array(allLasts[cut...])
            total = counts.reduce(0, +)
            right.total = right.counts.reduce(0, +)
        }
    }
}

extension Array {
    /// The index of the first element for which `predicate` holds, given that it is false
    /// for a prefix and true for the rest (binary search).
    @inline(__always) func partitionPoint(_ predicate: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if predicate(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
