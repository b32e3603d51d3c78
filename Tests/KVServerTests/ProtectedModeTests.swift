import NIOCore
import Testing
@testable import KVServer

/// Which clients protected mode refuses (the refusal itself, from a pod's address, is
/// checked on emulated pods: docker/emulation, `protected_mode_*`).
@Suite struct ProtectedModeTests {
    private func configuration(password: String? = nil, protected: Bool = true) -> ServerConfiguration {
        var configuration = ServerConfiguration(identity: PodIdentity(podName: "kv-0")!)
        configuration.password = password
        configuration.protectedMode = protected
        return configuration
    }

    @Test(arguments: ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"])
    func loopbackClientsAreServed(_ ip: String) throws {
        let address = try SocketAddress(ipAddress: ip, port: 5000)
        #expect(ProtectedMode.isLoopback(address))
        #expect(!ProtectedMode.refuses(address, configuration()))
    }

    @Test(arguments: ["10.0.0.7", "192.168.1.2", "::ffff:10.0.0.1", "fe80::1", "2001:db8::1"])
    func otherClientsAreRefusedWithoutAPassword(_ ip: String) throws {
        let address = try SocketAddress(ipAddress: ip, port: 5000)
        #expect(ProtectedMode.refuses(address, configuration()))
        #expect(!ProtectedMode.refuses(address, configuration(password: "secret")))
        #expect(!ProtectedMode.refuses(address, configuration(protected: false)))
    }

    @Test func anUnknownAddressIsRefused() {
        #expect(ProtectedMode.refuses(nil, configuration()))
    }

    @Test func theMessageSaysHowToFixIt() {
        #expect(ProtectedMode.deniedMessage.hasPrefix("DENIED "))
        #expect(ProtectedMode.deniedMessage.contains("--password"))
        #expect(ProtectedMode.deniedMessage.contains("KV_PROTECTED=no"))
    }
}
