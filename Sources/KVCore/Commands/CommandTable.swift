/// Every command kv supports, and the lookup from a command name to its spec.
public enum CommandTable {
    /// Every top-level command, in the order COMMAND lists them.
    public static let all: [CommandSpec] = strings + counters + keys + expiry + server + connection + replication

    private static let index = CommandIndex(all)

    /// The spec of the command named `name`, ignoring ASCII case; nil for an unknown command.
    ///
    /// Allocates nothing: one pass to hash the name, one comparison per probed slot.
    public static func lookup(_ name: UnsafeRawBufferPointer) -> CommandSpec? {
        index.position(of: name).map { all[$0] }
    }

    /// The position in `all` of the command named `name`, ignoring ASCII case: a small integer
    /// that per-command counters can be indexed by.
    public static func position(of name: UnsafeRawBufferPointer) -> Int? {
        index.position(of: name)
    }

    /// The spec of the command named `name`, ignoring case.
    public static func lookup(_ name: String) -> CommandSpec? {
        var name = name
        return name.withUTF8 { index.position(of: UnsafeRawBufferPointer($0)).map { all[$0] } }
    }

    /// The spec of `subcommand` of the container `spec` (CLIENT SETNAME), ignoring case.
    public static func subcommand(_ subcommand: UnsafeRawBufferPointer, of spec: CommandSpec) -> CommandSpec? {
        let prefix = spec.name.utf8.count + 1
        return spec.subcommands.first { sub in
            let name = sub.name.utf8.dropFirst(prefix)
            return name.count == subcommand.count
                && zip(name, subcommand).allSatisfy { $0 == CommandIndex.lowercased($1) }
        }
    }
}

/// An open-addressing index from lowercase command names to specs, built once.
struct CommandIndex: Sendable {
    private let names: [[UInt8]]
    private let slots: [Int16]
    private static let slotCount = 512

    init(_ specs: [CommandSpec]) {
        names = specs.map { Array($0.name.utf8) }
        var slots = [Int16](repeating: -1, count: CommandIndex.slotCount)
        for (offset, name) in names.enumerated() {
            var slot = name.withUnsafeBytes { CommandIndex.hash($0) }
            while slots[slot] >= 0 { slot = (slot + 1) & (CommandIndex.slotCount - 1) }
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
        guard name.count > 0 && name.count <= 16 else { return nil }
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
