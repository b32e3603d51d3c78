#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Elements packed one after another in one byte array, each a LEB128 length and its bytes:
/// the compact encoding of small collections (Redis's listpack plays this part). Every
/// operation is a linear walk, which is why collections leave it past a few hundred elements
/// or bytes (`HashObject.maximumPackedCount`, …). Insertion order is kept.
struct PackedList: Sendable {
    private(set) var bytes: [UInt8] = []
    private(set) var count = 0

    /// Bytes of memory: the array's block (header and capacity) and the struct.
    var footprint: Int { bytes.isEmpty ? 16 : 32 + bytes.capacity + 16 }

    /// Calls `body` with each element and its offset, in order, until it answers false.
    func forEach(_ body: (_ offset: Int, _ element: UnsafeRawBufferPointer) -> Bool) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let (length, start) = PackedList.length(raw, at: offset)
                guard body(offset, UnsafeRawBufferPointer(rebasing: raw[start..<(start + length)])) else { return }
                offset = start + length
            }
        }
    }

    /// The offset of the first element equal to `wanted` among those at positions
    /// `phase`, `phase + stride`, … (a hash's fields: stride 2, phase 0).
    func offset(of wanted: UnsafeRawBufferPointer, stride: Int = 1) -> Int? {
        var found: Int?
        var position = 0
        forEach { offset, element in
            defer { position += 1 }
            if position % stride == 0 && element.count == wanted.count && memcmpEqual(element, wanted) {
                found = offset
                return false
            }
            return true
        }
        return found
    }

    /// Calls `body` with the element at `offset`.
    func withElement<R>(at offset: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        bytes.withUnsafeBytes { raw in
            let (length, start) = PackedList.length(raw, at: offset)
            return body(UnsafeRawBufferPointer(rebasing: raw[start..<(start + length)]))
        }
    }

    /// A copy of the element at `offset`.
    func copy(at offset: Int) -> [UInt8] { withElement(at: offset) { Array($0) } }

    /// The offset after the element at `offset`.
    func next(after offset: Int) -> Int {
        bytes.withUnsafeBytes { raw in
            let (length, start) = PackedList.length(raw, at: offset)
            return start + length
        }
    }

    /// Appends an element at the end.
    mutating func append(_ element: UnsafeRawBufferPointer) {
        PackedList.appendLength(element.count, to: &bytes)
        bytes.append(contentsOf: element)
        count += 1
    }

    /// Inserts an element before the one at `offset` (`bytes.count`: at the end), moving the
    /// bytes after it once (LPUSH inserts at offset 0 of a list's head node).
    mutating func insert(_ element: UnsafeRawBufferPointer, at offset: Int) {
        let header = PackedList.encodedSize(element.count) - element.count
        let size = header + element.count
        let moved = bytes.count - offset
        bytes.append(contentsOf: repeatElement(0, count: size))
        bytes.withUnsafeMutableBytes { raw in
            let base = raw.baseAddress!
            if moved > 0 { memmove(base + offset + size, base + offset, moved) }
            var rest = element.count
            var position = offset
            while rest >= 0x80 {
                raw[position] = UInt8(truncatingIfNeeded: rest) | 0x80
                rest >>= 7
                position += 1
            }
            raw[position] = UInt8(rest)
            if let source = element.baseAddress, element.count > 0 {
                (base + offset + header).copyMemory(from: source, byteCount: element.count)
            }
        }
        count += 1
    }

    /// Replaces the element at `offset`.
    mutating func replace(at offset: Int, with element: UnsafeRawBufferPointer) {
        var encoded: [UInt8] = []
        PackedList.appendLength(element.count, to: &encoded)
        encoded.append(contentsOf: element)
        bytes.replaceSubrange(offset..<next(after: offset), with: encoded)
    }

    /// Removes `elements` consecutive elements starting at `offset`.
    mutating func remove(at offset: Int, elements: Int = 1) {
        var end = offset
        for _ in 0..<elements { end = next(after: end) }
        bytes.removeSubrange(offset..<end)
        count -= elements
    }

    // MARK: Lists' nodes (`ListObject`)

    /// The bytes an element of `length` bytes takes: its LEB128 length and itself.
    static func encodedSize(_ length: Int) -> Int {
        var size = 1
        var rest = length
        while rest >= 0x80 {
            rest >>= 7
            size += 1
        }
        return size + length
    }

    /// The bytes the elements take (a list node's size, against its 8 KiB limit).
    var byteCount: Int { bytes.count }

    /// The offset of the element at `position` (0-based; `count`: the end).
    func offset(ofPosition position: Int) -> Int {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            for _ in 0..<position {
                let (length, start) = PackedList.length(raw, at: offset)
                offset = start + length
            }
            return offset
        }
    }

    /// Removes the elements in the bytes `offsets`, which hold `elements` elements.
    mutating func removeSubrange(_ offsets: Range<Int>, elements: Int) {
        bytes.removeSubrange(offsets)
        count -= elements
    }

    /// Moves the elements from `offset` on, `elements` of them, into a new list (a node split).
    mutating func split(at offset: Int, elements: Int) -> PackedList {
        var tail = PackedList()
        tail.bytes = Array(bytes[offset...])
        tail.count = elements
        bytes.removeSubrange(offset...)
        count -= elements
        return tail
    }

    /// Appends every element of `other` (two list nodes merged).
    mutating func append(contentsOf other: PackedList) {
        bytes.append(contentsOf: other.bytes)
        count += other.count
    }

    private static func length(_ raw: UnsafeRawBufferPointer, at offset: Int) -> (length: Int, start: Int) {
        var length = 0
        var shift = 0
        var position = offset
        while true {
            let byte = raw[position]
            length |= Int(byte & 0x7F) << shift
            position += 1
            if byte < 0x80 { return (length, position) }
            shift += 7
        }
    }

    private static func appendLength(_ length: Int, to bytes: inout [UInt8]) {
        var rest = length
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }
}

/// True when two buffers of equal length hold the same bytes.
@inline(__always)
func memcmpEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    guard a.count > 0, let x = a.baseAddress, let y = b.baseAddress else { return true }
    return memcmp(x, y, a.count) == 0
}
