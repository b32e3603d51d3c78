import KVCore
import Synchronization

/// A wall clock that moves only when a test moves it.
public final class ManualWallClock: WallClock {
    private let millis: Atomic<Int64>

    public init(_ start: UnixMillis = UnixMillis(1_700_000_000_000)) {
        millis = Atomic(start.rawValue)
    }

    public func now() -> UnixMillis { UnixMillis(millis.load(ordering: .relaxed)) }

    /// Moves the clock forward by `milliseconds`.
    public func advance(by milliseconds: Int64) {
        millis.add(milliseconds, ordering: .relaxed)
    }

    /// Sets the clock to `instant`.
    public func set(_ instant: UnixMillis) {
        millis.store(instant.rawValue, ordering: .relaxed)
    }
}
