import KVCore
import NIOCore
import Synchronization

/// `--max-memory`: whether writes that may grow memory are refused, as Redis's `maxmemory`
/// with the `noeviction` policy (kv never evicts: every key is somebody's data).
///
/// "Used memory" is what malloc has handed out and not taken back (`INFO memory`'s
/// `used_memory`). Asking malloc costs a walk of its arenas, so it is sampled every 100 ms;
/// between samples the bytes of the writes admitted are added, so a burst of large writes
/// cannot overshoot the limit by more than one sample's worth of writes.
final class MemoryGuard: Sendable {
    /// Bytes; 0 for no limit.
    let limit: Int
    private let sampled = Atomic<Int>(0)
    private let admittedSinceSample = Atomic<Int>(0)
    private let sampler = KVMutex<RepeatedTask?>(nil)

    static let sampleInterval = TimeAmount.milliseconds(100)

    init(limit: Int) {
        self.limit = limit
        if limit > 0 { sample() }
    }

    /// True while writes that may grow memory must be refused.
    var isOverLimit: Bool {
        limit > 0 && sampled.load(ordering: .relaxed) + admittedSinceSample.load(ordering: .relaxed) > limit
    }

    /// Counts a write's bytes until the next sample sees them.
    func admitted(bytes: Int) {
        if limit > 0 { admittedSinceSample.add(bytes, ordering: .relaxed) }
    }

    func sample() {
        sampled.store(ProcessMemory.allocatedBytes, ordering: .relaxed)
        admittedSinceSample.store(0, ordering: .relaxed)
    }

    /// Samples on `loop` until `stop()`; does nothing without a limit.
    func start(on loop: any EventLoop) {
        guard limit > 0 else { return }
        let task = loop.scheduleRepeatedTask(initialDelay: Self.sampleInterval, delay: Self.sampleInterval) { [self] _ in
            sample()
        }
        sampler.withLock { $0 = task }
    }

    func stop() {
        sampler.withLock { $0?.cancel(); $0 = nil }
    }
}
