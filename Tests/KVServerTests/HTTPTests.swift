import Foundation
import Testing

/// The HTTP port, through curl: probes, metrics, status, and the key-value API.
@Suite struct HTTPTests {
    @Test func probesAndPodHeader() throws {
        let kv = try ServerProcess().start()
        let health = try kv.curl("GET", "/healthz")
        #expect(health.status == 200)
        #expect(health.headers["kv-pod"] == "kv-0")
        let ready = try kv.curl("GET", "/readyz")
        #expect(ready.status == 200)
        #expect(try kv.curl("GET", "/nope").status == 404)
    }

    @Test func keyValueAPIWithLSNs() throws {
        let kv = try ServerProcess().start()
        let put = try kv.curl("PUT", "/v1/kv/greeting", body: Data("hello http".utf8))
        #expect(put.status == 204)
        let lsn = Int(put.headers["kv-lsn"] ?? "") ?? 0
        #expect(lsn >= 1)
        let get = try kv.curl("GET", "/v1/kv/greeting")
        #expect(get.status == 200)
        #expect(get.body == "hello http")
        #expect(get.headers["kv-pod"] == "kv-0")
        #expect(try kv.redis("GET", "greeting") == "hello http")
        let second = try kv.curl("PUT", "/v1/kv/a%20b?ttl=100", body: Data("spaced".utf8))
        #expect(Int(second.headers["kv-lsn"] ?? "") ?? 0 > lsn)
        #expect(try kv.redis("GET", "a b") == "spaced")
        #expect(Int(try kv.redis("TTL", "a b")) ?? 0 > 90)
        #expect(try kv.curl("DELETE", "/v1/kv/greeting").status == 204)
        #expect(try kv.curl("DELETE", "/v1/kv/greeting").status == 404)
        #expect(try kv.curl("GET", "/v1/kv/greeting").status == 404)
        #expect(try kv.curl("PUT", "/v1/kv/x?ttl=-1", body: Data("v".utf8)).status == 400)
    }

    @Test func metricsAndStatus() throws {
        let kv = try ServerProcess().start()
        _ = try kv.redis("SET", "m", "1")
        _ = try kv.redis("GET", "m")
        let metrics = try kv.curl("GET", "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.body.contains("kv_commands_total{command=\"set\"} 1"))
        #expect(metrics.body.contains("kv_keys 1"))
        #expect(metrics.body.contains("kv_fsync_total"))
        #expect(metrics.body.contains("kv_command_duration_seconds_bucket{le=\"+Inf\"}"))
        let status = try kv.curl("GET", "/status")
        #expect(status.status == 200)
        let json = try JSONSerialization.jsonObject(with: Data(status.body.utf8)) as? [String: Any]
        #expect(json?["role"] as? String == "primary")
        #expect(json?["lsn"] as? Int == 1)
        #expect(json?["pod"] as? String == "kv-0")
        #expect((json?["history"] as? String)?.count == 32)
    }

    @Test func passwordProtectsDataButNotProbes() throws {
        let kv = try ServerProcess(arguments: ["--password", "s3cret"]).start()
        #expect(try kv.curl("GET", "/healthz").status == 200)
        #expect(try kv.curl("GET", "/readyz").status == 200)
        #expect(try kv.curl("GET", "/metrics").status == 200)
        #expect(try kv.curl("GET", "/status").status == 401)
        #expect(try kv.curl("PUT", "/v1/kv/k", body: Data("v".utf8)).status == 401)
        #expect(try kv.curl("PUT", "/v1/kv/k", body: Data("v".utf8), headers: ["Authorization: Bearer wrong"]).status == 401)
        #expect(try kv.curl("PUT", "/v1/kv/k", body: Data("v".utf8), headers: ["Authorization: Bearer s3cret"]).status == 204)
        #expect(try kv.curl("GET", "/status", headers: ["Authorization: Bearer s3cret"]).status == 200)
    }
}
