#if canImport(Glibc)
import Glibc
#endif

/// The file descriptor of each TCP connection of this process, by its two ends (CLIENT LIST's
/// `fd=`; SwiftNIO does not expose a channel's descriptor). Read from Linux's `/proc`: each
/// socket's inode by its local and remote address (`/proc/net/tcp`, `tcp6`), then each
/// descriptor's inode (`/proc/self/fd`). Made once per CLIENT LIST; elsewhere (no `/proc`), empty.
struct SocketDescriptors {
    /// `local remote` (each `ip:port` as CLIENT LIST writes it) → descriptor.
    private var byEnds: [String: Int] = [:]

    static func read() -> SocketDescriptors {
        var result = SocketDescriptors()
        var inodes: [String: String] = [:]  // inode → "local remote"
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = readText(table) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count > 9, let local = address(fields[1]), let remote = address(fields[2]) else { continue }
                inodes[String(fields[9])] = local + " " + remote
            }
        }
        guard let directory = opendir("/proc/self/fd") else { return result }
        defer { closedir(directory) }
        var target = [CChar](repeating: 0, count: 256)
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let descriptor = Int(name) else { continue }
            let length = readlink("/proc/self/fd/" + name, &target, target.count - 1)
            guard length > 0 else { continue }
            let link = String(decoding: target[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard link.hasPrefix("socket:["), link.hasSuffix("]") else { continue }
            if let ends = inodes[String(link.dropFirst(8).dropLast())] { result.byEnds[ends] = descriptor }
        }
        return result
    }

    /// The descriptor of the connection from `remote` to `local`, or nil.
    func descriptor(local: String, remote: String) -> Int? { byEnds[local + " " + remote] }

    /// `0100007F:1F90` → `127.0.0.1:8080`; IPv6 as CLIENT LIST writes it (`::1:6379`; a mapped
    /// IPv4 address as IPv4).
    static func address(_ field: Substring) -> String? {
        let parts = field.split(separator: ":")
        guard parts.count == 2, let port = UInt16(parts[1], radix: 16) else { return nil }
        let hex = Array(parts[0])
        var bytes: [UInt8] = []
        var index = 0
        while index + 1 < hex.count {
            guard let byte = UInt8(String(hex[index...index + 1]), radix: 16) else { return nil }
            bytes.append(byte)
            index += 2
        }
        // The kernel prints each 32-bit word in host (little-endian) order.
        var ordered: [UInt8] = []
        for word in stride(from: 0, to: bytes.count, by: 4) { ordered += bytes[word..<min(word + 4, bytes.count)].reversed() }
        switch ordered.count {
        case 4:
            return ordered.map(String.init).joined(separator: ".") + ":\(port)"
        case 16:
            if ordered[0..<10].allSatisfy({ $0 == 0 }) && ordered[10] == 0xFF && ordered[11] == 0xFF {
                return ordered[12...].map(String.init).joined(separator: ".") + ":\(port)"
            }
            // As SwiftNIO prints it (inet_ntop), with no brackets, as CLIENT LIST's addresses.
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard ordered.withUnsafeBytes({ inet_ntop(AF_INET6, $0.baseAddress, &text, socklen_t(text.count)) }) != nil else {
                return nil
            }
            return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + ":\(port)"
        default:
            return nil
        }
    }

    private static func readText(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
