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
        _ command: KeyspaceCommand, _ arguments: Arguments, context: CommandContext,
        effects: inout [WriteOperation]
    ) -> Reply {
        guard command.accepts(argumentCount: arguments.count) else {
            return .error(.wrongArity(command.name))
        }
        do {
            return try dispatch(command, arguments, context, &effects)
        } catch {
            return .error(error)
        }
    }

    private mutating func dispatch(
        _ command: KeyspaceCommand, _ a: Arguments, _ c: CommandContext, _ e: inout [WriteOperation]
    ) throws(CommandError) -> Reply {
        switch command {
        case .get: return get(a, c, &e)
        case .set: return try set(a, c, &e)
        case .setnx: return try setnx(a, c, &e)
        case .setex: return try setex(a, c, &e, unit: .seconds)
        case .psetex: return try setex(a, c, &e, unit: .milliseconds)
        case .getset: return getset(a, c, &e)
        case .getdel: return getdel(a, c, &e)
        case .getex: return try getex(a, c, &e)
        case .mget: return mget(a, c, &e)
        case .mset: return try mset(a, c, &e)
        case .msetnx: return try msetnx(a, c, &e)
        case .append: return try append(a, c, &e)
        case .strlen: return strlen(a, c, &e)
        case .getrange: return try getrange(a, c, &e)
        case .setrange: return try setrange(a, c, &e)
        case .incr: return try incrementBy(a, c, &e, 1)
        case .decr: return try incrementBy(a, c, &e, -1)
        case .incrby: return try incrby(a, c, &e)
        case .decrby: return try decrby(a, c, &e)
        case .incrbyfloat: return try incrbyfloat(a, c, &e)
        case .del, .unlink: return del(a, c, &e)
        case .exists: return exists(a, c, &e)
        case .type: return type(a, c, &e)
        case .rename: return try rename(a, c, &e, onlyIfNew: false)
        case .renamenx: return try rename(a, c, &e, onlyIfNew: true)
        case .randomkey: return randomkey(c, &e)
        case .keys: return keys(a, c)
        case .scan: return try scan(a, c, &e)
        case .expire: return try expire(a, c, &e, unit: .seconds, relative: true)
        case .pexpire: return try expire(a, c, &e, unit: .milliseconds, relative: true)
        case .expireat: return try expire(a, c, &e, unit: .seconds, relative: false)
        case .pexpireat: return try expire(a, c, &e, unit: .milliseconds, relative: false)
        case .ttl: return ttl(a, c, &e, unit: .seconds, absolute: false)
        case .pttl: return ttl(a, c, &e, unit: .milliseconds, absolute: false)
        case .expiretime: return ttl(a, c, &e, unit: .seconds, absolute: true)
        case .pexpiretime: return ttl(a, c, &e, unit: .milliseconds, absolute: true)
        case .persist: return persist(a, c, &e)
        case .flushdb, .flushall: return try flush(a, &e)
        case .dbsize: return .integer(Int64(count))
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

extension KeyspaceCommand {
    /// The lowercase name, as errors quote it.
    public var name: String { "\(self)" }

    /// Redis's arity (see `CommandSpec.arity`).
    public var arity: Int {
        switch self {
        case .randomkey, .dbsize: 1
        case .get, .getdel, .strlen, .incr, .decr, .type, .keys, .ttl, .pttl, .expiretime, .pexpiretime,
             .persist:
            2
        case .setnx, .getset, .append, .incrby, .decrby, .incrbyfloat, .rename, .renamenx: 3
        case .setex, .psetex, .getrange, .setrange: 4
        case .getex, .mget, .del, .unlink, .exists, .scan: -2
        case .set, .mset, .msetnx, .expire, .pexpire, .expireat, .pexpireat: -3
        case .flushdb, .flushall: -1
        }
    }

    /// True when `argumentCount` arguments (the name included) satisfy the arity.
    @inline(__always) func accepts(argumentCount: Int) -> Bool {
        let arity = self.arity
        return arity >= 0 ? argumentCount == arity : argumentCount >= -arity
    }
}
