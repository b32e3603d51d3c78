#if canImport(Glibc)
import Glibc
#endif
import KVCore
import KVStorage

extension ServerContext {
    /// `DEBUG POWERLOSS`: the pod dies as in a machine crash. Its write log loses what its last
    /// fsync did not cover (`WriteLog.losePower`), then the process kills itself with SIGKILL
    /// while the log's writer lock is still held — nothing is written, fsynced, flushed or
    /// shut down in between, as when the power goes. Other files (snapshots, the history)
    /// are fsynced when written, so a power loss keeps them.
    ///
    /// Returns only when the log could not be cut (the process goes on): the error to reply.
    func losePower(_ log: WriteLog) -> CommandError {
        do {
            try log.losePower { (cut: PowerLossCut) -> Void in
                logger.critical("DEBUG POWERLOSS: the log is cut back to its last fsync and the process dies as in a machine crash", metadata: [
                    "durable_lsn": "\(cut.durable)",
                    "written_lsn": "\(cut.written)",
                    "last_lsn": "\(cut.lastAssigned)",
                    "dropped_bytes": "\(cut.droppedBytes)",
                    "segment": "\(cut.segmentPath)",
                ])
                kill(getpid(), SIGKILL)
                _exit(137)  // not reached: SIGKILL cannot be caught
            }
        } catch {
            return CommandError("ERR DEBUG POWERLOSS could not cut the write log: \(error)")
        }
        return CommandError("ERR DEBUG POWERLOSS: the process outlived its SIGKILL")
    }
}
