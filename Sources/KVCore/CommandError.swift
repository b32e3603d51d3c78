/// An error reply, with Redis's exact text where Redis has one, so that client libraries
/// recognise it.
///
/// `message` is the whole reply line without the leading `-`: its first word is the error
/// code (`ERR`, `WRONGTYPE`, `READONLY`, `NOAUTH`, …).
public struct CommandError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }

    /// The first word: `ERR`, `READONLY`, …
    public var code: Substring { message.prefix { $0 != " " } }

    public static let syntax = CommandError("ERR syntax error")
    public static let notInteger = CommandError("ERR value is not an integer or out of range")
    public static let notFloat = CommandError("ERR value is not a valid float")
    public static let overflow = CommandError("ERR increment or decrement would overflow")
    public static let nanOrInfinity = CommandError("ERR increment would produce NaN or Infinity")
    public static let noSuchKey = CommandError("ERR no such key")
    public static let wrongType = CommandError("WRONGTYPE Operation against a key holding the wrong kind of value")
    public static let stringTooLong = CommandError("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
    /// A collection may not grow past `--max-value-size` (kv's limit: a value is logged and
    /// snapshotted whole, in one record of at most 1 GiB; Redis has no such limit, hence no text).
    public static func collectionTooLarge(limit: Int) -> CommandError {
        CommandError("ERR collection would exceed the value size limit (--max-value-size, \(limit) bytes)")
    }
    public static let dbIndexOutOfRange = CommandError("ERR DB index is out of range")
    public static let noAuth = CommandError("NOAUTH Authentication required.")
    public static let wrongPass = CommandError("WRONGPASS invalid username-password pair or user is disabled.")
    public static let execAbort = CommandError("EXECABORT Transaction discarded because of previous errors.")
    public static let nestedMulti = CommandError("ERR MULTI calls can not be nested")
    public static let execWithoutMulti = CommandError("ERR EXEC without MULTI")
    public static let discardWithoutMulti = CommandError("ERR DISCARD without MULTI")

    public static func wrongArity(_ command: String) -> CommandError {
        CommandError("ERR wrong number of arguments for '\(command)' command")
    }

    public static func invalidExpireTime(_ command: String) -> CommandError {
        CommandError("ERR invalid expire time in '\(command)' command")
    }

    /// Redis's text: `ERR unknown command 'foo', with args beginning with: 'a' 'b' `.
    public static func unknownCommand(_ arguments: Arguments) -> CommandError {
        var text = "ERR unknown command '\(sanitized(arguments.string(0)))', with args beginning with: "
        for index in 1..<max(1, arguments.count) {
            let argument = sanitized(arguments.string(index))
            if text.utf8.count + argument.utf8.count > 128 { break }
            text += "'\(argument)' "
        }
        return CommandError(text)
    }

    /// Redis's text for an unknown subcommand: `ERR unknown subcommand 'x'. Try CLIENT HELP.`
    public static func unknownSubcommand(_ subcommand: String, of command: String) -> CommandError {
        CommandError("ERR unknown subcommand '\(sanitized(subcommand))'. Try \(command.uppercased()) HELP.")
    }

    /// An error line cannot carry CR or LF; Redis replaces them with spaces.
    static func sanitized(_ text: String) -> String {
        let capped = text.utf8.count > 128 ? String(text.prefix(128)) : text
        return String(capped.map { $0 == "\r" || $0 == "\n" ? " " : $0 })
    }
}
