import CKVSystem
#if canImport(Glibc)
import Glibc
#endif

/// The CPUs this process may really use, for the default number of event loops: the cores its
/// affinity mask allows (`taskset`, a cpuset), capped by a cgroup CPU quota rounded up — a
/// Kubernetes CPU limit of 1.5 is 2 — rather than the host's core count, which in a pod on a
/// large node can be 64.
public enum AvailableCPUs {
    /// The CPUs available to this process (at least 1).
    public static func count(reading read: (String) -> String? = Self.readFile) -> Int {
        let cores = affinityCount() ?? System.coreCount
        guard let quota = quota(reading: read) else { return max(1, cores) }
        return max(1, min(cores, quota))
    }

    /// The event loops kv runs by default on `cpus` CPUs: one on up to two — a second loop
    /// competes for the same cores with the log flusher, the kernel's network work and, on a
    /// small machine, the clients (docs/performance.md, "Threads": on 2 cores one loop gave
    /// SET -P 1 68–74k requests/s, p99 1.2–1.3 ms, against 57–60k and 3.3–4.3 ms with two) —
    /// and one fewer than the CPUs above that, leaving a core to the flusher and the kernel.
    public static func defaultEventLoops(cpus: Int) -> Int {
        cpus <= 2 ? 1 : cpus - 1
    }

    /// The cgroup's CPU quota in whole CPUs, rounded up; nil without a quota. cgroup v2
    /// (`cpu.max`: "quota period" or "max period"), else v1 (`cpu.cfs_quota_us`, -1 for none,
    /// and `cpu.cfs_period_us`).
    static func quota(reading read: (String) -> String?) -> Int? {
        if let line = read("/sys/fs/cgroup/cpu.max") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\n" })
            guard fields.count >= 2, let quota = Int(fields[0]), let period = Int(fields[1]) else { return nil }
            return wholeCPUs(quota: quota, period: period)
        }
        guard let quotaText = read("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"),
              let periodText = read("/sys/fs/cgroup/cpu/cpu.cfs_period_us"),
              let quota = Int(quotaText.filter { !$0.isWhitespace }),
              let period = Int(periodText.filter { !$0.isWhitespace })
        else { return nil }
        return wholeCPUs(quota: quota, period: period)
    }

    private static func wholeCPUs(quota: Int, period: Int) -> Int? {
        guard quota > 0, period > 0 else { return nil }
        return (quota + period - 1) / period
    }

    /// The cores the affinity mask allows; nil where it cannot be read.
    static func affinityCount() -> Int? {
        let count = Int(kv_affinity_cpu_count())
        return count > 0 ? count : nil
    }

    public static func readFile(_ path: String) -> String? {
        #if canImport(Glibc)
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 256)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        return String(cString: buffer)
        #else
        return nil
        #endif
    }
}
