import NIOCore

/// Redis's protected mode: with `--protected yes` (the default) and no password, only
/// clients on the loopback interface are served. A server that is reachable from a network
/// and has no password answers every other client with `-DENIED` — saying how to fix it —
/// and closes, rather than handing its data to whoever connects. Over HTTP the data and status
/// routes answer 403; probes and metrics stay open for kubelets and scrapers.
enum ProtectedMode {
    static let deniedMessage = """
        DENIED kv-server is running in protected mode because no password is set: only loopback \
        clients are served. Set a password with --password or KV_PASSWORD (in Kubernetes, from a \
        Secret) and AUTH with it, or, on a network you trust, turn protected mode off with \
        --protected no (KV_PROTECTED=no).
        """

    /// True when `address` is refused under `configuration`.
    static func refuses(_ address: SocketAddress?, _ configuration: ServerConfiguration) -> Bool {
        configuration.protectedMode && configuration.password == nil && !isLoopback(address)
    }

    /// 127.0.0.0/8, ::1, ::ffff:127.0.0.0/104 and Unix sockets.
    static func isLoopback(_ address: SocketAddress?) -> Bool {
        guard let address else { return false }
        if case .unixDomainSocket = address { return true }
        guard let ip = address.ipAddress?.lowercased() else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }
}
