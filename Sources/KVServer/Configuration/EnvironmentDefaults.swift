#if canImport(Glibc)
import Glibc
#endif

/// Every flag also reads an environment variable (`--data-dir` ↔ `KV_DATA_DIR`): a variable
/// that is set supplies the flag when the command line does not name it.
public enum EnvironmentDefaults {
    /// The long flags that take a value and may come from the environment.
    public static let flags = [
        "hostname", "port", "http-port", "bind", "data-dir", "fsync", "password", "service",
        "primary", "clone-from", "threads", "max-clients", "max-value-size", "max-request-size",
        "idle-timeout", "snapshot-after-bytes", "log-segment-bytes", "log-level", "replica-retention",
        "clone-timeout", "max-ready-lag", "max-staleness", "peers", "request-timeout", "max-memory", "protected",
        "tls-cert-file", "tls-key-file", "tls-ca-cert-file", "tls-dir", "enable-debug-command",
        "slowlog-log-slower-than", "slowlog-max-len", "databases", "busy-reply-threshold", "latency-monitor-threshold",
        "client-output-buffer-limit-pubsub", "notify-keyspace-events",
    ]

    /// The environment variable for a flag: `data-dir` → `KV_DATA_DIR`.
    public static func variable(for flag: String) -> String {
        "KV_" + String(flag.uppercased().map { $0 == "-" ? "_" : $0 })
    }

    /// `arguments` with `--flag value` appended for each variable set whose flag is absent.
    public static func apply(
        to arguments: [String],
        environment: [String: String] = currentEnvironment()
    ) -> [String] {
        var result = arguments
        for flag in flags {
            let long = "--\(flag)"
            let named = arguments.contains { $0 == long || $0.hasPrefix(long + "=") }
            if !named, let value = environment[variable(for: flag)] {
                result += [long, value]
            }
        }
        return result
    }

    /// The process environment.
    public static func currentEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }
}
