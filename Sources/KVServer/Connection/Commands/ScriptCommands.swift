import KVCore
import KVScripting

/// EVAL EVALSHA EVAL_RO EVALSHA_RO and SCRIPT: Lua scripts cached by SHA1, run atomically
/// with their effects logged as one record (see `CommandDispatcher+Scripts`).
///
/// A script runs on the script thread (`ScriptActivity`), not on the event loop, so that the
/// loop's other connections can be answered `-BUSY` and SCRIPT KILL while a long one runs —
/// unless its runs are typically quick (under a millisecond) and the server has more than one
/// event loop (so that another loop can take SCRIPT KILL should it turn long): then it runs in
/// place, in its batch, as do scripts inside EXEC. Handing a script to another thread costs a
/// thread hop and ends the batch (measured: pipelined EVALs went from 168k/s on Redis to 14k/s
/// on kv).
enum ScriptCommands {
    private typealias Row = CommandRow<ServerHandler>

    static let rows: [CommandRow<ServerHandler>] = [
        Row("eval", arity: -3, flags: [.noscript, .stale, .movableKeys], group: "scripting", since: "2.6.0",
            summary: "Executes a server-side Lua script.", handler: evalHandler(bySHA: false, readOnly: false)),
        Row("evalsha", arity: -3, flags: [.noscript, .stale, .movableKeys], group: "scripting", since: "2.6.0",
            summary: "Executes a server-side Lua script by SHA1 digest.", handler: evalHandler(bySHA: true, readOnly: false)),
        Row("eval_ro", arity: -3, flags: [.noscript, .stale, .readonly, .movableKeys], group: "scripting", since: "7.0.0",
            summary: "Executes a read-only server-side Lua script.", handler: evalHandler(bySHA: false, readOnly: true)),
        Row("evalsha_ro", arity: -3, flags: [.noscript, .stale, .readonly, .movableKeys], group: "scripting", since: "7.0.0",
            summary: "Executes a read-only server-side Lua script by SHA1 digest.", handler: evalHandler(bySHA: true, readOnly: true)),
        Row("script", arity: -2, flags: [], group: "scripting", since: "2.6.0",
            summary: "A container for Lua scripts management commands.", subcommands: [
                Row("script|load", arity: 3, flags: [.noscript, .stale], group: "scripting", since: "2.6.0",
                    summary: "Loads a server-side Lua script to the script cache.", handler: .server { dispatcher, arguments, _, state, _ in
                        let body = arguments.bytes(2)
                        switch dispatcher.scriptEngine(&state).load(body) {
                        case let .success(sha): return .reply(.bulk(sha))
                        case let .failure(error): return .reply(.error(error))
                        }
                    }),
                Row("script|exists", arity: -3, flags: [.noscript], group: "scripting", since: "2.6.0",
                    summary: "Determines whether server-side Lua scripts exist in the script cache.",
                    handler: .server { dispatcher, arguments, _, state, _ in
                        let engine = dispatcher.scriptEngine(&state)
                        return .reply(.array((2..<arguments.count).map { .integer(engine.contains(sha: arguments.string($0)) ? 1 : 0) }))
                    }),
                Row("script|flush", arity: -2, flags: [.noscript], group: "scripting", since: "2.6.0",
                    summary: "Removes all server-side Lua scripts from the script cache.", handler: .server { dispatcher, arguments, _, state, _ in
                        guard arguments.count == 2 || (arguments.count == 3 && (arguments.matches(2, "sync") || arguments.matches(2, "async"))) else {
                            return .reply(.error(CommandError("ERR SCRIPT FLUSH only support SYNC|ASYNC option")))
                        }
                        dispatcher.scriptEngine(&state).flush()
                        return .reply(.ok)
                    }),
                Row("script|kill", arity: 2, flags: [.noscript, .allowBusy], group: "scripting", since: "2.6.0",
                    summary: "Terminates a server-side Lua script during execution.", handler: .server { dispatcher, _, _, _, _ in
                        .reply(dispatcher.killScript())
                    }),
                Row("script|help", arity: 2, flags: [.loading, .stale], group: "scripting", since: "5.0.0",
                    summary: "Returns helpful text about the different subcommands.", handler: .server { _, _, _, _, _ in
                        helpReply(help)
                    }),
            ], handler: ServerCommands.needsSubcommand),
    ]

    /// SCRIPT HELP, as Redis 7.0 words it (kv has no script debugger: SCRIPT DEBUG is absent).
    static let help = [
        "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        "HELP",
        "    Prints this help.",
    ]

    /// EVAL (`bySHA` false) or EVALSHA, read-only for the `_RO` forms.
    private static func evalHandler(bySHA: Bool, readOnly: Bool) -> ServerHandler {
        .server { dispatcher, arguments, session, state, clock in
            switch dispatcher.prepareScript(arguments, bySHA: bySHA, readOnly: readOnly, state: &state) {
            case let .failure(error):
                return .reply(.error(error))
            case let .success(request):
                // In place only where another loop can answer SCRIPT KILL should a quick script
                // turn long: with one event loop, every script goes to the script thread.
                if session.executingTransaction
                    || (dispatcher.server.configuration.threads > 1 && dispatcher.scriptEngine(&state).isQuick(sha: request.sha)) {
                    return .reply(dispatcher.runScript(request, session: &session, state: &state, clock: &clock))
                }
                return .runScript(request)
            }
        }
    }
}

/// A script to run: which one, its KEYS and ARGV, and whether it may write.
struct ScriptRequest: Sendable {
    var sha: String
    var keys: [[UInt8]]
    var arguments: [[UInt8]]
    /// EVAL_RO, EVALSHA_RO, or a `#!lua flags=no-writes` script.
    var readOnly: Bool
    /// The command as the client sent it (for SLOWLOG when it runs on the script thread).
    var command: OwnedArguments
}
