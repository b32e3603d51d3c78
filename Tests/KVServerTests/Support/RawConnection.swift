import Foundation

/// A plain TCP connection for sending bytes no client library would (hostile input,
/// truncated frames) and reading exactly what comes back.
final class RawConnection {
    private let socket: Int32

    init(port: Int) throws {
        socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            close(socket)
            throw HarnessError("cannot connect to 127.0.0.1:\(port)")
        }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Wraps an accepted socket (a fake peer's side).
    init(adopting socket: Int32) {
        self.socket = socket
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(socket) }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Foundation.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return }
            offset += sent
        }
    }

    func send(_ text: String) { send(Array(text.utf8)) }

    /// One read of at most `limit` bytes, once at least `count` arrived (or the peer closed, or
    /// 5 s passed): for a client that reads slowly.
    func read(atLeast count: Int, atMost limit: Int) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: limit)
        while result.count < count {
            let received = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, limit - result.count, 0) }
            if received <= 0 { break }
            result += chunk[0..<received]
        }
        return result
    }

    /// Reads until `count` bytes arrived, the peer closed, or 5 s passed.
    func read(atLeast count: Int) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while result.count < count {
            let received = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if received <= 0 { break }
            result += chunk[0..<received]
        }
        return result
    }

    /// Reads until the text contains `marker` (or the peer closes / 5 s pass).
    func read(until marker: String) -> String {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while !String(decoding: result, as: UTF8.self).contains(marker) {
            let received = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if received <= 0 { break }
            result += chunk[0..<received]
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// Reads until `count` CRLF-terminated lines arrived (or the peer closes / 5 s pass);
    /// returns them without their line ends.
    func readLines(_ count: Int) -> [String] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while String(decoding: result, as: UTF8.self).components(separatedBy: "\r\n").count <= count {
            let received = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if received <= 0 { break }
            result += chunk[0..<received]
        }
        return Array(String(decoding: result, as: UTF8.self).components(separatedBy: "\r\n").prefix(count))
    }

    /// Reads until the server closes the connection or `seconds` pass; `closed` is true
    /// when it closed cleanly (end of file, not a reset).
    func readUntilClosed(within seconds: TimeInterval) -> (bytes: [UInt8], closed: Bool) {
        let deadline = Date().addingTimeInterval(seconds)
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return (result, false) }
            let microseconds = min(999_999, Int((left - left.rounded(.down)) * 1_000_000) + 1000)
            var timeout = timeval(tv_sec: Int(left), tv_usec: .init(microseconds))
            setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let received = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if received == 0 { return (result, true) }
            if received < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
                return (result, false)
            }
            result += chunk[0..<received]
        }
    }

    /// True when the server closed the connection (a read returns end-of-file).
    func isClosedByPeer() -> Bool {
        var byte: UInt8 = 0
        return recv(socket, &byte, 1, 0) == 0
    }
}
