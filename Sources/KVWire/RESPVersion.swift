/// The reply protocol a connection speaks: RESP2 until the client sends `HELLO 3`.
public enum RESPVersion: Int, Sendable, Equatable, CaseIterable {
    /// RESP2: nulls as `$-1` / `*-1`, maps as flat arrays, doubles as bulk strings.
    case resp2 = 2
    /// RESP3: `_` null, `,` double, `%` map, `=` verbatim text.
    case resp3 = 3
}
