import Foundation
import Synchronization

/// SAVE, BGSAVE and LASTSAVE's handle on the snapshots (docs/protocol.md, "SAVE, BGSAVE,
/// LASTSAVE"): the `SnapshotScheduler` plugs its starter in at startup (it is made after the
/// context), and reports each snapshot's outcome here, automatic ones included.
final class SnapshotControl: Sendable {
    /// What asking for a snapshot did.
    enum Start: Equatable {
        case started
        /// One is being written.
        case alreadyRunning
        /// No scheduler yet (startup) or any more (shutdown).
        case unavailable
    }

    typealias Completion = @Sendable (_ succeeded: Bool) -> Void
    typealias Starter = @Sendable (_ completion: @escaping Completion) -> Start

    private let starter = Mutex<Starter?>(nil)
    /// Unix seconds of the last snapshot written (the start time until one is).
    let lastSave = Atomic<Int>(Int(Date().timeIntervalSince1970))
    let lastSaveSucceeded = Atomic<Bool>(true)
    let inProgress = Atomic<Bool>(false)

    func install(_ starter: @escaping Starter) { self.starter.withLock { $0 = starter } }

    /// Starts a snapshot now; `completion` runs (on a pool thread) once it is published or failed.
    func start(completion: @escaping Completion = { _ in }) -> Start {
        guard let starter = starter.withLock({ $0 }) else { return .unavailable }
        return starter(completion)
    }

    /// A snapshot ended.
    func finished(succeeded: Bool) {
        if succeeded { lastSave.store(Int(Date().timeIntervalSince1970), ordering: .relaxed) }
        lastSaveSucceeded.store(succeeded, ordering: .relaxed)
    }
}
