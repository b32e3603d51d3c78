import Dispatch

/// Frees large structures on a background thread: a flushed keyspace's table, a deleted
/// collection of many elements. Swift frees an object when its last reference goes, and
/// freeing millions of entries takes hundreds of milliseconds; handing the last reference to
/// this queue keeps that work off the event loop and out of the database lock (as Redis's
/// lazyfree does).
///
/// Only structures nothing else can reach may come here; anything still shared (a snapshot's
/// pages, a log record's entries) stays alive until its other holders let go, as always.
enum BackgroundRelease {
    /// Below this many elements, freeing in place is cheaper than the hand-off (Redis's
    /// LAZYFREE_THRESHOLD).
    static let threshold = 64

    private static let queue = DispatchQueue(label: "kv.background-release", qos: .utility)

    /// A value in transit to the queue. `@unchecked Sendable`: the value is moved in (never
    /// copied), so the queue's release is the only access left.
    private final class Parcel<Contents>: @unchecked Sendable {
        var contents: Contents?
    }

    /// Moves `value` out (leaving `replacement` in its place) and drops it on the background
    /// queue. The move takes no new reference, so when nothing else holds what `value`
    /// held, the queue's release is the last one and frees it there.
    static func take<Value>(_ value: inout Value, leaving replacement: Value) {
        let parcel = Parcel<Value>()
        parcel.contents = replacement
        swap(&parcel.contents!, &value)
        queue.async { parcel.contents = nil }
    }
}
