import KVWire
import Testing
@testable import KVServer

/// The cluster page's history and how `/v1/cluster` reads a peer's answer, without processes.
@Suite struct StatusHistoryTests {
    @Test func rateIsRecordsPerSecondBetweenSamples() {
        var history = StatusHistory()
        history.record(unixMilliseconds: 10_000, lsn: 100, lagRecords: 0, stalenessSeconds: 0)
        history.record(unixMilliseconds: 15_000, lsn: 600, lagRecords: 3, stalenessSeconds: 0)
        history.record(unixMilliseconds: 20_000, lsn: 5, lagRecords: 0, stalenessSeconds: 1.5)  // re-cloned: went back
        #expect(history.samples.map(\.recordsPerSecond) == [0, 100, 0])
        #expect(history.samples.map(\.lagRecords) == [0, 3, 0])
        #expect(history.json.rendered.hasPrefix(#"[{"t":10000,"lsn":100,"rate":0.0,"lag":0,"staleness":0.0},{"t":15000,"lsn":600,"rate":100.0,"lag":3"#))
    }

    @Test func keepsTheLastTenMinutes() {
        var history = StatusHistory()
        for index in 0..<(StatusHistory.capacity + 30) {
            history.record(unixMilliseconds: Int64(index) * 5000, lsn: UInt64(index), lagRecords: 0, stalenessSeconds: 0)
        }
        #expect(history.samples.count == StatusHistory.capacity)
        #expect(history.samples.first?.lsn == 30)
        #expect(StatusHistory.capacity * Int(StatusHistory.interval.components.seconds) == 600)
    }

    @Test func peerAnswerIsReadFromKVStatus() {
        let reply: RESPValue = .array([
            .bulkString("pod"), .bulkString("kv-2"), .bulkString("ordinal"), .integer(2),
            .bulkString("status"), .bulkString(#"{"pod":"kv-2"}"#), .bulkString("history"), .bulkString("[]"),
        ])
        let pod = ClusterView.pod(from: [.simpleString("OK"), reply], address: "kv-2.kv:6379")
        #expect(pod.name == "kv-2" && pod.ordinal == 2 && pod.status == #"{"pod":"kv-2"}"# && pod.history == "[]")
        #expect(pod.json.rendered.contains(#""reachable":true,"status":{"pod":"kv-2"},"history":[]"#))

        let refused = ClusterView.pod(from: [.error("WRONGPASS invalid username-password pair"), .error("NOAUTH Authentication required.")],
                                      address: "kv-1.kv:6379")
        #expect(refused.status == nil && refused.error == "WRONGPASS invalid username-password pair")
        #expect(ClusterView.pod(from: [.bulkString("{not json")], address: "a:1").error == "not a KV.STATUS answer")
    }

    @Test func podsAreListedOncePerNameByOrdinal() {
        let pods = [
            ClusterView.Pod(name: "kv-1", ordinal: 1, address: "this pod", status: "{}"),
            ClusterView.Pod(name: "127.0.0.1:7000", ordinal: nil, address: "127.0.0.1:7000", error: "cannot connect"),
            ClusterView.Pod(name: "kv-0", ordinal: 0, address: "a:1", status: "{}"),
            ClusterView.Pod(name: "kv-1", ordinal: 1, address: "b:2", status: "{}"),
        ]
        #expect(ClusterView.ordered(pods).map(\.address) == ["a:1", "this pod", "127.0.0.1:7000"])
        #expect(ClusterView.podName(fromHost: "kv-3.kv") == "kv-3")
        #expect(ClusterView.podName(fromHost: "127.0.0.1") == nil)
    }
}
