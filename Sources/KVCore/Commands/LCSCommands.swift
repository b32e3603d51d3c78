/// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]: the longest common subsequence
/// of two strings, by Redis's dynamic-programming table and its walk back from the end (which
/// fixes which of several equally long subsequences is answered, and the order of the ranges).
extension Keyspace {
    mutating func lcs(_ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]) throws(CommandError) -> Reply {
        let first = live(a[1], context: c, effects: &e)
        let second = live(a[2], context: c, effects: &e)
        if first?.isObject == true || second?.isObject == true {
            throw CommandError("ERR The specified keys must contain string values")
        }
        var wantsLength = false
        var wantsRanges = false
        var withMatchLength = false
        var minimumMatch: Int64 = 0
        var index = 3
        while index < a.count {
            if a.matches(index, "idx") {
                wantsRanges = true
            } else if a.matches(index, "len") {
                wantsLength = true
            } else if a.matches(index, "withmatchlen") {
                withMatchLength = true
            } else if a.matches(index, "minmatchlen") && index + 1 < a.count {
                guard let value = a.integer(index + 1) else { throw .notInteger }
                minimumMatch = max(value, 0)
                index += 1
            } else {
                throw .syntax
            }
            index += 1
        }
        if wantsRanges && wantsLength {
            throw CommandError("ERR If you want both the length and indexes, please just use IDX.")
        }
        let x = first?.value ?? []
        let y = second?.value ?? []
        // Redis refuses a table larger than proto-max-bulk-len before allocating it.
        let (cells, overflow) = (x.count + 1).multipliedReportingOverflow(by: y.count + 1)
        if overflow || cells > c.maxValueSize / 4 {
            throw CommandError("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
        }
        let table = LCSTable(x, y)
        let length = table.length
        if wantsLength { return .integer(Int64(length)) }
        var ranges: [Reply] = []
        let subsequence = table.walk { match in
            guard wantsRanges, minimumMatch == 0 || match.count >= minimumMatch else { return }
            var range: [Reply] = [
                .array([.integer(Int64(match.x.lowerBound)), .integer(Int64(match.x.upperBound - 1))]),
                .array([.integer(Int64(match.y.lowerBound)), .integer(Int64(match.y.upperBound - 1))]),
            ]
            if withMatchLength { range.append(.integer(Int64(match.count))) }
            ranges.append(.array(range))
        }
        guard wantsRanges else { return .bulk(subsequence) }
        return .map([(.bulk("matches"), .array(ranges)), (.bulk("len"), .integer(Int64(length)))])
    }
}

/// The table of LCS lengths of every pair of prefixes: `cell(i, j)` is the length of the
/// longest common subsequence of `x[..<i]` and `y[..<j]`.
struct LCSTable {
    /// A run of matched bytes contiguous in both strings, as the walk back finds them.
    struct Match {
        var x: Range<Int>
        var y: Range<Int>
        var count: Int { x.count }
    }

    private let x: [UInt8]
    private let y: [UInt8]
    private var cells: [UInt32]

    init(_ x: [UInt8], _ y: [UInt8]) {
        self.x = x
        self.y = y
        let width = y.count + 1
        cells = [UInt32](repeating: 0, count: (x.count + 1) * width)
        cells.withUnsafeMutableBufferPointer { cells in
            for i in 1..<(x.count + 1) {
                for j in 1..<width {
                    cells[i * width + j] = x[i - 1] == y[j - 1]
                        ? cells[(i - 1) * width + j - 1] + 1
                        : Swift.max(cells[(i - 1) * width + j], cells[i * width + j - 1])
                }
            }
        }
    }

    func cell(_ i: Int, _ j: Int) -> Int { Int(cells[i * (y.count + 1) + j]) }

    /// The LCS's length.
    var length: Int { cell(x.count, y.count) }

    /// Walks back from the ends as Redis's `lcsCommand` does (on a mismatch, up when the
    /// cell above is strictly larger, else left), reporting each run of contiguous matches
    /// from the last to the first; answers the subsequence.
    func walk(_ report: (Match) -> Void) -> [UInt8] {
        var subsequence = [UInt8](repeating: 0, count: length)
        var i = x.count
        var j = y.count
        var run: Match?
        var remaining = length
        while i > 0 && j > 0 {
            var emit = false
            if x[i - 1] == y[j - 1] {
                subsequence[remaining - 1] = x[i - 1]
                remaining -= 1
                if var current = run {
                    if current.x.lowerBound == i && current.y.lowerBound == j {
                        current.x = (i - 1)..<current.x.upperBound
                        current.y = (j - 1)..<current.y.upperBound
                        run = current
                    } else {
                        emit = true  // as Redis: the run ends, this match starts none
                    }
                } else {
                    run = Match(x: (i - 1)..<i, y: (j - 1)..<j)
                }
                if let current = run, current.x.lowerBound == 0 || current.y.lowerBound == 0 { emit = true }
                i -= 1
                j -= 1
            } else {
                if cell(i - 1, j) > cell(i, j - 1) { i -= 1 } else { j -= 1 }
                if run != nil { emit = true }
            }
            if emit, let current = run {
                report(current)
                run = nil
            }
        }
        return subsequence
    }
}
