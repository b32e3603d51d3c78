#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Directory-level operations: listing, renaming, removing, and the directory fsync that makes
/// a create, rename or unlink survive a power loss.
enum FileSystem {
    /// The names in `path` (without `.` and `..`).
    static func contents(of path: String) throws -> [String] {
        guard let directory = opendir(path) else { throw StorageError.system("opendir", path: path, errno: errno) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func size(of path: String) throws -> Int {
        var info = stat()
        if stat(path, &info) != 0 { throw StorageError.system("stat", path: path, errno: errno) }
        return Int(info.st_size)
    }

    /// Creates `path` (and its parents) if missing.
    static func createDirectory(_ path: String) throws {
        if isDirectory(path) { return }
        let parent = parentDirectory(of: path)
        if parent != path && !parent.isEmpty { try createDirectory(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw StorageError.system("mkdir", path: path, errno: errno)
        }
    }

    static func remove(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT { throw StorageError.system("unlink", path: path, errno: errno) }
    }

    static func rename(_ from: String, to: String) throws {
        if Glibc_rename(from, to) != 0 { throw StorageError.system("rename to \(to)", path: from, errno: errno) }
    }

    /// fsyncs a directory, so that entries created, renamed or removed in it are durable.
    static func syncDirectory(_ path: String) throws {
        let directory = try SystemFile.open(path, flags: O_RDONLY | O_DIRECTORY)
        defer { directory.close() }
        if fsync(directory.descriptor) != 0 { throw StorageError.system("fsync", path: path, errno: errno) }
    }

    /// Writes `bytes` to `path` so that readers see either the old file or the whole new one:
    /// temp file → fsync → rename → fsync directory.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let temporary = path + ".tmp"
        let file = try SystemFile.open(temporary, flags: O_WRONLY | O_CREAT | O_TRUNC)
        do {
            try file.write(bytes)
            try file.sync()
            file.close()
        } catch {
            file.close()
            try? remove(temporary)
            throw error
        }
        try rename(temporary, to: path)
        try syncDirectory(parentDirectory(of: path))
    }

    /// Reads a whole (small) file.
    static func read(_ path: String) throws -> [UInt8] {
        let file = try SystemFile.openForReading(path)
        defer { file.close() }
        let size = try file.size()
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        while filled < size {
            let count = try bytes.withUnsafeMutableBytes { (raw) in
                try file.read(into: raw.baseAddress! + filled, count: size - filled, at: filled)
            }
            if count == 0 { break }
            filled += count
        }
        return Array(bytes.prefix(filled))
    }

    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}

@inline(__always) private func Glibc_rename(_ from: String, _ to: String) -> Int32 {
    rename(from, to)
}
