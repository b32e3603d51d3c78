#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on the data directory, so that two servers never share one volume
/// (a stale or double-mounted PVC fails loudly instead of corrupting the log).
final class DataDirectoryLock {
    private let descriptor: Int32

    /// Creates the directory if needed and locks it; throws if another process holds it.
    init(directory: String) throws {
        try Self.makeDirectories(directory)
        let path = directory + "/kv.lock"
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw StartupError("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw StartupError("the data directory \(directory) is in use by another kv-server (\(path) is locked)")
        }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    static func makeDirectories(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw StartupError("cannot create the data directory \(current): \(String(cString: strerror(errno)))")
            }
        }
    }
}
