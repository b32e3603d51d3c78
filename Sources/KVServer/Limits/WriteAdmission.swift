import KVCore
import KVStorage

extension ServerContext {
    /// Why a client's write must be refused now, or nil: a replica takes no writes (READONLY),
    /// a log that cannot write takes none (MISCONF), and above `--max-memory` no write that
    /// may grow memory is taken (OOM). Deletes and expiries still run above the limit, as in
    /// Redis, so that a user can make room. Called with the database lock held.
    func writeRefusal(for spec: CommandSpec, log: WriteLog) -> CommandError? {
        if isReplica { return readOnlyError }
        if let failure = log.failure {
            return CommandError("MISCONF Errors writing to the write log: \(failure.message). Writes are refused until it can write again; reads still work.")
        }
        if spec.flags.contains(.denyOOM) && memory.isOverLimit {
            return CommandError("OOM command not allowed when used memory > 'maxmemory'.")
        }
        return nil
    }
}
