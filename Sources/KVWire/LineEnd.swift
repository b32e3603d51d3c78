#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The result of looking for the end of a protocol line.
enum LineEnd: Equatable {
    /// The terminator byte is at this offset.
    case found(Int)
    /// Not there yet; the bytes before `scanned` hold no terminator, so the next search of the
    /// same line can start there instead of at the line's start.
    case pending(scanned: Int)
    /// The line is already longer than allowed.
    case tooLong

    /// Looks for `terminator` in the line that starts at `start`, searching from `from` on, when
    /// at most `maxLength` bytes may precede the terminator.
    ///
    /// Bounded by `maxLength`, so a peer that never sends a line end cannot make each read
    /// rescan everything it sent before.
    static func search(
        _ bytes: UnsafeRawBufferPointer,
        for terminator: UInt8,
        start: Int,
        from: Int,
        maxLength: Int
    ) -> LineEnd {
        let available = bytes.count - start
        // The terminator may sit at `start + maxLength` at most; written to avoid overflow
        // when `maxLength` is `Int.max`.
        let searchEnd = maxLength < available ? start + maxLength + 1 : bytes.count
        let from = max(from, start)
        if from < searchEnd, let base = bytes.baseAddress,
            let hit = memchr(base + from, Int32(terminator), searchEnd - from)
        {
            return .found(base.distance(to: UnsafeRawPointer(hit)))
        }
        return maxLength < available ? .tooLong : .pending(scanned: searchEnd)
    }
}

/// Byte values the protocol is written in.
enum ASCII {
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let star = UInt8(ascii: "*")
    static let dollar = UInt8(ascii: "$")
}
