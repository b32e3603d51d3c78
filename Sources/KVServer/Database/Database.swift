import KVCore
import KVScripting
import KVReplicationWire
import KVStorage
import NIOConcurrencyHelpers
import Synchronization

/// The store a pod serves: its dataset (every database's keyspace) and its write log, changed
/// together under one lock.
///
/// Applying a write and appending it to the log happen in the same critical section, so the
/// log's order is the order in which writes were applied and every write has its LSN the
/// moment it is visible. The lock is taken once per batch of pipelined commands, not once per
/// command; appending only stages bytes (the log's flusher thread does the IO).
final class Database: @unchecked Sendable {
    // @unchecked Sendable: `state` is only touched with `lock` held (see `withLock`); the
    // other stored properties are immutable or Sendable themselves.
    /// What the lock protects.
    struct State {
        var dataset: Dataset
        /// The log of the dataset's generation (the same as `Database.log`, without its lock).
        var log: WriteLog
        /// The epochs of the log up to its last record (markers applied as they are logged).
        var lineage: Lineage
        /// Reused between commands so that a write allocates no effect array.
        var effects: [WriteOperation] = []
        /// The database the pending effects' last operation applies to (a record starts at 0).
        var effectsDatabase = 0
        /// The database active expiry sweeps next.
        var expiryDatabase = 0
        var statistics = CommandStatistics()
        var slowlog = SlowLog()
        /// WATCH's keys and the clients whose EXEC must fail.
        var watched = WatchedKeys()
        /// Clients blocked on keys (BLPOP, …) and the keys writes made ready for them.
        var blocked = BlockedClients()
        /// The Lua interpreter and its cached scripts, made on first use (EVAL, SCRIPT LOAD).
        var scripting: ScriptEngine?
    }

    /// The log and history the dataset belongs to. Fixed on a primary; a replica that
    /// re-clones replaces all three together (`replace`).
    struct Generation {
        var log: WriteLog
        var history: HistoryID
    }

    private let lock = DatabaseLock()
    private var state: State
    /// Read without the database lock by status pages and reply gating; changed only inside
    /// it (lock order: `lock` → `generation`).
    private let generation: NIOLockedValueBox<Generation>
    /// `state.lineage.current`, for readers that must not take the lock (INFO runs under it).
    private let epoch: Synchronization.Atomic<UInt64>
    let clock: any WallClock
    let expiry: ExpiryAuthority
    let maxValueSize: Int

    init(
        dataset: Dataset,
        log: WriteLog,
        lineage: Lineage,
        clock: any WallClock,
        history: HistoryID,
        expiry: ExpiryAuthority,
        maxValueSize: Int
    ) {
        self.state = State(dataset: dataset, log: log, lineage: lineage)
        self.epoch = Atomic(lineage.current.rawValue)
        self.generation = NIOLockedValueBox(Generation(log: log, history: history))
        self.clock = clock
        self.expiry = expiry
        self.maxValueSize = maxValueSize
    }

    /// A command context for now.
    func context() -> CommandContext {
        CommandContext(now: clock.now(), expiry: expiry, maxValueSize: maxValueSize)
    }

    /// Runs `body` with the lock held.
    func withLock<Result>(_ body: (inout State) throws -> Result) rethrows -> Result {
        try lock.withLock { try body(&state) }
    }

    /// Runs `body` with the lock held — unless a Lua script holds the lock past
    /// `--busy-reply-threshold`: then nil, without waiting (the caller answers `-BUSY`). While
    /// a script holds it below the threshold this waits, polling, so that a script turning
    /// long never leaves an event loop stuck on the lock.
    func withLock<Result>(unlessBusy scripts: ScriptActivity, _ body: (inout State) throws -> Result) rethrows -> Result? {
        var pause: UInt32 = 20
        while !lock.tryLock() {
            // Another command's critical section (microseconds): wait for it as usual.
            if !scripts.isActive { return try withLock(body) }
            if scripts.isBusy { return nil }
            DatabaseLock.pause(microseconds: pause)
            pause = min(pause * 2, 1000)
        }
        defer { lock.unlock() }
        return try body(&state)
    }

    /// The number of keys.
    var keyCount: Int { withLock { $0.dataset.count } }

    /// The write log of the current generation.
    var log: WriteLog { generation.withLockedValue { $0.log } }

    /// The history of the current generation.
    var history: HistoryID { generation.withLockedValue { $0.history } }

    /// The epoch of the last record (every epoch's marker is a record, so the newest epoch's).
    /// Read without the lock.
    var currentEpoch: Epoch { Epoch(epoch.load(ordering: .relaxed)) }

