import KVCore
import KVStorage
import Logging

/// Everything `kv-server` is told at startup, after flags, environment and defaults.
public struct ServerConfiguration: Sendable {
    /// Which pod this is.
    public var identity: PodIdentity
    /// Address the listeners bind to.
    public var bindHost: String = "0.0.0.0"
    /// Redis-protocol port (clients, and later replication after a handshake).
    public var port: Int = 6379
    /// HTTP port for probes, metrics, status and the key-value API.
    public var httpPort: Int = 8080
    /// Where the log, snapshots and history live.
    public var dataDirectory: String = "/var/lib/kv"
    /// When a write is on disk before it is acknowledged.
    public var fsync: FsyncPolicy = .always
    /// Clients must AUTH with this when set.
    public var password: String?
    /// The headless Service the pods resolve each other through (defaults to the set name).
    public var service: String?
    /// Overrides the primary's address (`host:port`).
    public var primaryAddress: String?
    /// Overrides the clone source's address (`host:port`).
    public var cloneFromAddress: String?
    /// Event-loop threads for client connections.
    public var threads: Int = AvailableCPUs.defaultEventLoops(cpus: AvailableCPUs.count())
    /// Connected clients beyond this are refused with an error.
    public var maxClients: Int = 10_000
    /// `--slowlog-log-slower-than`: SLOWLOG keeps commands that took at least this many
    /// microseconds (negative: none; 0: every one), as Redis's `slowlog-log-slower-than`.
    public var slowlogLogSlowerThan = 10_000
    /// `--slowlog-max-len`: how many SLOWLOG entries are kept.
    public var slowlogMaxLen = 128
    /// `--client-output-buffer-limit-pubsub`: a subscriber whose unsent messages pass it is
    /// disconnected.
    public var pubsubOutputLimit = OutputBufferLimit()
    /// `--notify-keyspace-events`: Redis's class letters (`KEA`, `Ex`, …); empty: none.
    public var notifyKeyspaceEvents = ""
    /// `--busy-reply-threshold`: milliseconds a Lua script runs before other clients are
    /// answered `-BUSY` and SCRIPT KILL may stop it (Redis's `busy-reply-threshold`, formerly
    /// `lua-time-limit`).
    public var busyReplyThreshold = 5000
    /// `--latency-monitor-threshold`: LATENCY records events that took at least this many
    /// milliseconds (0: none), as Redis's `latency-monitor-threshold`; CONFIG SET changes it.
    public var latencyMonitorThreshold = 0
    /// `--databases`: how many databases SELECT may pick (0 to this minus one), as Redis's
    /// `databases`.
    public var databases = 16
    /// Largest value (and key) accepted, in bytes.
    public var maxValueSize: Int = 512 * 1024 * 1024
    /// Largest single request (one command with all its arguments), in bytes.
    public var maxRequestSize: Int = 1024 * 1024 * 1024
    /// A client that sends nothing for this long is disconnected; 0 disables the timeout.
    public var idleTimeoutSeconds: Int = 0
    /// `--request-timeout`: a command (or HTTP request) must arrive whole this long after its
    /// first byte, or the connection is closed; nil: no limit. A client that trickles bytes
    /// cannot hold a connection and its buffer forever.
    public var requestTimeout: Duration? = .seconds(30)
    /// `--max-memory`: above this many bytes allocated, writes that may grow memory are
    /// refused with `-OOM` (Redis's `noeviction`); 0: no limit.
    public var maxMemory: Int = 0
    /// `--protected`: with no password set, only loopback clients are served (Redis's
    /// protected mode). Probes and metrics over HTTP stay open.
    public var protectedMode: Bool = true
    /// `--tls-cert-file`, `--tls-key-file`, `--tls-ca-cert-file`: TLS on both ports and to
    /// peers; nil: plain TCP.
    public var tls: (any TransportSecurity)?
    /// Log size since the last snapshot that triggers a new snapshot.
    public var snapshotAfterLogBytes: Int = 64 * 1024 * 1024
    /// Size at which a log segment is closed and a new one started.
    public var logSegmentBytes: Int = 64 * 1024 * 1024
    /// Log level.
    public var logLevel: Logger.Level = .info
    /// `--replica-retention`: the primary keeps the log a replica needs to resume for this
    /// long after it was last seen.
    public var replicaRetention: Duration = .seconds(3600)
    /// `--clone-timeout`: how long a replica tries its clone source before cloning from the
    /// primary.
    public var cloneTimeout: Duration = .seconds(10)
    /// `--max-ready-lag`: a replica further behind the primary than this many records is not ready.
    public var maxReadyLag: UInt64 = 1000
    /// `--max-staleness`: a replica that has not heard from the primary for this long is not
    /// ready; nil: never unready for staleness alone.
    public var maxStaleness: Duration?
    /// `--peers`: the other pods' addresses, asked by a primary that starts empty whether one
    /// holds data (default: `<set>-1.<service>:<port>` … `<set>-4.<service>:<port>`).
    public var peerAddresses: [String]?
    /// `--enable-debug-command`: allows the DEBUG subcommands that hurt the server on purpose
    /// (`DEBUG POWERLOSS`), for fault injection; off by default, as Redis's
    /// `enable-debug-command`. `DEBUG DIGEST` needs no permission.
    public var enableDebugCommand: Bool = false

    public init(identity: PodIdentity) {
        self.identity = identity
    }

    /// The headless Service name used in peer addresses.
    public var serviceName: String { service ?? identity.setName }

    /// The primary's address: `--primary`, else `<set>-0.<service>:<port>`.
    public var primaryPeer: String {
        primaryAddress ?? "\(identity.podName(ordinal: 0)).\(serviceName):\(port)"
    }

    /// Where a replica clones from: `--clone-from`, else the previous pod.
    public var cloneSourcePeer: String {
        cloneFromAddress ?? "\(identity.podName(ordinal: max(0, identity.ordinal - 1))).\(serviceName):\(port)"
    }

    /// The pods a primary that starts empty asks for data (`--peers`, else ordinals 1–4).
    public var restorePeers: [String] {
        peerAddresses ?? (1...4).map { "\(identity.podName(ordinal: $0)).\(serviceName):\(port)" }
    }
}

/// The number of cores, for the default thread count.
public enum System {
    public static var coreCount: Int {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 2
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#endif
