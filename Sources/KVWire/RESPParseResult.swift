import KVCore

/// What `RESPCommandParser` found at the start of the bytes it was given.
public enum RESPParseResult: Equatable, Sendable {
    /// A command in RESP array form. Its arguments were appended to the caller's `bounds`,
    /// relative to the start of the bytes; the command occupies the first `consumed` bytes.
    case command(consumed: Int)

    /// An inline command (a plain text line, as typed into telnet). Its arguments can differ
    /// from the input bytes (quotes, `\xHH` escapes), so they come as owned bytes; inline
    /// commands are rare and short, so the copy costs nothing that matters.
    case inline(consumed: Int, arguments: OwnedArguments)

    /// Input that holds no command (`*0`, `*-1`, a blank inline line): skip `consumed` bytes
    /// and parse again.
    case empty(consumed: Int)

    /// Not a whole command yet. When known, `needed` is the total number of bytes (from the
    /// start of the command) that must be buffered before parsing can make progress, so a
    /// caller receiving a large value in many reads need not call again until then.
    case incomplete(needed: Int?)

    /// Not a valid request: answer `-ERR <message>` and close the connection.
    case malformed(RESPProtocolError)
}
