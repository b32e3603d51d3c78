import KVCore

/// Finds one client command at the start of the bytes a connection has buffered, without
/// copying them: the arguments come back as `ArgumentBounds` into those bytes, from which the
/// server builds `Arguments` and runs the command in place.
///
/// Accepts what Redis accepts: RESP arrays of bulk strings (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`),
/// as every client library sends, and inline commands (`GET k\r\n`), as typed into telnet.
///
/// The parser remembers where an incomplete command stopped, so a command arriving in many
/// reads (a large value, a long MSET) is read once in total rather than once per read. The
/// caller must then pass the same command again, with more bytes behind it, starting at the
/// same byte (the bytes may have moved; offsets are relative). The static `parse` keeps no
/// memory and starts from scratch each time.
public struct RESPCommandParser: Sendable {
    /// The limits checked before anything is allocated or waited for. Changing them between
    /// commands is fine (the server tightens them until a client authenticates).
    public var limits: RESPLimits

    /// Where an incomplete command stopped.
    private var progress = Progress()
    /// The bounds of an incomplete command read so far; kept apart so that the caller's array
    /// changes only when a whole command is there.
    private var pendingBounds: [ArgumentBounds] = []

    /// A parser with the given limits.
    public init(limits: RESPLimits = RESPLimits()) {
        self.limits = limits
    }

    /// Parses one command at the start of `bytes` with no memory of earlier calls.
    public static func parse(
        _ bytes: UnsafeRawBufferPointer,
        limits: RESPLimits,
        into bounds: inout [ArgumentBounds]
    ) -> RESPParseResult {
        var parser = RESPCommandParser(limits: limits)
        return parser.parse(bytes, into: &bounds)
    }

    /// Parses one command at the start of `bytes`, resuming where the last call stopped when
    /// it returned `.incomplete`. On `.command` the arguments are appended to `bounds`, which
    /// is otherwise left as it was.
    public mutating func parse(
        _ bytes: UnsafeRawBufferPointer,
        into bounds: inout [ArgumentBounds]
    ) -> RESPParseResult {
        guard !bytes.isEmpty else { return .incomplete(needed: max(1, progress.position)) }
        let result: RESPParseResult
        switch progress.form {
        case .undecided where bytes[0] == ASCII.star:
            // The common case, kept free of copies: arguments go straight into `bounds`.
            progress.form = .array
            let start = bounds.count
            result = readArray(bytes, into: &bounds)
            if case .incomplete = result {
                pendingBounds.append(contentsOf: bounds[start...])
            }
            if case .command = result {} else {
                bounds.removeSubrange(start...)
            }
        case .array:
            var pending: [ArgumentBounds] = []
            swap(&pending, &pendingBounds)
            result = readArray(bytes, into: &pending)
            if case .command = result {
                bounds.append(contentsOf: pending)
            }
            if case .incomplete = result {} else { pending.removeAll(keepingCapacity: true) }
            swap(&pending, &pendingBounds)
        case .undecided, .inline:
            progress.form = .inline
            result = readInline(bytes)
        }
        if case .incomplete = result {} else {
            progress = Progress()
        }
        return result
    }
}

extension RESPCommandParser {
    /// How far an incomplete command has been read.
    struct Progress: Sendable {
        enum Form: Sendable { case undecided, array, inline }
        var form = Form.undecided
        /// The offset of the next unread part: an element's `$` line or its data. 0 until the
        /// `*N` line has been read.
        var position = 0
        /// Array elements not yet read.
        var remaining = 0
        /// The length of the bulk string whose data starts at `position`; -1 before its `$` line.
        var bulkLength = -1
        /// The current line holds no line end before this offset.
        var scanned = 0
    }

    /// Reads a RESP array of bulk strings, appending each element's bounds to `bounds`.
    private mutating func readArray(
        _ bytes: UnsafeRawBufferPointer,
        into bounds: inout [ArgumentBounds]
    ) -> RESPParseResult {
        if progress.position == 0 {
            switch readHeader(bytes) {
            case let .count(count):
                progress.remaining = count
            case let .finished(result):
                return result
            }
        }
        while progress.remaining > 0 {
            if progress.bulkLength < 0, let stop = readBulkHeader(bytes) {
                return stop
            }
            let start = progress.position
            let end = start + progress.bulkLength
            guard end + 2 <= bytes.count else { return .incomplete(needed: end + 2) }
            guard bytes[end] == ASCII.cr, bytes[end + 1] == ASCII.lf else {
                return .malformed(.missingBulkTerminator)
            }
            bounds.append(ArgumentBounds(offset: start, count: progress.bulkLength))
            progress.position = end + 2
            progress.bulkLength = -1
            progress.remaining -= 1
        }
        return .command(consumed: progress.position)
    }

