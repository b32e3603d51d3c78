import KVCore

/// A script's shebang line (`#!lua flags=no-writes,allow-oom`), as Redis 7.0 reads it
/// (src/eval.c `evalExtractShebangFlags`). kv acts on `no-writes` (the script is read-only);
/// the other flags Redis knows are accepted.
public struct ScriptFlags: Sendable, Equatable {
    /// The script declared `no-writes`.
    public var noWrites = false
    /// The script has a shebang line (Redis's non-compatibility mode).
    public var hasShebang = false

    public init() {}

    static let known: Set<String> = ["no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"]

    /// The flags of `body`, or Redis's error for an unknown engine or flag.
    public static func parse(_ body: [UInt8]) -> Result<ScriptFlags, CommandError> {
        guard body.starts(with: Array("#!".utf8)) else { return .success(ScriptFlags()) }
        let line = String(decoding: body[0..<shebangLength(body)], as: UTF8.self)
        var parts = line.split(separator: " ", omittingEmptySubsequences: true)
        guard let engine = parts.first, engine == "#!lua" else {
            return .failure(CommandError("ERR Unexpected engine in script shebang: \(parts.first.map(String.init) ?? line)"))
        }
        parts.removeFirst()
        var flags = ScriptFlags()
        flags.hasShebang = true
        for part in parts {
            guard part.hasPrefix("flags=") else {
                return .failure(CommandError("ERR Unknown lua shebang option: \(part)"))
            }
            for flag in part.dropFirst("flags=".count).split(separator: ",", omittingEmptySubsequences: true) {
                guard known.contains(String(flag)) else {
                    return .failure(CommandError("ERR Unexpected flag in script shebang: \(flag)"))
                }
                if flag == "no-writes" { flags.noWrites = true }
            }
        }
        return .success(flags)
    }

    /// The bytes of the shebang line before its line end (0 without one): Lua is given the
    /// rest, so line numbers stay those of the body.
    static func shebangLength(_ body: [UInt8]) -> Int {
        guard body.starts(with: Array("#!".utf8)) else { return 0 }
        return body.firstIndex(of: UInt8(ascii: "\n")) ?? body.count
    }
}
