/// The command executor: Redis's semantics over the keyspace, with every change reported as
/// `WriteOperation`s.
extension Keyspace {
    /// Executes a keyspace command.
    ///
    /// `arguments` include the command name at index 0; the caller has checked the arity
    /// against the command's spec (it is checked again here, cheaply). Every change is appended
    /// to `effects` as `WriteOperation`s, in order: INCR → `.put` of the new value; EXPIRE →
    /// `.expire(key:at:)` with the absolute instant; a key found expired on the primary →
    /// `.delete`; FLUSHALL/FLUSHDB → `.flushAll`. A command that changed nothing appends nothing.
    public mutating func execute(
        _ command: CommandRow<KeyspaceHandler>, _ arguments: Arguments, context: CommandContext,
        effects: inout [WriteOperation]
    ) -> Reply {
        execute(command.handler, command.spec, arguments, context: context, effects: &effects)
    }

    /// Executes `handler`, the handler of `spec`'s row (the server keeps the two apart).
    @inline(__always)
    public mutating func execute(
        _ handler: KeyspaceHandler, _ spec: CommandSpec, _ arguments: Arguments, context: CommandContext,
        effects: inout [WriteOperation]
    ) -> Reply {
        guard spec.accepts(argumentCount: arguments.count) else { return .error(spec.wrongArity) }
        var context = context
        // What a write can add to a collection: its argument bytes, and per argument the
        // length prefix it takes in a logged edit (see `withObject`).
        if spec.isWrite { context.requestBytes = arguments.byteCount &+ 8 &* arguments.count }
        do {
            return try handler(&self, arguments, context, &effects)
        } catch let error as CommandError {
            return .error(error)
        } catch {
            return .error(CommandError("ERR \(error)"))
        }
    }

    /// Stores `entry` and reports it.
    @inline(__always)
    mutating func put(_ entry: Entry, _ effects: inout [WriteOperation]) {
        insert(entry)
        effects.append(.put(entry))
    }
}

/// The unit of a time argument.
enum TimeUnit {
    case seconds, milliseconds
}
