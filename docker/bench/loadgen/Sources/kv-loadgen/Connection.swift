import Glibc

/// One non-blocking TCP connection to the server: the bytes still to write, the intended send
/// times of the requests whose replies are outstanding (FIFO: RESP answers in order), and the
/// bytes read but not yet scanned into whole replies.
///
/// A request is queued on its connection at its intended time whatever the state of the
/// connection: a connection whose earlier reply is late keeps receiving requests on schedule,
/// and their latency counts from that schedule.
final class Connection {
    let fd: Int32
    private(set) var output: [UInt8] = []
    private var outputStart = 0
    /// Intended send times (monotonic ns) of the requests sent and not yet answered.
    private var pending: [Int64] = []
    private var pendingStart = 0
    private var input: [UInt8] = []
    private var inputStart = 0
    /// Where read(2) puts bytes before they join `input`.
    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
    /// EPOLLOUT is registered (a write would have blocked).
    var wantsWrite = false

    var outstanding: Int { pending.count - pendingStart }
    var hasOutput: Bool { outputStart < output.count }

    init(host: String, port: UInt16) throws(SystemError) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError(call: "socket", errno: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            close(fd)
            throw SystemError(call: "inet_pton(\(host))", errno: EINVAL)
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let e = errno
            close(fd)
            throw SystemError(call: "connect", errno: e)
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        output.reserveCapacity(4096)
        input.reserveCapacity(65536)
    }

    deinit {
        close(fd)
        scratch.deallocate()
    }

    /// Queues one request (its bytes are appended by `encode`) intended for `intended`.
    @inline(__always)
    func enqueue(intended: Int64, _ encode: (inout [UInt8]) -> Void) {
        encode(&output)
        pending.append(intended)
    }

    /// Removes and returns the oldest outstanding intended time.
    func popPending() -> Int64 {
        defer { pendingStart += 1 }
        return pending[pendingStart]
    }

    /// Writes as much queued output as the socket takes. Returns false on a hard error.
    func flush() -> Bool {
        while outputStart < output.count {
            let n = output.withUnsafeBufferPointer { buffer in
                write(fd, buffer.baseAddress! + outputStart, buffer.count - outputStart)
            }
            if n > 0 {
                outputStart += n
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                return true
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return false
            }
        }
        output.removeAll(keepingCapacity: true)
        outputStart = 0
        return true
    }

    /// Reads what is there and calls `answered(intended, isError)` for each complete reply.
    /// Returns false when the server closed the connection or sent something not understood.
    func readReplies(_ answered: (Int64, Bool) -> Void) -> Bool {
        while true {
            let got = read(fd, scratch.baseAddress!, scratch.count)
            if got > 0 {
                input.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[..<got]))
                if !scan(answered) { return false }
                if got < scratch.count { return true }
            } else if got == 0 {
                return false
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                return true
            } else if errno != EINTR {
                return false
            }
        }
    }

    /// Finds whole replies (simple string, error, integer, bulk string) in the input.
    private func scan(_ answered: (Int64, Bool) -> Void) -> Bool {
        let ok: Bool = input.withUnsafeBufferPointer { bytes in
            var i = inputStart
            let end = bytes.count
            while i < end {
                let type = bytes[i]
                var lineEnd = i + 1
                while lineEnd + 1 < end && !(bytes[lineEnd] == 13 && bytes[lineEnd + 1] == 10) { lineEnd += 1 }
                guard lineEnd + 1 < end else { break }  // the line is not complete yet
                var next = lineEnd + 2
                switch type {
                case UInt8(ascii: "+"), UInt8(ascii: ":"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                    break
                case UInt8(ascii: "$"):
                    var length = 0
                    var negative = false
                    for j in (i + 1)..<lineEnd {
                        if bytes[j] == UInt8(ascii: "-") { negative = true } else { length = length * 10 + Int(bytes[j] &- 48) }
                    }
                    if !negative {
                        next += length + 2
                        if next > end { inputStart = i; return true }
                    }
                default:
                    return false
                }
                guard pendingStart < pending.count else { return false }  // a reply nobody asked for
                answered(pending[pendingStart], type == UInt8(ascii: "-"))
                pendingStart += 1
                i = next
            }
            inputStart = i
            return true
        }
        if inputStart == input.count {
            input.removeAll(keepingCapacity: true)
            inputStart = 0
        } else if inputStart > 32768 {
            input.removeFirst(inputStart)
            inputStart = 0
        }
        if pendingStart > 4096 && pendingStart * 2 > pending.count {
            pending.removeFirst(pendingStart)
            pendingStart = 0
        }
        return ok
    }
}

extension Connection {
    /// Hands out and forgets the intended times of every outstanding request (the run gave up).
    func drainPending(_ each: (Int64) -> Void) {
        while outstanding > 0 { each(popPending()) }
    }
}
