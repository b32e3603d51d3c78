/// Sorted, distinct 64-bit integers packed in one byte array, each `width` bytes little-endian:
/// the compact encoding of small integer sets, as Redis's `intset.c`.
///
/// The width is the smallest of 2, 4 and 8 bytes that holds every value ever added; adding a
/// value that does not fit widens every element at once (an upgrade), and removals never
/// narrow it, as in Redis. Lookups are binary searches; insertions and removals move the tail
/// of the array, which is why sets leave this encoding past `SetObject.maximumIntsetCount`.
struct IntSet: Sendable {
    private(set) var bytes: [UInt8] = []
    /// Bytes per element: 2, 4 or 8.
    private(set) var width = 2

    /// The number of elements.
    var count: Int { bytes.count / width }

    /// Bytes of memory: the array's block (header and capacity) and the struct.
    var footprint: Int { bytes.isEmpty ? 16 : 32 + bytes.capacity + 16 }

    /// The width a value needs.
    static func width(of value: Int64) -> Int {
        if value >= Int64(Int16.min) && value <= Int64(Int16.max) { return 2 }
        if value >= Int64(Int32.min) && value <= Int64(Int32.max) { return 4 }
        return 8
    }

    /// The element at `index` (0 ..< count), in ascending order.
    func value(at index: Int) -> Int64 {
        bytes.withUnsafeBytes { IntSet.load($0, index, width) }
    }

    @inline(__always)
    private static func load(_ raw: UnsafeRawBufferPointer, _ index: Int, _ width: Int) -> Int64 {
        let offset = index &* width
        switch width {
        case 2: return Int64(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int16.self)))
        case 4: return Int64(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
        default: return Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int64.self))
        }
    }

    @inline(__always)
    private static func store(_ value: Int64, _ raw: UnsafeMutableRawBufferPointer, _ index: Int, _ width: Int) {
        let offset = index &* width
        switch width {
        case 2: raw.storeBytes(of: Int16(truncatingIfNeeded: value).littleEndian, toByteOffset: offset, as: Int16.self)
        case 4: raw.storeBytes(of: Int32(truncatingIfNeeded: value).littleEndian, toByteOffset: offset, as: Int32.self)
        default: raw.storeBytes(of: value.littleEndian, toByteOffset: offset, as: Int64.self)
        }
    }

    /// The index of `value` if present; otherwise where it would be inserted.
    func search(_ value: Int64) -> (found: Bool, index: Int) {
        bytes.withUnsafeBytes { raw in
            var low = 0
            var high = raw.count / width
            while low < high {
                let middle = (low &+ high) >> 1
                let candidate = IntSet.load(raw, middle, width)
                if candidate == value { return (true, middle) }
                if candidate < value { low = middle &+ 1 } else { high = middle }
            }
            return (false, low)
        }
    }

    /// True when `value` is an element. A value wider than the elements cannot be one.
    func contains(_ value: Int64) -> Bool {
        IntSet.width(of: value) <= width && search(value).found
    }

    /// Inserts `value`; false when it was already there.
    mutating func insert(_ value: Int64) -> Bool {
        let needed = IntSet.width(of: value)
        if needed > width {
            // Wider than every element: it goes at one end, as Redis's intsetUpgradeAndAdd.
            upgrade(to: needed)
            let index = value < 0 ? 0 : count
            bytes.insert(contentsOf: repeatElement(0, count: width), at: index * width)
            bytes.withUnsafeMutableBytes { IntSet.store(value, $0, index, width) }
            return true
        }
        let (found, index) = search(value)
        if found { return false }
        bytes.insert(contentsOf: repeatElement(0, count: width), at: index * width)
        bytes.withUnsafeMutableBytes { IntSet.store(value, $0, index, width) }
        return true
    }

    /// Removes `value`; false when it was not there.
    mutating func remove(_ value: Int64) -> Bool {
        guard IntSet.width(of: value) <= width else { return false }
        let (found, index) = search(value)
        guard found else { return false }
        removeElement(at: index)
        return true
    }

    /// Removes the element at `index`.
    mutating func removeElement(at index: Int) {
        bytes.removeSubrange((index * width)..<((index + 1) * width))
    }

    /// Rewrites every element `newWidth` bytes wide.
    private mutating func upgrade(to newWidth: Int) {
        let oldWidth = width
        let count = self.count
        var widened = [UInt8](repeating: 0, count: count * newWidth)
        bytes.withUnsafeBytes { old in
            widened.withUnsafeMutableBytes { new in
                for index in 0..<count { IntSet.store(IntSet.load(old, index, oldWidth), new, index, newWidth) }
            }
        }
        bytes = widened
        width = newWidth
    }

    /// Calls `body` with each element in ascending order.
    func forEach(_ body: (Int64) -> Void) {
        bytes.withUnsafeBytes { raw in
            for index in 0..<(raw.count / width) { body(IntSet.load(raw, index, width)) }
        }
    }
}

extension Int64 {
    /// Calls `body` with the decimal text of the value (Redis's `ll2string`), written on the
    /// stack: no allocation per element when a set of integers is listed.
    @inline(__always)
    func withDecimal<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var magnitude = magnitude
            var position = 20
            repeat {
                position -= 1
                buffer[position] = UInt8(truncatingIfNeeded: magnitude % 10) &+ UInt8(ascii: "0")
                magnitude /= 10
            } while magnitude > 0
            if self < 0 {
                position -= 1
                buffer[position] = UInt8(ascii: "-")
            }
            return body(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[position..<20]))
        }
    }
}
