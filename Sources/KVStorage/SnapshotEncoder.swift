import KVCore

/// Turns a frozen dataset into snapshot bytes, one chunk at a time — the same bytes whether
/// they go to a file (`SnapshotWriter`) or to a replica being cloned.
///
/// Streaming keeps memory flat: a 10 GB dataset is written through one ~1 MiB buffer, and the
/// snapshot shares entries with the live dataset instead of copying them.
public struct SnapshotEncoder {
    /// What the header says.
    public let header: SnapshotHeader
    /// Chunks are cut once they reach this size (an entry is never split across chunks, so a
    /// big value makes a bigger chunk).
    public let chunkSize: Int

    private var entries: DatasetSnapshot.Iterator
    /// Entries encoded so far; equals `header.entryCount` at the end unless the snapshot's
    /// `count` disagreed with its contents (then the output does not verify).
    public private(set) var entriesWritten: UInt64 = 0
    private var crc: UInt32 = 0
    private var phase = Phase.header

    private enum Phase { case header, entries, done }

    /// An encoder for `snapshot`, which holds the dataset as of `lsn` in `history`, whose
    /// epochs up to `lsn` are `lineage`.
    public init(history: HistoryID, lsn: LSN, lineage: Lineage, snapshot: DatasetSnapshot, chunkSize: Int = 1 << 20) {
        header = SnapshotHeader(history: history, lsn: lsn, entryCount: UInt64(snapshot.count), lineage: lineage)
        self.chunkSize = max(chunkSize, 64)
        entries = snapshot.makeIterator()
    }

    /// The next chunk of bytes, or nil when the trailer has been returned.
    public mutating func nextChunk() -> [UInt8]? {
        var chunk: [UInt8] = []
        guard encodeNext(into: &chunk) else { return nil }
        return chunk
    }

    /// Appends the next chunk to `buffer`; returns false (appending nothing) once the trailer
    /// has been produced.
    public mutating func encodeNext(into buffer: inout [UInt8]) -> Bool {
        switch phase {
        case .done:
            return false
        case .header:
            header.encode(into: &buffer)
            phase = .entries
        case .entries:
            break
        }
        let bodyStart = buffer.count
        buffer.reserveCapacity(bodyStart + chunkSize)
        var finished = false
        while buffer.count - bodyStart < chunkSize {
            guard let (database, entry) = entries.next() else {
                finished = true
                break
            }
            Self.encode(entry, database: database, into: &buffer)
            entriesWritten += 1
        }
        crc = buffer.withUnsafeBytes { CRC32C.update(crc, UnsafeRawBufferPointer(rebasing: $0[bodyStart...])) }
        if finished {
            // The trailer states what was really written: if the sequence did not match its
            // `count`, the snapshot fails verification instead of loading short.
            buffer.append(contentsOf: SnapshotHeader.trailerMagic)
            buffer.appendLittleEndian(entriesWritten)
            buffer.appendLittleEndian(crc)
            phase = .done
        }
        return true
    }

    static func encode(_ entry: Entry, database: Int = 0, into buffer: inout [UInt8]) {
        buffer.appendLittleEndian(UInt32(entry.keyCount))
        entry.withKey { buffer.append(contentsOf: $0) }
        buffer.appendLittleEndian(entry.expiresAt?.rawValue ?? 0)
        if database == 0 {
            buffer.append(entry.kind.rawValue)
        } else {
            buffer.append(entry.kind.rawValue | SnapshotHeader.databaseFlag)
            buffer.appendLittleEndian(UInt32(database))
        }
        if let object = entry.object {
            let lengthAt = buffer.count
            buffer.appendLittleEndian(UInt32(0))
            object.encodePayload(into: &buffer)
            buffer.storeLittleEndian(UInt32(buffer.count - lengthAt - 4), at: lengthAt)
        } else {
            buffer.appendLittleEndian(UInt32(entry.valueCount))
            entry.withValue { buffer.append(contentsOf: $0) }
        }
    }
}

extension SnapshotEncoder {
    /// An encoder of a single database's snapshot (database 0): tests and tools.
    public init(history: HistoryID, lsn: LSN, lineage: Lineage, snapshot: KeyspaceSnapshot, chunkSize: Int = 1 << 20) {
        self.init(history: history, lsn: lsn, lineage: lineage, snapshot: DatasetSnapshot(snapshot), chunkSize: chunkSize)
    }
}
