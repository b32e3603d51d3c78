import KVCore
import KVTestKit
import Testing

/// The instant every command case runs at; its setup runs ten seconds earlier, so that a
/// setup key with `PX 5000` has expired by then and one with `PX 20000` has 10 s left.
let T0: Int64 = 1_700_000_000_000
let setupTime = UnixMillis(T0 - 10_000)

/// One row of a command table: setup commands, the command, and what it must answer and report.
struct CommandCase: Sendable, CustomTestStringConvertible {
    let setup: [[String]]
    let command: [String]
    let reply: Reply
    /// The expected `WriteOperation.summary` of each effect, in order.
    let effects: [String]

    init(_ command: String, setup: [String] = [], _ reply: Reply, effects: [String] = []) {
        self.init(words: command.split(separator: " ").map(String.init), setup: setup, reply, effects: effects)
    }

    init(words: [String], setup: [String] = [], _ reply: Reply, effects: [String] = []) {
        self.command = words
        self.setup = setup.map { $0.split(separator: " ").map(String.init) }
        self.reply = reply
        self.effects = effects
    }

    var testDescription: String {
        (setup.isEmpty ? "" : setup.map { $0.joined(separator: " ") }.joined(separator: "; ") + " ⇒ ")
            + command.joined(separator: " ")
    }

    /// Runs the case on a fresh keyspace and checks the reply and the effects.
    func check(sourceLocation: SourceLocation = #_sourceLocation) {
        var keyspace = Keyspace(hashSeed: 42)
        for command in setup {
            let outcome = keyspace.run(command, now: setupTime)
            if case let .error(error) = outcome.reply {
                Issue.record("setup \(command) failed: \(error)", sourceLocation: sourceLocation)
            }
        }
        let outcome = keyspace.run(command, now: UnixMillis(T0))
        #expect(outcome.reply == reply, sourceLocation: sourceLocation)
        #expect(outcome.effectSummaries == effects, sourceLocation: sourceLocation)
    }
}

/// An error reply with Redis's text.
func err(_ message: String) -> Reply { .error(CommandError(message)) }

let syntaxError = Reply.error(.syntax)
let notInteger = Reply.error(.notInteger)
