import Foundation

/// A TCP listener on loopback that runs `serve` for every connection: a hostile or broken
/// peer for replication tests.
final class FakePeer: @unchecked Sendable {
    // @unchecked Sendable: `listener` is closed once, by `stop`.
    let port: Int
    private let listener: Int32
    private let thread: Thread

    init(serve: @escaping @Sendable (RawConnection) -> Void) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0
            }
        } && listen(listener, 16) == 0
        guard listening else {
            close(listener)
            throw HarnessError("cannot listen on loopback")
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        let descriptor = listener
        thread = Thread {
            while true {
                let client = accept(descriptor, nil, nil)
                if client < 0 { return }
                serve(RawConnection(adopting: client))
            }
        }
        thread.start()
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}
