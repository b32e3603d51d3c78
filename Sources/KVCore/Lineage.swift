/// A primary's term of office over a history: a new epoch starts each time a pod becomes the
/// primary of its history (every primary start after the first, every restore), so that a
/// record is identified by (epoch, LSN), as a Raft entry by (term, index).
///
/// Epoch 0 is the history's first: it starts at LSN 1 with no marker. Every later epoch
/// starts with a marker record (`WriteOperation.beginEpoch`) that the primary makes durable
/// before the epoch's first write, so no epoch number is ever used for two different sequences
/// of records.
public struct Epoch: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    /// The history's first epoch.
    public static let zero = Epoch(0)

    /// The epoch after this one.
    public var next: Epoch { Epoch(rawValue + 1) }

    public static func < (lhs: Epoch, rhs: Epoch) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
}

/// Which epoch each LSN of a log belongs to: the epochs' first LSNs, oldest first.
///
/// Carried by snapshots (all of it up to the snapshot's LSN) and rebuilt from the markers in
/// the log after that. Two logs of one history hold the same record at LSN `l` exactly when
/// both hold `l` and their lineages give `l` the same epoch (log matching): an epoch is
/// written by one primary, in order, after a prefix every holder of it shares.
public struct Lineage: Hashable, Sendable, CustomStringConvertible {
    /// One epoch and the LSN of its first record (its marker; 1 for epoch 0).
    public struct Start: Hashable, Sendable {
        public var epoch: Epoch
        public var firstLSN: LSN

        public init(epoch: Epoch, firstLSN: LSN) {
            self.epoch = epoch
            self.firstLSN = firstLSN
        }
    }

    /// Every epoch that began, oldest first: epochs and first LSNs strictly increasing, the
    /// first always epoch 0 at LSN 1.
    public private(set) var starts: [Start]

    /// A history's lineage before any epoch but the first.
    public init() { starts = [Start(epoch: .zero, firstLSN: LSN(1))] }

    /// A lineage from stored starts; nil unless they are well formed (see `starts`).
    public init?(starts: [Start]) {
        guard let first = starts.first, first == Start(epoch: .zero, firstLSN: LSN(1)) else { return nil }
        for (earlier, later) in zip(starts, starts.dropFirst())
        where later.epoch <= earlier.epoch || later.firstLSN <= earlier.firstLSN {
            return nil
        }
        self.starts = starts
    }

    /// The newest epoch.
    public var current: Epoch { starts[starts.count - 1].epoch }

    /// The epoch of the record at `lsn` (of the next record, for an LSN past the end). LSN 0,
    /// the empty prefix, is in epoch 0.
    public func epoch(at lsn: LSN) -> Epoch {
        var result = Epoch.zero
        for start in starts {
            guard start.firstLSN <= lsn else { break }
            result = start.epoch
        }
        return result
    }

    /// Records that epoch `epoch` starts at `lsn` (its marker). Ignored unless it is newer
    /// than every epoch known and starts after them — a marker applied twice (a replay of
    /// records the lineage already covers) changes nothing.
    public mutating func begin(_ epoch: Epoch, at lsn: LSN) {
        let last = starts[starts.count - 1]
        guard epoch > last.epoch, lsn > last.firstLSN else { return }
        starts.append(Start(epoch: epoch, firstLSN: lsn))
    }

    /// The lineage of a log cut back to end at `lsn`: epochs that began after it are gone.
    public func truncated(after lsn: LSN) -> Lineage {
        var copy = self
        while copy.starts.count > 1, copy.starts[copy.starts.count - 1].firstLSN > lsn { copy.starts.removeLast() }
        return copy
    }

    /// Whether a log with this lineage that ends at `end` holds the record (`epoch`, `lsn`),
    /// the last one of another log of the same history. LSN 0 (an empty log) is held by all.
    public func holds(epoch: Epoch, lsn: LSN, end: LSN) -> Bool {
        lsn == .zero || (lsn <= end && self.epoch(at: lsn) == epoch)
    }

    /// Where a log with this lineage ending at `end` and another log whose last record is
    /// (`epoch`, `lsn`) part: the fork point, which the other log must be cut back to. Only
    /// for a record this log does not hold (`holds` is false); the result is then below `lsn`.
    ///
    /// When this log knows `epoch`, the other's records of it (and everything before) are this
    /// log's up to where this log's copy of the epoch ends: the fork point is exact. When it
    /// does not (the other log holds an epoch this one never had), the other's records from
    /// that epoch's start on are not shared, and this log cannot see where it started: the
    /// answer is where this log's newest epoch before it ends, capped below `lsn` — an upper
    /// bound. A log cut back there asks again with its new last record, and each round the
    /// answer falls, until the logs match (at worst at LSN 0, the empty prefix).
    public func forkPoint(epoch: Epoch, lsn: LSN, end: LSN) -> LSN {
        guard lsn > .zero, let index = starts.lastIndex(where: { $0.epoch <= epoch }) else { return .zero }
        let epochEnd = index + 1 < starts.count ? LSN(starts[index + 1].firstLSN.rawValue - 1) : end
        // Known epoch: `lsn` is past this log's copy of it (else it would be held), so the
        // bound below `lsn` only matters for an unknown one.
        return min(LSN(lsn.rawValue - 1), epochEnd)
    }

    /// `0@1 3@120 4@200`: each epoch and its first LSN.
    public var description: String {
        starts.map { "\($0.epoch)@\($0.firstLSN)" }.joined(separator: " ")
    }
}
