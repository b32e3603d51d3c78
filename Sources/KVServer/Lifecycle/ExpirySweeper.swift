import KVCore
import NIOCore
import NIOConcurrencyHelpers

/// Removes expired keys in the background on the primary (lazy expiry alone would let keys
/// nobody reads pile up). Every 100 ms it examines a bounded number of slots; while most of
/// what it examines has expired it goes on, up to a few rounds, as Redis's active expiry does.
final class ExpirySweeper: Sendable {
    private let server: ServerContext
    private let eventLoop: any EventLoop
    private let task: NIOLockedValueBox<RepeatedTask?> = .init(nil)

    static let slotsPerRound = 4096
    static let maxRoundsPerTick = 8

    init(server: ServerContext, eventLoop: any EventLoop) {
        self.server = server
        self.eventLoop = eventLoop
    }

    func start() {
        let repeated = eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { [self] _ in
            sweep()
        }
        task.withLockedValue { $0 = repeated }
    }

    func stop() {
        task.withLockedValue { $0?.cancel(); $0 = nil }
    }

    /// One tick: up to `maxRoundsPerTick` rounds while a quarter or more of a round expired.
    /// None while CLIENT PAUSE holds clients (nothing is written then, as Redis's active
    /// expiry waits for a pause). The time the tick holds the database lock (not its waits
    /// for it) is LATENCY's "expire-cycle" event.
    func sweep() {
        // Never wait on the lock behind a script: this loop serves connections too.
        guard !server.scripts.isActive else { return }
        if server.pauses.mayHold && server.pauses.isPaused { return }
        var held = 0
        defer { server.latency.sample("expire-cycle", microseconds: held) }
        let database = server.database
        for _ in 0..<Self.maxRoundsPerTick {
            let (examined, expired) = database.withLock { state in
                let started = monotonicMicroseconds()
                defer { held += monotonicMicroseconds() - started }
                let now = database.clock.now()
                let mark = state.effects.count
                let result = state.sweepExpired(now: now, budget: Self.slotsPerRound)
                state.statistics.expiredKeys += result.expired
                let notifications = server.pubsub.notifications
                let events = notifications.isOn ? KeyspaceNotifications.expiredEvents(state.effects[mark...]) : []
                if let lsn = state.commitEffects(now: now), !events.isEmpty {
                    for message in notifications.messages(events, after: lsn) { server.publish(message) }
                }
                return result
            }
            if expired * 4 < examined || examined == 0 { break }
        }
    }
}
