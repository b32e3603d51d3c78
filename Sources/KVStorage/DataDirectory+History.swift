import KVCore

extension DataDirectory {
    /// The history id stored in `history`, or nil when the file does not exist.
    ///
    /// The file is one line of text, `<32 hex digits>\n`, so that an operator can read it with
    /// `cat` and compare it with `/status`. It is only ever replaced atomically (see
    /// `writeHistory`), so anything else in it is corruption.
    public func readHistory() throws -> HistoryID? {
        guard FileSystem.exists(historyPath) else { return nil }
        let bytes = try FileSystem.read(historyPath)
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.hasSuffix("\n"), let history = HistoryID(text.dropLast()) else {
            throw StorageError(.corruption, "the history file does not hold a 32-hex-digit history id",
                               path: historyPath, offset: 0)
        }
        return history
    }

    /// Stores `history`: temp file → fsync → rename → fsync directory, so that a crash leaves
    /// either no history file or a complete one.
    public func writeHistory(_ history: HistoryID) throws {
        try FileSystem.writeAtomically(Array((history.description + "\n").utf8), to: historyPath)
    }
}
