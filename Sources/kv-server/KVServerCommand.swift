import ArgumentParser
import KVServer
import KVStorage
import KVTLS
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// `kv-server`: flags, environment, then hand over to `KVServer`.
struct KVServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kv-server",
        abstract: "A replicated key-value store that speaks the Redis protocol.",
        discussion: """
            The pod name (--hostname, else the system hostname) decides the role: ordinal 0 \
            (kv-0) is the primary, any other ordinal a read-only replica. Every flag can also be \
            set through an environment variable: --data-dir through KV_DATA_DIR, and so on.
            """
    )

    @Option(help: "Pod name, ending in -<ordinal> (default: the system hostname). Env: KV_HOSTNAME.")
    var hostname: String?

    @Option(help: "Redis-protocol port. Env: KV_PORT.")
    var port: Int = 6379

    @Option(name: .customLong("http-port"), help: "HTTP port (probes, metrics, status, /v1/kv). Env: KV_HTTP_PORT.")
    var httpPort: Int = 8080

    @Option(help: "Address to listen on. Env: KV_BIND.")
    var bind: String = "0.0.0.0"

    @Option(name: .customLong("data-dir"), help: "Data directory (log, snapshots). Env: KV_DATA_DIR.")
    var dataDir: String = "/var/lib/kv"

    @Option(help: "When writes reach the disk: always | everysec | no. Env: KV_FSYNC.")
    var fsync: String = "always"

    @Option(help: "Password clients (and replicas) must AUTH with. Env: KV_PASSWORD.")
    var password: String?

    @Option(help: "Headless Service name for peer DNS (default: the set name). Env: KV_SERVICE.")
    var service: String?

    @Option(help: "Primary's address HOST:PORT (default: <set>-0.<service>:<port>). Env: KV_PRIMARY.")
    var primary: String?

    @Option(name: .customLong("clone-from"), help: "Clone source HOST:PORT (default: the previous pod). Env: KV_CLONE_FROM.")
    var cloneFrom: String?

    @Option(help: "Event-loop threads (default: 1 on up to 2 available CPUs, else one fewer than the CPUs; a cgroup quota counts). Env: KV_THREADS.")
    var threads: Int?

    @Option(name: .customLong("max-clients"), help: "Most clients connected at once. Env: KV_MAX_CLIENTS.")
    var maxClients: Int = 10_000

    @Option(name: .customLong("slowlog-log-slower-than"),
            help: "SLOWLOG keeps commands that ran at least this many microseconds; negative: none, 0: all. Env: KV_SLOWLOG_LOG_SLOWER_THAN.")
    var slowlogLogSlowerThan: Int = 10_000

    @Option(name: .customLong("slowlog-max-len"), help: "SLOWLOG entries kept. Env: KV_SLOWLOG_MAX_LEN.")
    var slowlogMaxLen: Int = 128

    @Option(name: .customLong("client-output-buffer-limit-pubsub"),
            help: "A subscriber more than <hard> bytes behind, or more than <soft> for <seconds>, is disconnected. Env: KV_CLIENT_OUTPUT_BUFFER_LIMIT_PUBSUB.")
    var clientOutputBufferLimitPubsub: String = "32mb 8mb 60"

    @Option(name: .customLong("notify-keyspace-events"),
            help: "Keyspace notifications, as Redis's notify-keyspace-events (e.g. KEA, Ex); empty: off. Env: KV_NOTIFY_KEYSPACE_EVENTS.")
    var notifyKeyspaceEvents: String = ""
    @Option(name: .customLong("busy-reply-threshold"),
            help: "Milliseconds a Lua script runs before other clients get -BUSY and SCRIPT KILL may stop it. Env: KV_BUSY_REPLY_THRESHOLD.")
    var busyReplyThreshold: Int = 5000
    @Option(name: .customLong("latency-monitor-threshold"),
            help: "LATENCY records events that took at least this many milliseconds; 0: off. Env: KV_LATENCY_MONITOR_THRESHOLD.")
    var latencyMonitorThreshold: Int = 0

    @Option(name: .customLong("databases"), help: "Databases SELECT may pick (0 to this minus one). Env: KV_DATABASES.")
    var databases: Int = 16

    @Option(name: .customLong("max-value-size"), help: "Largest key or value (1000, 64kb, 1mb, 512mb). Env: KV_MAX_VALUE_SIZE.")
    var maxValueSize: String = "512mb"

    @Option(name: .customLong("max-request-size"), help: "Largest request (64mb, 1gb). Env: KV_MAX_REQUEST_SIZE.")
    var maxRequestSize: String = "1gb"

    @Option(name: .customLong("idle-timeout"), help: "Close clients idle this many seconds; 0 = never. Env: KV_IDLE_TIMEOUT.")
    var idleTimeout: Int = 0

    @Option(name: .customLong("request-timeout"), help: "Close a client whose command (or HTTP request) has not arrived whole this long after its first byte; 0 = never. Env: KV_REQUEST_TIMEOUT.")
    var requestTimeout: String = "30s"

    @Option(name: .customLong("max-memory"), help: "Refuse writes with -OOM while more than this is allocated (100mb, 2gb); 0 = no limit. Env: KV_MAX_MEMORY.")
    var maxMemory: String = "0"

    @Option(help: "With no password, serve only loopback clients (yes | no), as Redis's protected mode. Env: KV_PROTECTED.")
    var protected: String = "yes"

    @Option(name: .customLong("tls-cert-file"), help: "Certificate chain (PEM): TLS on both ports and to peers. Env: KV_TLS_CERT_FILE.")
    var tlsCertFile: String?

    @Option(name: .customLong("tls-key-file"), help: "Private key (PEM) of --tls-cert-file. Env: KV_TLS_KEY_FILE.")
    var tlsKeyFile: String?

    @Option(name: .customLong("tls-ca-cert-file"), help: "CA certificates (PEM) peers' certificates are verified against (default: the system's). Env: KV_TLS_CA_CERT_FILE.")
    var tlsCACertFile: String?

    @Option(name: .customLong("tls-dir"), help: "A mounted kubernetes.io/tls Secret: TLS is on when it holds tls.crt (with tls.key, and ca.crt if present), off when empty. Env: KV_TLS_DIR.")
    var tlsDir: String?

    @Option(name: .customLong("snapshot-after-bytes"), help: "Take a snapshot when the log grew this much (64mb). Env: KV_SNAPSHOT_AFTER_BYTES.")
    var snapshotAfterBytes: String = "64mb"

    @Option(name: .customLong("log-segment-bytes"), help: "Size of one log segment file (64mb). Env: KV_LOG_SEGMENT_BYTES.")
    var logSegmentBytes: String = "64mb"

    @Option(name: .customLong("replica-retention"), help: "Keep the log a replica needs to resume for this long after it was last seen (500ms, 10s, 5m, 1h). Env: KV_REPLICA_RETENTION.")
    var replicaRetention: String = "1h"

    @Option(name: .customLong("clone-timeout"), help: "Try the clone source this long before cloning from the primary. Env: KV_CLONE_TIMEOUT.")
    var cloneTimeout: String = "10s"

    @Option(name: .customLong("max-ready-lag"), help: "A replica further behind than this many records is not ready. Env: KV_MAX_READY_LAG.")
    var maxReadyLag: UInt64 = 1000

    @Option(name: .customLong("max-staleness"), help: "A replica that has not heard from the primary for this long is not ready (default: off). Env: KV_MAX_STALENESS.")
    var maxStaleness: String?

    @Option(help: "Comma-separated HOST:PORT of the other pods, asked by a primary that starts empty (default: <set>-1…4.<service>:<port>). Env: KV_PEERS.")
    var peers: String?

    @Option(name: .customLong("enable-debug-command"), help: "Allow DEBUG POWERLOSS, which crashes the pod as a power loss would (fault injection; yes | no). Env: KV_ENABLE_DEBUG_COMMAND.")
    var enableDebugCommand: String = "no"

    @Option(name: .customLong("log-level"), help: "trace | debug | info | notice | warning | error | critical. Env: KV_LOG_LEVEL.")
    var logLevel: String = "info"

    func run() async throws {
        try await serve()
    }

    /// Validates the flags, builds the configuration and runs the server until SIGTERM.
    /// (Named apart from `run()`, which ArgumentParser's synchronous default would shadow
    /// when called from top-level code.)
    func serve() async throws {
        let podName = hostname ?? currentHostname()
        guard let identity = PodIdentity(podName: podName) else {
            printError("""
                kv-server: the pod name '\(podName)' does not end in -<ordinal> (like kv-0 or orders-3). \
                Set it with --hostname NAME (or KV_HOSTNAME).
                """)
            throw ExitCode(2)
        }
        guard let fsyncPolicy = FsyncPolicy(rawValue: fsync) else {
            printError("kv-server: --fsync must be always, everysec or no (got '\(fsync)').")
            throw ExitCode(2)
        }
        guard let level = Logger.Level(rawValue: logLevel) else {
            printError("kv-server: --log-level '\(logLevel)' is not a log level.")
            throw ExitCode(2)
        }
        var durations: [String: Duration] = [:]
        for (flag, text) in [("replica-retention", replicaRetention), ("clone-timeout", cloneTimeout),
                             ("max-staleness", maxStaleness ?? "0"), ("request-timeout", requestTimeout)] {
            guard let duration = DurationText.parse(text) else {
                printError("kv-server: --\(flag) must be a duration like 500ms, 10s, 5m or 1h (got '\(text)').")
                throw ExitCode(2)
            }
            durations[flag] = duration
        }
        // Every size flag takes the same units (bytes, or k/kb, m/mb, g/gb: powers of 1024).
        var sizes: [String: Int] = [:]
        for (flag, text) in [("max-memory", maxMemory), ("max-value-size", maxValueSize), ("max-request-size", maxRequestSize),
                             ("snapshot-after-bytes", snapshotAfterBytes), ("log-segment-bytes", logSegmentBytes)] {
            guard let bytes = ByteSizeText.parse(text) else {
                printError("kv-server: --\(flag) must be a size like 1000, 64kb, 100mb or 2gb (got '\(text)').")
                throw ExitCode(2)
            }
            if bytes == 0 && ["max-value-size", "max-request-size", "log-segment-bytes"].contains(flag) {
                printError("kv-server: --\(flag) must be more than 0.")
                throw ExitCode(2)
            }
            // A value travels in one log record, and a record is at most 1 GiB (RecordCodec):
            // Redis's own default, 512 MiB, is the most a value may be here.
            if flag == "max-value-size" && bytes > 512 << 20 {
                printError("kv-server: --max-value-size must be at most 512mb (a value is logged in one record of at most 1 GiB; got '\(text)').")
                throw ExitCode(2)
            }
            sizes[flag] = bytes
        }
        let memoryLimit = sizes["max-memory"]!
        guard let protectedMode = ["yes": true, "true": true, "no": false, "false": false][protected.lowercased()] else {
            printError("kv-server: --protected must be yes or no (got '\(protected)').")
            throw ExitCode(2)
        }
        guard let debugCommand = ["yes": true, "true": true, "no": false, "false": false][enableDebugCommand.lowercased()] else {
            printError("kv-server: --enable-debug-command must be yes or no (got '\(enableDebugCommand)').")
            throw ExitCode(2)
        }
        var tls: (any TransportSecurity)?
        var tlsCertFile = tlsCertFile, tlsKeyFile = tlsKeyFile, tlsCACertFile = tlsCACertFile
        if let tlsDir, tlsCertFile == nil, tlsKeyFile == nil,
           access(tlsDir + "/tls.crt", F_OK) == 0 {  // an optional Secret volume is empty when the Secret is absent
            tlsCertFile = tlsDir + "/tls.crt"
            tlsKeyFile = tlsDir + "/tls.key"
            if tlsCACertFile == nil, access(tlsDir + "/ca.crt", F_OK) == 0 { tlsCACertFile = tlsDir + "/ca.crt" }
        }
        switch (tlsCertFile, tlsKeyFile) {
        case (nil, nil):
            if tlsCACertFile != nil {
                printError("kv-server: --tls-ca-cert-file needs --tls-cert-file and --tls-key-file.")
                throw ExitCode(2)
            }
        case let (certificate?, key?):
            do {
                tls = try PeerTLS(certificateFile: certificate, keyFile: key, caCertificateFile: tlsCACertFile)
            } catch {
                printError("kv-server: TLS: \(error)")
                throw ExitCode(2)
            }
        default:
            printError("kv-server: TLS needs both --tls-cert-file and --tls-key-file.")
            throw ExitCode(2)
        }
        var configuration = ServerConfiguration(identity: identity)
        configuration.tls = tls
        configuration.bindHost = bind
        configuration.port = port
        configuration.httpPort = httpPort
        configuration.dataDirectory = dataDir
        configuration.fsync = fsyncPolicy
        configuration.password = password.flatMap { $0.isEmpty ? nil : $0 }
        configuration.service = service
        configuration.primaryAddress = primary
        configuration.cloneFromAddress = cloneFrom
        configuration.threads = max(1, threads ?? AvailableCPUs.defaultEventLoops(cpus: AvailableCPUs.count()))
        configuration.maxClients = maxClients
        configuration.slowlogLogSlowerThan = slowlogLogSlowerThan
        configuration.slowlogMaxLen = max(0, slowlogMaxLen)
        guard let pubsubLimit = OutputBufferLimit(clientOutputBufferLimitPubsub) else {
            printError("kv-server: --client-output-buffer-limit-pubsub takes '<hard> <soft> <seconds>', as '32mb 8mb 60' (got '\(clientOutputBufferLimitPubsub)').")
            throw ExitCode(2)
        }
        configuration.pubsubOutputLimit = pubsubLimit
        guard KeyspaceEventClasses(notifyKeyspaceEvents) != nil else {
            printError("kv-server: --notify-keyspace-events takes Redis's class letters (K E g $ l s h z x e t m d n A; got '\(notifyKeyspaceEvents)').")
            throw ExitCode(2)
        }
        configuration.notifyKeyspaceEvents = notifyKeyspaceEvents
        configuration.busyReplyThreshold = max(0, busyReplyThreshold)
        guard latencyMonitorThreshold >= 0 else {
            printError("kv-server: --latency-monitor-threshold must be 0 (off) or more milliseconds (got \(latencyMonitorThreshold)).")
            throw ExitCode(2)
        }
        configuration.latencyMonitorThreshold = latencyMonitorThreshold
        guard databases >= 1 && databases <= 65536 else {
            printError("kv-server: --databases must be between 1 and 65536 (got \(databases)).")
            throw ExitCode(2)
        }
        configuration.databases = databases
        configuration.maxValueSize = sizes["max-value-size"]!
        configuration.maxRequestSize = sizes["max-request-size"]!
        configuration.idleTimeoutSeconds = idleTimeout
        configuration.requestTimeout = durations["request-timeout"] == .zero ? nil : durations["request-timeout"]
        configuration.maxMemory = memoryLimit
        configuration.protectedMode = protectedMode
        configuration.enableDebugCommand = debugCommand
        configuration.snapshotAfterLogBytes = sizes["snapshot-after-bytes"]!
        configuration.logSegmentBytes = sizes["log-segment-bytes"]!
        configuration.logLevel = level
        configuration.replicaRetention = durations["replica-retention"]!
        configuration.cloneTimeout = durations["clone-timeout"]!
        configuration.maxReadyLag = maxReadyLag
        configuration.maxStaleness = maxStaleness == nil ? nil : durations["max-staleness"]
        configuration.peerAddresses = peers.map { $0.split(separator: ",").map { String($0.filter { $0 != " " }) } }
        do {
            try await KVServerApplication.run(configuration)
        } catch let error as StartupError {
            printError("kv-server: \(error)")
            throw ExitCode(1)
        }
    }

    private func currentHostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "" }
        return String(cString: buffer)
    }

    private func printError(_ text: String) {
        var standardError = StandardError()
        print(text, to: &standardError)
    }
}

/// Writes to standard error.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var bytes = Array(string.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
