#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plain POSIX thread running one closure, joinable.
///
/// The flusher blocks in `write(2)` and `fsync(2)` for milliseconds at a time; doing that on a
/// Swift-concurrency executor or a NIO event loop would stall their other work.
struct FlusherThread: Sendable {
    #if canImport(Glibc)
    private let thread: pthread_t
    #else
    private let thread: pthread_t?
    #endif

    /// Starts a thread running `body`, named `name` where the platform lets Swift name it
    /// (Glibc's module map does not export `pthread_setname_np`).
    static func start(name: String, _ body: @escaping @Sendable () -> Void) -> FlusherThread {
        final class Box {
            let name: String
            let body: @Sendable () -> Void
            init(name: String, body: @escaping @Sendable () -> Void) { self.name = name; self.body = body }
        }
        let box = Unmanaged.passRetained(Box(name: name, body: body)).toOpaque()
        #if canImport(Glibc)
        var thread = pthread_t()
        #else
        var thread: pthread_t? = nil
        #endif
        let result = pthread_create(&thread, nil, { context in
            let box = Unmanaged<Box>.fromOpaque(context!).takeRetainedValue()
            #if canImport(Darwin)
            _ = pthread_setname_np(String(box.name.prefix(15)))
            #endif
            box.body()
            return nil
        }, box)
        precondition(result == 0, "pthread_create failed: \(result)")
        return FlusherThread(thread: thread)
    }

    /// Waits for the thread to finish.
    func join() {
        #if canImport(Glibc)
        pthread_join(thread, nil)
        #else
        pthread_join(thread!, nil)
        #endif
    }
}