    /// Starts a new epoch of the history (a primary, before it takes a write): logs its marker
    /// and waits until the marker is durable, whatever the fsync policy — an epoch that could
    /// be lost in a power failure could be started twice, with different records. Returns the
    /// new epoch and the marker's LSN. The epoch is above this log's and above `seen` (the
    /// highest a peer reported). Call it off the event loops: it waits for an fsync.
    func beginEpoch(above seen: Epoch = .zero) throws -> (epoch: Epoch, lsn: LSN) {
        let (epoch, lsn, log) = withLock { state in
            let epoch = max(state.lineage.current, seen).next
            let lsn = state.log.append(timestamp: clock.now(), operations: [.beginEpoch(epoch)])
            state.lineage.begin(epoch, at: lsn)
            self.epoch.store(epoch.rawValue, ordering: .relaxed)
            return (epoch, lsn, state.log)
        }
        try log.waitUntilWritten(lsn, durable: true)
        return (epoch, lsn)
    }

    /// Makes `dataset`, `log`, `lineage` and `history` the store (a replica's re-clone), at
    /// once for every reader. The caller closes the old log.
    func replace(dataset: Dataset, log: WriteLog, lineage: Lineage, history: HistoryID) {
        withLock { state in
            state.dataset = dataset
            // Every watched key may have changed (a new clone), as Redis's full sync does.
            state.watched.touchEverything()
            state.log = log
            state.lineage = lineage
            epoch.store(lineage.current.rawValue, ordering: .relaxed)
            state.effects.removeAll(keepingCapacity: true)
            state.effectsDatabase = 0
            generation.withLockedValue { $0 = Generation(log: log, history: history) }
        }
    }

    /// Applies records the primary streamed, in order, and appends their frames (`encoded`,
    /// byte for byte as the primary logged them) to the local log (a replica). Returns the
    /// last LSN applied; throws, applying nothing, when the records do not follow the log or
    /// the log cannot write.
    func applyReplicated(_ records: [LogRecord], encoded: [UInt8]) throws -> LSN? {
        guard let first = records.first?.lsn, let last = records.last?.lsn else { return nil }
        return try withLock { state in
            // A log that cannot write (a full disk) would keep every record in memory until it
            // can: refuse instead, so the stream pauses while what is applied is served; the
            // reconnects resume it once the log writes again (its kept records first).
            if let failure = state.log.failure {
                throw ReplicationProtocolError("this replica's write log cannot write (\(failure.message)): the stream pauses until it can")
            }
            try encoded.withUnsafeBytes { try state.log.append(encoded: $0, first: first, last: last, count: records.count) }
            for record in records {
                for operation in record.operations {
                    if case let .beginEpoch(epoch) = operation {
                        state.lineage.begin(epoch, at: record.lsn)
                        self.epoch.store(state.lineage.current.rawValue, ordering: .relaxed)
                    }
                }
                state.dataset.apply(record.operations)
                state.watched.touch(record.operations, dataset: state.dataset)
            }
            return last
        }
    }
}

extension Database.State {
    /// Executes one keyspace command on database `database` and logs its effects (if any) as
    /// one record.
    mutating func execute(
        _ handler: KeyspaceHandler, _ spec: CommandSpec, _ arguments: Arguments, context: CommandContext, database: Int
    ) -> Reply {
        let reply = run(handler, spec, arguments, context: context, database: database)
        _ = commitEffects(now: context.now)
        return reply
    }

    /// Executes one keyspace command on database `database`, its effects left pending (MULTI
    /// commits them together), preceded by a `.select` when the record was in another one.
    mutating func run(
        _ handler: KeyspaceHandler, _ spec: CommandSpec, _ arguments: Arguments, context: CommandContext, database: Int
    ) -> Reply {
        let mark = effects.count
        dataset.ensure(database)
        let reply = dataset.databases[database].execute(handler, spec, arguments, context: context, effects: &effects)
        noteDatabase(database, effectsFrom: mark)
        return reply
    }

    /// The effects from `mark` on apply to `database`: a `.select` goes before them when the
    /// pending record's cursor is in another database.
    mutating func noteDatabase(_ database: Int, effectsFrom mark: Int) {
        guard effects.count > mark, database != effectsDatabase else { return }
        effects.insert(.select(database), at: mark)
        effectsDatabase = database
    }

    /// Active expiry, one non-empty database per call in turn: up to `budget` slots of it
    /// from where its last sweep stopped, the deletes logged as one record.
    mutating func sweepExpired(now: UnixMillis, budget: Int) -> (examined: Int, expired: Int) {
        for _ in 0..<dataset.databases.count {
            let index = expiryDatabase % dataset.databases.count
            expiryDatabase = index + 1
            guard dataset.databases[index].count > 0 else { continue }
            let mark = effects.count
            let result = dataset.databases[index].sweepExpired(now: now, budget: budget, effects: &effects)
            noteDatabase(index, effectsFrom: mark)
            return result
        }
        return (0, 0)
    }

    /// Appends the pending effects to the log as one record; nil when there were none.
    mutating func commitEffects(now: UnixMillis) -> LSN? {
        guard !effects.isEmpty else { return nil }
        let lsn = log.append(timestamp: now, operations: effects)
        watched.touch(effects, dataset: dataset)
        blocked.noteChanged(effects)
        effects.removeAll(keepingCapacity: true)
        effectsDatabase = 0
        return lsn
    }
}
