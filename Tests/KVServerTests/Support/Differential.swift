import Foundation
import Testing

/// One RESP reply, parsed from the bytes a server sent: what differential tests compare.
indirect enum RESPReply: Equatable, CustomStringConvertible {
    case simple(String)        // + status, - error, : integer, , double, # boolean, _ null: type byte and line
    case bulk(String, [UInt8]) // $ or = (verbatim), with its bytes
    case aggregate(String, [RESPReply])  // * array, % map (flattened), ~ set, > push, with its items

    var description: String {
        switch self {
        case let .simple(line): line
        case let .bulk(type, bytes): "\(type)\"\(String(decoding: bytes, as: UTF8.self))\""
        case let .aggregate(type, items): "\(type)[" + items.map(\.description).joined(separator: ", ") + "]"
        }
    }

    /// The same reply with every aggregate's items sorted (recursively): for replies whose
    /// order Redis leaves to its hash table (SMEMBERS, HGETALL of a large hash). A map's
    /// items are sorted as key-value pairs.
    var unordered: RESPReply {
        switch self {
        case .simple, .bulk: return self
        case let .aggregate(type, items):
            let inner = items.map(\.unordered)
            if type == "%" || type == "pairs" {
                var pairs = stride(from: 0, to: inner.count, by: 2).map { [inner[$0], inner[$0 + 1]] }
                pairs.sort { $0.description < $1.description }
                return .aggregate(type, pairs.flatMap { $0 })
            }
            return .aggregate(type, inner.sorted { $0.description < $1.description })
        }
    }

    /// Parses one complete reply at the front of `bytes`; nil when more bytes are needed.
    static func parse(_ bytes: [UInt8], at start: Int = 0) -> (RESPReply, end: Int)? {
        guard start < bytes.count, let lineEnd = lineEnd(bytes, from: start) else { return nil }
        let type = String(UnicodeScalar(bytes[start]))
        let line = String(decoding: bytes[(start + 1)..<lineEnd], as: UTF8.self)
        let next = lineEnd + 2
        switch type {
        case "$", "=", "!":
            guard let length = Int(line) else { return nil }
            if length < 0 { return (.simple("$-1"), next) }
            guard bytes.count >= next + length + 2 else { return nil }
            return (.bulk(type, Array(bytes[next..<(next + length)])), next + length + 2)
        case "*", "%", "~", ">":
            guard let count = Int(line) else { return nil }
            if count < 0 { return (.simple("*-1"), next) }
            var items: [RESPReply] = []
            var position = next
            for _ in 0..<(type == "%" ? count * 2 : count) {
                guard let (item, end) = parse(bytes, at: position) else { return nil }
                items.append(item)
                position = end
            }
            return (.aggregate(type, items), position)
        default:
            return (.simple(type + line), next)
        }
    }

    private static func lineEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == 13 && bytes[index + 1] == 10 { return index }
            index += 1
        }
        return nil
    }
}

/// A connection that sends commands as RESP arrays and reads back whole replies.
final class RESPSession {
    let connection: RawConnection
    private var buffer: [UInt8] = []

    init(port: Int, protocolVersion: Int = 2) throws {
        connection = try RawConnection(port: port)
        if protocolVersion == 3 { _ = try call(["HELLO", "3"]) }
    }

    static func encode(_ arguments: [[UInt8]]) -> [UInt8] {
        var bytes = Array("*\(arguments.count)\r\n".utf8)
        for argument in arguments {
            bytes += Array("$\(argument.count)\r\n".utf8) + argument + [13, 10]
        }
        return bytes
    }

    /// Sends `arguments` and answers the reply.
    func call(_ arguments: [String]) throws -> RESPReply {
        try call(bytes: arguments.map { Array($0.utf8) })
    }

    /// Sends `arguments` without waiting for the reply (a blocking command); `read()` takes it.
    func send(_ arguments: [String]) {
        connection.send(Self.encode(arguments.map { Array($0.utf8) }))
    }

    /// Sends arguments that need not be text (DUMP payloads) and answers the reply.
    func call(bytes arguments: [[UInt8]]) throws -> RESPReply {
        connection.send(Self.encode(arguments))
        return try read()
    }

    /// The next reply (waiting up to the connection's 5 s timeout).
    func read() throws -> RESPReply {
        while true {
            if let (reply, end) = RESPReply.parse(buffer) {
                buffer.removeFirst(end)
                return reply
            }
            let more = connection.read(atLeast: 1, atMost: 1 << 16)
            guard !more.isEmpty else { throw HarnessError("no reply (have \(buffer.count) bytes)") }
            buffer += more
        }
    }
}

/// kv and a real redis-server side by side, each over RESP2 and RESP3: every command goes to
/// all four connections and the replies must match per protocol.
final class DifferentialPair {
    let kv: ServerProcess
    let redis: RedisServerProcess
    private let sessions: [(kv: RESPSession, redis: RESPSession, version: Int)]
    private(set) var mismatches: [String] = []
    private(set) var commandsCompared = 0

    init(kv: ServerProcess, redis: RedisServerProcess) throws {
        self.kv = kv
        self.redis = redis
        sessions = try [2, 3].map { version in
            (try RESPSession(port: kv.port, protocolVersion: version), try RESPSession(port: redis.port, protocolVersion: version), version)
        }
    }

    /// Runs `command` on both servers in both protocols; a reply that differs is recorded.
    /// The command goes to the RESP2 connections, then to the RESP3 ones: a write runs twice
    /// on each server, which keeps the two in step (they see the same sequence). `once`
    /// sends it on RESP2 only (a write whose second run would answer differently by design).
    @discardableResult
    func compare(_ command: [String], unordered: Bool = false, once: Bool = false) throws -> RESPReply {
        var first: RESPReply?
        for session in once ? Array(sessions.prefix(1)) : sessions {
            var expected = try session.redis.call(command)
            var actual = try session.kv.call(command)
            if unordered {
                expected = expected.unordered
                actual = actual.unordered
            }
            commandsCompared += 1
            if expected != actual {
                mismatches.append("RESP\(session.version) \(command.joined(separator: " ")):\n  redis: \(expected)\n  kv:    \(actual)")
            }
            if first == nil { first = actual }
        }
        return first!
    }

    /// Runs `command` on both, RESP2 only, without comparing (set-up, random replies).
    func both(_ command: [String]) throws -> (kv: RESPReply, redis: RESPReply) {
        (try sessions[0].kv.call(command), try sessions[0].redis.call(command))
    }

    /// Fails the test with the first mismatches, if any.
    func expectAllMatched(_ context: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
        let report = "\(context) \(mismatches.count) of \(commandsCompared) replies differ:\n"
            + mismatches.prefix(30).joined(separator: "\n")
        #expect(mismatches.isEmpty, Comment(rawValue: report), sourceLocation: sourceLocation)
    }
}
