import KVCore
import KVStorage
import Logging

/// One log line when the write log starts failing (a full disk, an I/O error) and one when it
/// writes again — not one per retry.
final class LogHealthReporter: Sendable {
    private let logger: Logger
    private let failing = KVMutex(false)

    init(logger: Logger) {
        self.logger = logger
    }

    func report(_ progress: LogProgress) {
        let failure = progress.failure
        let changed = failing.withLock { failing in
            defer { failing = failure != nil }
            return failing != (failure != nil)
        }
        guard changed else { return }
        if let failure {
            logger.error("the write log cannot write: writes are refused (MISCONF) and unacknowledged ones are retried every second; reads continue", metadata: [
                "error": "\(failure)", "acknowledged_lsn": "\(progress.acknowledged)", "last_lsn": "\(progress.lastAssigned)",
            ])
        } else {
            logger.notice("the write log writes again: writes are accepted", metadata: ["acknowledged_lsn": "\(progress.acknowledged)"])
        }
    }
}
