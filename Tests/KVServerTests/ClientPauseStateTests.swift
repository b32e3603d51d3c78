import KVCore
import Testing
@testable import KVServer

/// CLIENT PAUSE's decisions, driven by hand-made instants: no connection, no sleeping.
@Suite struct ClientPauseStateTests {
    typealias Pause = ClientPauseState<ContinuousClock.Instant>
    let t0 = ContinuousClock.now

    @Test func nothingWaitsWithoutAPause() {
        var pause = Pause()
        #expect(pause.decide(writes: true, now: t0) == .run)
        #expect(pause.decide(writes: false, now: t0) == .run)
    }

    @Test func aWritePauseHoldsWritesUntilItsEndAndLetsReadsRun() {
        var pause = Pause()
        pause.pause(until: t0 + .seconds(2), scope: .write, now: t0)
        #expect(pause.decide(writes: true, now: t0 + .seconds(1)) == .wait(until: t0 + .seconds(2)))
        #expect(pause.decide(writes: false, now: t0 + .seconds(1)) == .run)
        #expect(pause.decide(writes: true, now: t0 + .seconds(2)) == .run, "at its end the pause is over")
        #expect(pause.scope == nil && pause.end == nil)
    }

    @Test func anAllPauseHoldsEveryCommand() {
        var pause = Pause()
        pause.pause(until: t0 + .milliseconds(500), scope: .all, now: t0)
        #expect(pause.decide(writes: false, now: t0 + .milliseconds(499)) == .wait(until: t0 + .milliseconds(500)))
        #expect(pause.decide(writes: true, now: t0) == .wait(until: t0 + .milliseconds(500)))
    }

    @Test func aSecondPauseNeverShortensNorRelaxesTheFirst() {
        var pause = Pause()
        pause.pause(until: t0 + .seconds(10), scope: .all, now: t0)
        pause.pause(until: t0 + .seconds(3), scope: .write, now: t0 + .seconds(1))
        #expect(pause.scope == .all)
        #expect(pause.end == t0 + .seconds(10))
        #expect(pause.decide(writes: false, now: t0 + .seconds(5)) == .wait(until: t0 + .seconds(10)))
    }

    @Test func aSecondPauseExtendsAndTightensTheFirst() {
        var pause = Pause()
        pause.pause(until: t0 + .seconds(2), scope: .write, now: t0)
        pause.pause(until: t0 + .seconds(5), scope: .all, now: t0 + .seconds(1))
        #expect(pause.decide(writes: false, now: t0 + .seconds(3)) == .wait(until: t0 + .seconds(5)))
    }

    @Test func aPauseAfterAnEndedOneStartsAfresh() {
        var pause = Pause()
        pause.pause(until: t0 + .seconds(1), scope: .all, now: t0)
        // The first ended unnoticed; a WRITE pause now is not made ALL by it.
        pause.pause(until: t0 + .seconds(4), scope: .write, now: t0 + .seconds(2))
        #expect(pause.decide(writes: false, now: t0 + .seconds(3)) == .run)
        #expect(pause.decide(writes: true, now: t0 + .seconds(3)) == .wait(until: t0 + .seconds(4)))
    }

    @Test func unpauseEndsItAtOnce() {
        var pause = Pause()
        pause.pause(until: t0 + .seconds(60), scope: .all, now: t0)
        pause.unpause()
        #expect(pause.decide(writes: true, now: t0 + .seconds(1)) == .run)
        let paused = pause.isPaused(now: t0 + .seconds(1))
        #expect(!paused)
    }

    @Test func whichCommandsCountAsWritesForAWritePause() throws {
        let table = ServerCommands.table
        func spec(_ name: String) -> CommandSpec { table.lookup(name)!.spec }
        #expect(ClientPauses.writes(spec("set"), queued: nil))
        #expect(ClientPauses.writes(spec("del"), queued: nil))
        #expect(!ClientPauses.writes(spec("get"), queued: nil))
        #expect(!ClientPauses.writes(spec("ping"), queued: nil))
        // EXEC counts as what it would run, as Redis's `is_may_replicate_command`.
        let exec = spec("exec")
        #expect(ClientPauses.writes(exec, queued: [spec("get"), spec("incr")]))
        #expect(!ClientPauses.writes(exec, queued: [spec("get")]))
        // Scripts and messages count by name (Redis's MAY_REPLICATE), whichever helper adds them.
        #expect(ClientPauses.mayReplicate.isSuperset(of: ["eval", "evalsha", "fcall", "publish", "spublish"]))
    }
}
