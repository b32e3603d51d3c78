import Foundation
import Testing

/// redis-py's `Lock` end to end: it acquires with SET NX PX and extends and releases with
/// scripts (EVALSHA, falling back to EVAL). Several processes contend for one lock around a
/// non-atomic read-modify-write; the lock makes the count exact.
@Suite(.serialized) struct ScriptLockTests {
    @Test func redisPyLockAcquiresExtendsAndReleases() throws {
        let server = try ServerProcess().start()
        let script = """
            import sys, redis
            r = redis.Redis(port=int(sys.argv[1]))
            lock = r.lock("resource", timeout=5)
            assert lock.acquire(blocking=False)
            assert not r.lock("resource", timeout=5).acquire(blocking=False)
            assert lock.extend(10)
            assert r.pttl("resource") > 9000
            assert lock.reacquire()
            lock.release()
            assert r.get("resource") is None
            # The scripts refuse a lock that is no longer this owner's.
            other = r.lock("resource", timeout=5)
            assert other.acquire(blocking=False)
            r.set("resource", "someone else")
            for action in (other.extend, other.reacquire, other.release):
                try:
                    action(5) if action == other.extend else action()
                    print("acted on a lock it did not own")
                except redis.exceptions.LockNotOwnedError:
                    pass
            assert r.get("resource") == b"someone else"
            print("ok")
            """
        let result = try Tool.run("python3", ["-c", script, String(server.port)], timeout: 60)
        #expect(result.output == "ok", "\(result.output) (status \(result.status))")
    }

    @Test func redisPyLockExcludesContendingProcesses() throws {
        let server = try ServerProcess().start()
        let script = """
            import sys, multiprocessing, redis
            def worker(port):
                r = redis.Redis(port=port)
                for _ in range(25):
                    with r.lock("counter-lock", timeout=10, blocking_timeout=30, sleep=0.001):
                        value = int(r.get("counter") or 0)
                        r.set("counter", value + 1)
            if __name__ == "__main__":
                port = int(sys.argv[1])
                workers = [multiprocessing.Process(target=worker, args=(port,)) for _ in range(4)]
                for w in workers: w.start()
                for w in workers: w.join()
                print(redis.Redis(port=port).get("counter").decode())
            """
        let result = try Tool.run("python3", ["-c", script, String(server.port)], timeout: 180)
        #expect(result.output == "100", "counter after 4 × 25 locked increments: \(result.output) (status \(result.status))")
    }
}