    private enum Header {
        case count(Int)
        case finished(RESPParseResult)
    }

    /// Reads the `*N` line.
    private mutating func readHeader(_ bytes: UnsafeRawBufferPointer) -> Header {
        let cr: Int
        switch LineEnd.search(
            bytes, for: ASCII.cr, start: 0, from: max(1, progress.scanned), maxLength: limits.maxInlineLength)
        {
        case let .found(offset): cr = offset
        case let .pending(scanned):
            progress.scanned = scanned
            return .finished(.incomplete(needed: nil))
        case .tooLong: return .finished(.malformed(.tooBigMultibulkCountString))
        }
        guard cr + 1 < bytes.count else {
            progress.scanned = cr
            return .finished(.incomplete(needed: cr + 2))
        }
        guard bytes[cr + 1] == ASCII.lf, let count = ASCIIDecimal.parse(bytes, 1..<cr),
            count <= limits.maxArgumentCount
        else {
            return .finished(.malformed(.invalidMultibulkLength))
        }
        if limits.requiresAuthentication && count > RESPLimits.unauthenticatedArgumentCount {
            return .finished(.malformed(.unauthenticatedMultibulkLength))
        }
        // Like Redis, `*0` and `*-1` are no command at all.
        guard count > 0 else { return .finished(.empty(consumed: cr + 2)) }
        progress.position = cr + 2
        progress.scanned = 0
        return .count(Int(count))
    }

    /// Reads the `$N` line of the element at `progress.position`; nil once it is read.
    private mutating func readBulkHeader(_ bytes: UnsafeRawBufferPointer) -> RESPParseResult? {
        let start = progress.position
        guard start < bytes.count else { return .incomplete(needed: start + 1) }
        // Redis waits for the whole line before it looks; the first byte already tells.
        guard bytes[start] == ASCII.dollar else { return .malformed(.expectedDollar(got: bytes[start])) }
        let cr: Int
        switch LineEnd.search(
            bytes, for: ASCII.cr, start: start, from: max(start + 1, progress.scanned),
            maxLength: limits.maxInlineLength)
        {
        case let .found(offset): cr = offset
        case let .pending(scanned):
            progress.scanned = scanned
            return .incomplete(needed: nil)
        case .tooLong: return .malformed(.tooBigBulkCountString)
        }
        guard cr + 1 < bytes.count else {
            progress.scanned = cr
            return .incomplete(needed: cr + 2)
        }
        guard bytes[cr + 1] == ASCII.lf, let length = ASCIIDecimal.parse(bytes, (start + 1)..<cr), length >= 0 else {
            return .malformed(.invalidBulkLength)
        }
        guard length <= limits.maxBulkLength else {
            return .malformed(.bulkOverLimit(limits.maxBulkLength, name: limits.maxBulkLengthName))
        }
        if limits.requiresAuthentication && length > RESPLimits.unauthenticatedBulkLength {
            return .malformed(.unauthenticatedBulkLength)
        }
        // Checked before waiting for the data, so an oversized request is refused at once.
        guard Int64(cr + 4) + length <= Int64(limits.maxRequestLength) else {
            return .malformed(.requestOverLimit(limits.maxRequestLength, name: limits.maxRequestLengthName))
        }
        progress.position = cr + 2
        progress.bulkLength = Int(length)
        progress.scanned = 0
        return nil
    }

    /// Reads an inline command: one line, split like Redis's `sdssplitargs`.
    private mutating func readInline(_ bytes: UnsafeRawBufferPointer) -> RESPParseResult {
        let lf: Int
        switch LineEnd.search(bytes, for: ASCII.lf, start: 0, from: progress.scanned, maxLength: limits.maxInlineLength)
        {
        case let .found(offset): lf = offset
        case let .pending(scanned):
            progress.scanned = scanned
            return .incomplete(needed: nil)
        case .tooLong: return .malformed(.tooBigInlineRequest)
        }
        let lineEnd = lf > 0 && bytes[lf - 1] == ASCII.cr ? lf - 1 : lf
        guard let parts = InlineCommand.split(UnsafeRawBufferPointer(rebasing: bytes[0..<lineEnd])) else {
            return .malformed(.unbalancedQuotes)
        }
        if parts.isEmpty { return .empty(consumed: lf + 1) }
        return .inline(consumed: lf + 1, arguments: OwnedArguments(parts))
    }
}
