/// A command table: rows from one or more families, and the lookup from a command name to its
/// row. Dispatch, COMMAND COUNT/INFO/DOCS/LIST, the READONLY refusal on replicas and MULTI's
/// queueing rules all read it; adding a family is adding a row set.
public struct CommandTable<Handler: Sendable>: Sendable {
    /// Every top-level command, in the order COMMAND lists them.
    public let rows: [CommandRow<Handler>]
    private let index: CommandIndex
    /// The first statistics slot of each top-level command (its own; its subcommands' follow).
    private let slotBases: [Int]
    /// Every command's and subcommand's name (`client|list`), by statistics slot.
    public let slotNames: [String]

    /// A table of the given families' rows, in order. Names must be unique.
    public init(_ families: [[CommandRow<Handler>]]) {
        rows = families.flatMap { $0 }
        index = CommandIndex(rows.map(\.spec))
        var bases: [Int] = []
        var names: [String] = []
        for row in rows {
            bases.append(names.count)
            names.append(row.spec.name)
            names += row.subcommands.map(\.spec.name)
        }
        slotBases = bases
        slotNames = names
    }

    /// The number of statistics slots: one per command and one per subcommand.
    public var slotCount: Int { slotNames.count }

    /// The statistics slot of `row`, the command at `position` or one of its subcommands — so
    /// that per-command counters count `client|list` apart from `client|setname`, as Redis.
    /// An array read for a top-level command; a search of the container's few rows otherwise.
    public func slot(of row: CommandRow<Handler>, at position: Int) -> Int {
        let base = slotBases[position]
        guard row !== rows[position], let sub = rows[position].subcommands.firstIndex(where: { $0 === row }) else {
            return base
        }
        return base + 1 + sub
    }

    /// Every top-level command's metadata.
    public var specs: [CommandSpec] { rows.map(\.spec) }

    /// The number of top-level commands.
    public var count: Int { rows.count }

    /// The position in `rows` of the command named `name`, ignoring ASCII case: a small
    /// integer that per-command counters can be indexed by. Allocates nothing.
    public func position(of name: UnsafeRawBufferPointer) -> Int? {
        index.position(of: name)
    }

    /// The row of the command named `name`, ignoring ASCII case; nil for an unknown command.
    public func lookup(_ name: UnsafeRawBufferPointer) -> CommandRow<Handler>? {
        index.position(of: name).map { rows[$0] }
    }

    /// The row named `name`, where a subcommand is named `container|sub` (`client|setname`),
    /// as COMMAND INFO and COMMAND DOCS take names in Redis 7.
    public func lookup(fullName name: UnsafeRawBufferPointer) -> CommandRow<Handler>? {
        guard let bar = name.firstIndex(of: UInt8(ascii: "|")) else { return lookup(name) }
        return lookup(UnsafeRawBufferPointer(rebasing: name[..<bar]))?
            .subcommand(UnsafeRawBufferPointer(rebasing: name[(bar + 1)...]))
    }

    /// The row of the command named `name`, ignoring case.
    public func lookup(_ name: String) -> CommandRow<Handler>? {
        var name = name
        return name.withUTF8 { lookup(UnsafeRawBufferPointer($0)) }
    }
}

/// An open-addressing index from lowercase command names to positions, built once.
struct CommandIndex: Sendable {
    private let names: [[UInt8]]
    private let slots: [Int16]
    private static let slotCount = 1024

    init(_ specs: [CommandSpec]) {
        precondition(specs.count < CommandIndex.slotCount / 2, "the command index is too small for \(specs.count) commands")
        names = specs.map { Array($0.name.utf8) }
        var slots = [Int16](repeating: -1, count: CommandIndex.slotCount)
        for (offset, name) in names.enumerated() {
            var slot = name.withUnsafeBytes { CommandIndex.hash($0) }
            while slots[slot] >= 0 {
                precondition(names[Int(slots[slot])] != name, "the command \(String(decoding: name, as: UTF8.self)) is in the table twice")
                slot = (slot + 1) & (CommandIndex.slotCount - 1)
            }
            slots[slot] = Int16(offset)
        }
        self.slots = slots
    }

    @inline(__always) static func lowercased(_ byte: UInt8) -> UInt8 {
        byte &- 65 < 26 ? byte | 0x20 : byte
    }

    @inline(__always) static func hash(_ name: UnsafeRawBufferPointer) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in name { hash = (hash ^ UInt32(lowercased(byte))) &* 16_777_619 }
        return Int(hash ^ (hash >> 16)) & (slotCount - 1)
    }

    func position(of name: UnsafeRawBufferPointer) -> Int? {
        guard name.count > 0 && name.count <= 24 else { return nil }
        var slot = CommandIndex.hash(name)
        while true {
            let offset = Int(slots[slot])
            if offset < 0 { return nil }
            if matches(names[offset], name) { return offset }
            slot = (slot + 1) & (CommandIndex.slotCount - 1)
        }
    }

    @inline(__always) private func matches(_ lowercase: [UInt8], _ name: UnsafeRawBufferPointer) -> Bool {
        guard lowercase.count == name.count else { return false }
        for index in 0..<name.count where lowercase[index] != CommandIndex.lowercased(name[index]) {
            return false
        }
        return true
    }
}
