import Foundation
import KVCore
import Testing
@testable import KVServer

/// docs/protocol.md lists every command from the command table, so the list cannot drift:
/// this test renders the table and compares. `KV_UPDATE_DOCS=1 swift test --filter
/// CommandListDocTests` writes the rendered list into the page.
@Suite struct CommandListDocTests {
    static let begin = "<!-- commands:begin (generated from the command table by Tests/KVServerTests/CommandListDocTests) -->"
    static let end = "<!-- commands:end -->"

    static var page: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/protocol.md")
    }

    /// One Markdown row per command and subcommand: name, arity, flags, summary.
    static func rendered() -> String {
        var lines = ["| command | arity | flags | summary |", "| --- | --- | --- | --- |"]
        func line(_ spec: CommandSpec) -> String {
            let name = spec.name.replacingOccurrences(of: "|", with: " ").uppercased()
            let flags = spec.flags.names.joined(separator: ", ")
            return "| `\(name)` | \(spec.arity) | \(flags) | \(spec.summary.replacingOccurrences(of: "|", with: "\\|")) |"
        }
        for spec in ServerCommands.table.specs.sorted(by: { $0.name < $1.name }) {
            lines.append(line(spec))
            lines += spec.subcommands.map(line)
        }
        return lines.joined(separator: "\n")
    }

    @Test func protocolPageListsEveryCommandOfTheTable() throws {
        let text = try String(contentsOf: Self.page, encoding: .utf8)
        let start = try #require(text.range(of: Self.begin), "docs/protocol.md has no generated command list")
        let stop = try #require(text.range(of: Self.end, range: start.upperBound..<text.endIndex))
        let listed = text[start.upperBound..<stop.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
        let expected = Self.rendered()
        if listed != expected && ProcessInfo.processInfo.environment["KV_UPDATE_DOCS"] == "1" {
            let updated = text.replacingCharacters(in: start.upperBound..<stop.lowerBound, with: "\n" + expected + "\n")
            try updated.write(to: Self.page, atomically: true, encoding: .utf8)
            return
        }
        #expect(listed == expected, "docs/protocol.md's command list differs from the table: run KV_UPDATE_DOCS=1 swift test --filter CommandListDocTests")
    }
}
