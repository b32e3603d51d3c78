import KVCore

/// Doubles in the text form Redis 7.0 replies with (`addReplyDouble` in `networking.c`):
/// `inf` and `-inf` spelled out, everything else `%.17g` — `3`, `1.5`, `0.10000000000000001`,
/// `1e+20`, `-0` — in a RESP2 bulk string and in a RESP3 `,` double alike.
///
/// (Redis 7.2 moved to the shortest round-trip digits, `0.1`; kv answers as 7.0, its
/// reference, so that ZSCORE and ZRANGE … WITHSCORES match it byte for byte.)
public enum RESPDouble {
    /// The reply text for `value`.
    public static func text(_ value: Double) -> String {
        ScoreText.text(value)
    }
}
