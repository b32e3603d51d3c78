#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure of the storage layer: a file that cannot be read or written, or data on disk that
/// does not verify.
///
/// Crosses module boundaries (the server reports it, logs it, refuses to start on it), so it is
/// a struct wrapping a code rather than an enum. Its description always names the file and,
/// where it applies, the byte offset — an operator must be able to find the damage.
public struct StorageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Bytes on disk do not verify: bad checksum, bad header, impossible length, unknown op.
        public static let corruption = Code("corruption")
        /// The log skips LSNs (a missing segment or record).
        public static let logGap = Code("log gap")
        /// A file carries another history id than the data directory.
        public static let historyMismatch = Code("history mismatch")
        /// The data directory holds log or snapshot files but no `history` file.
        public static let missingHistory = Code("missing history")
        /// Records asked for are older than the oldest segment the log still keeps.
        public static let logCompacted = Code("log compacted")
        /// A system call failed (open, write, fsync, rename…); `errno` says why.
        public static let io = Code("i/o error")
        /// The write log was closed.
        public static let closed = Code("closed")
        /// A caller passed something the storage cannot take (an out-of-order LSN…).
        public static let invalidArgument = Code("invalid argument")
    }

    /// What kind of failure this is.
    public var code: Code
    /// What went wrong, in words.
    public var message: String
    /// The file concerned, if any.
    public var path: String?
    /// The byte offset in `path` where the problem was found, if any.
    public var offset: Int?
    /// The system error number, for `.io` failures.
    public var errno: Int32?

    public init(_ code: Code, _ message: String, path: String? = nil, offset: Int? = nil, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.offset = offset
        self.errno = errno
    }

    /// `corruption: /data/log/00000000000000000001.log at byte 4096: checksum mismatch`
    public var description: String {
        var text = "\(code)"
        if let path { text += ": \(path)" }
        if let offset { text += " at byte \(offset)" }
        return text + ": " + message
    }

    /// A failed system call on `path`, with the system's words for `errno`.
    static func system(_ operation: String, path: String, errno code: Int32, offset: Int? = nil) -> StorageError {
        StorageError(.io, "\(operation) failed: \(String(cString: strerror(code))) (errno \(code))",
                     path: path, offset: offset, errno: code)
    }

    /// True when the failure is the disk being full: worth retrying once space returns.
    public var isOutOfSpace: Bool {
        errno == ENOSPC || errno == EDQUOT
    }
}
