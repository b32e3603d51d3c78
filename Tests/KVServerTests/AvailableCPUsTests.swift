@testable import KVServer
import Testing

/// The default loop count comes from the CPUs the process may use: affinity, capped by a
/// cgroup quota (v2 or v1) rounded up.
@Suite struct AvailableCPUsTests {
    static func files(_ contents: [String: String]) -> (String) -> String? { { contents[$0] } }

    @Test func aCgroupQuotaCapsTheCoresRoundedUp() {
        let cores = AvailableCPUs.affinityCount() ?? System.coreCount
        #expect(AvailableCPUs.count(reading: Self.files([:])) == cores)
        #expect(AvailableCPUs.count(reading: Self.files(["/sys/fs/cgroup/cpu.max": "max 100000\n"])) == cores)
        #expect(AvailableCPUs.count(reading: Self.files(["/sys/fs/cgroup/cpu.max": "50000 100000\n"])) == 1)
        #expect(AvailableCPUs.quota(reading: Self.files(["/sys/fs/cgroup/cpu.max": "150000 100000\n"])) == 2)
        #expect(AvailableCPUs.quota(reading: Self.files(["/sys/fs/cgroup/cpu.max": "garbage"])) == nil)
        #expect(AvailableCPUs.quota(reading: Self.files(["/sys/fs/cgroup/cpu/cpu.cfs_quota_us": "300000\n",
                                                         "/sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n"])) == 3)
        #expect(AvailableCPUs.quota(reading: Self.files(["/sys/fs/cgroup/cpu/cpu.cfs_quota_us": "-1\n",
                                                         "/sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n"])) == nil)
        #expect(AvailableCPUs.count(reading: Self.files(["/sys/fs/cgroup/cpu.max": "6400000 100000"])) == cores)
    }

    @Test func oneLoopOnUpToTwoCPUsThenOneFewerThanTheCPUs() {
        #expect([1, 2, 3, 4, 8].map(AvailableCPUs.defaultEventLoops(cpus:)) == [1, 1, 2, 3, 7])
    }
}
