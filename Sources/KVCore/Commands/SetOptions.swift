/// The options of SET and GETEX, parsed as Redis 7's `parseExtendedStringArgumentsOrReply`
/// does: which combinations are allowed, and which one wins when an option repeats.
struct SetOptions {
    /// Which command's options: SET takes NX XX GET KEEPTTL, GETEX takes PERSIST.
    enum Mode { case set, getex }

    /// An expiry argument: where it is and how to read it.
    struct Expiry {
        var index: Int
        var unit: TimeUnit
        var absolute: Bool

        /// The instant the argument names: Redis's `getExpireMillisecondsOrReply`.
        func instant(_ arguments: Arguments, now: UnixMillis, command: String) throws(CommandError) -> UnixMillis {
            guard var milliseconds = arguments.integer(index) else { throw .notInteger }
            if milliseconds <= 0 || (unit == .seconds && milliseconds > Int64.max / 1000) {
                throw .invalidExpireTime(command)
            }
            if unit == .seconds { milliseconds *= 1000 }
            if !absolute {
                let (sum, overflow) = milliseconds.addingReportingOverflow(now.rawValue)
                if overflow || sum <= 0 { throw .invalidExpireTime(command) }
                milliseconds = sum
            }
            return UnixMillis(milliseconds)
        }
    }

    var nx = false
    var xx = false
    var get = false
    var keepTTL = false
    var persist = false
    var expiry: Expiry?

    /// Parses the options from argument `start` on.
    init(_ arguments: Arguments, from start: Int, mode: Mode) throws(CommandError) {
        var index = start
        while index < arguments.count {
            let hasNext = index + 1 < arguments.count
            let setMode = mode == .set
            let ex = expiry.map { !$0.absolute && $0.unit == .seconds } ?? false
            let px = expiry.map { !$0.absolute && $0.unit == .milliseconds } ?? false
            let exat = expiry.map { $0.absolute && $0.unit == .seconds } ?? false
            let pxat = expiry.map { $0.absolute && $0.unit == .milliseconds } ?? false
            if arguments.matches(index, "nx") && !xx && setMode {
                nx = true
            } else if arguments.matches(index, "xx") && !nx && setMode {
                xx = true
            } else if arguments.matches(index, "get") && setMode {
                get = true
            } else if arguments.matches(index, "keepttl") && !persist && expiry == nil && setMode {
                keepTTL = true
            } else if arguments.matches(index, "persist") && mode == .getex && expiry == nil && !keepTTL {
                persist = true
            } else if arguments.matches(index, "ex") && !keepTTL && !persist && !exat && !px && !pxat && hasNext {
                index += 1
                expiry = Expiry(index: index, unit: .seconds, absolute: false)
            } else if arguments.matches(index, "px") && !keepTTL && !persist && !ex && !exat && !pxat && hasNext {
                index += 1
                expiry = Expiry(index: index, unit: .milliseconds, absolute: false)
            } else if arguments.matches(index, "exat") && !keepTTL && !persist && !ex && !px && !pxat && hasNext {
                index += 1
                expiry = Expiry(index: index, unit: .seconds, absolute: true)
            } else if arguments.matches(index, "pxat") && !keepTTL && !persist && !ex && !exat && !px && hasNext {
                index += 1
                expiry = Expiry(index: index, unit: .milliseconds, absolute: true)
            } else {
                throw .syntax
            }
            index += 1
        }
    }
}
