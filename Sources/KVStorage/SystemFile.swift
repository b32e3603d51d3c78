#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open file descriptor with the few operations the log and snapshots need, each turning
/// `errno` into a `StorageError` that names the file.
///
/// Plain POSIX calls rather than FileHandle: the flusher must control exactly when `write`
/// and `fdatasync` happen, and KVStorage has no Foundation dependency.
struct SystemFile: Sendable {
    let descriptor: Int32
    let path: String

    /// Opens `path` with `open(2)` flags; retries on EINTR.
    static func open(_ path: String, flags: Int32, mode: mode_t = 0o644) throws -> SystemFile {
        while true {
            let fd = Glibc_open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return SystemFile(descriptor: fd, path: path) }
            if errno != EINTR { throw StorageError.system("open", path: path, errno: errno) }
        }
    }

    /// Opens an existing file for reading.
    static func openForReading(_ path: String) throws -> SystemFile {
        try open(path, flags: O_RDONLY)
    }

    /// Writes every byte of `bytes`, retrying short writes and EINTR. On failure `written`
    /// says how many bytes did reach the file, so that a retry can continue after them.
    func write(_ bytes: UnsafeRawBufferPointer, written: inout Int) throws {
        while written < bytes.count {
            let result = Glibc_write(descriptor, bytes.baseAddress! + written, bytes.count - written)
            if result > 0 {
                written += result
            } else if result < 0 && errno == EINTR {
                continue
            } else {
                throw StorageError.system("write", path: path, errno: result < 0 ? errno : EIO)
            }
        }
    }

    /// Writes every byte of `bytes`.
    func write(_ bytes: [UInt8]) throws {
        var written = 0
        try bytes.withUnsafeBytes { (raw) in try write(raw, written: &written) }
    }

    /// Reads up to `count` bytes at `offset` into `buffer`; returns how many were read (0 at end).
    func read(into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int) throws -> Int {
        while true {
            let result = pread(descriptor, buffer, count, off_t(offset))
            if result >= 0 { return result }
            if errno != EINTR { throw StorageError.system("read", path: path, errno: errno, offset: offset) }
        }
    }

    /// Flushes the file's data (and the size that makes it reachable) to stable storage.
    func sync() throws {
        #if os(Linux)
        let result = fdatasync(descriptor)
        #else
        let result = fsync(descriptor)
        #endif
        if result != 0 { throw StorageError.system("fsync", path: path, errno: errno) }
    }

    /// Cuts the file to `length` bytes.
    func truncate(to length: Int) throws {
        if ftruncate(descriptor, off_t(length)) != 0 {
            throw StorageError.system("ftruncate", path: path, errno: errno, offset: length)
        }
    }

    /// The file's current size in bytes.
    func size() throws -> Int {
        var info = stat()
        if fstat(descriptor, &info) != 0 { throw StorageError.system("fstat", path: path, errno: errno) }
        return Int(info.st_size)
    }

    /// Moves the write position to the end (a reopened segment continues after its last record).
    func seekToEnd() throws -> Int {
        let result = lseek(descriptor, 0, SEEK_END)
        if result < 0 { throw StorageError.system("lseek", path: path, errno: errno) }
        return Int(result)
    }

    func close() {
        _ = Glibc_close(descriptor)
    }
}

// The module-level POSIX functions, renamed so that SystemFile's methods do not shadow them.
@inline(__always) private func Glibc_open(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
    open(path, flags, mode)
}
@inline(__always) private func Glibc_write(_ fd: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, pointer, count)
}
@inline(__always) private func Glibc_close(_ fd: Int32) -> Int32 {
    close(fd)
}
