import KVWire
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP connection for a command-line client: one request, wait for the answer.
/// (kv-cli does one thing at a time; an event loop would only add ceremony.)
final class PeerConnection {
    private let descriptor: Int32
    private var input = ByteBuffer()
    private var decoder = RESPValueDecoder()

    /// Connects to `host:port` (a name is resolved), failing after `timeout` seconds.
    init(host: String, port: Int, timeout: Double = 2) throws {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &results)
        guard status == 0, let first = results else {
            throw ClientError("cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(results) }
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        var lastError = ECONNREFUSED
        while let info = candidate {
            let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0)
            if fd >= 0 {
                var time = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
                if connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                    descriptor = fd
                    return
                }
                lastError = errno
                close(fd)
            }
            candidate = info.pointee.ai_next
        }
        throw ClientError("cannot connect to \(host):\(port): \(String(cString: strerror(lastError)))")
    }

    deinit { close(descriptor) }

    /// Sends one command and returns its reply.
    func call(_ arguments: [String]) throws -> RESPValue {
        var buffer = ByteBuffer()
        buffer.writeCommand(arguments)
        try send(buffer.readableBytesView)
        return try readValue()
    }

    /// Sends raw bytes (an HTTP request).
    func send(_ bytes: some Collection<UInt8>) throws {
        let array = Array(bytes)
        var offset = 0
        while offset < array.count {
            let sent = array[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw ClientError("the peer closed the connection") }
            offset += sent
        }
    }

    /// Everything the peer sends until it closes (an HTTP/1.0-style response).
    func readToEnd() throws -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count == 0 { return result }
            guard count > 0 else { throw ClientError("no answer in time") }
            result += chunk[0..<count]
        }
    }

    private func readValue() throws -> RESPValue {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let value = try decoder.decode(buffer: &input) { return value }
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw ClientError(count == 0 ? "the peer closed the connection" : "no answer in time") }
            input.writeBytes(chunk[0..<count])
        }
    }
}

/// A failure to report on one line.
struct ClientError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
