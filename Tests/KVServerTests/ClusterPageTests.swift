import Foundation
import Testing

/// The cluster page (`GET /`) and what it reads (`GET /v1/cluster`), on real processes:
/// kv-0, kv-1 and kv-2 on loopback, which have no StatefulSet DNS names, so each is told the
/// others with `--peers` (and a replica finds the primary through `--primary`). The page itself
/// is run in a real headless browser when Debian's `chromium` is installed.
@Suite(.serialized) struct ClusterPageTests {
    /// Three pods that know each other through `--peers`; returns them started.
    static func cluster(password: String? = nil) throws -> [ServerProcess] {
        let auth = password.map { ["--password", $0] } ?? []
        let primary = try ServerProcess(arguments: auth)
        let replicas = try (1...2).map { ordinal in
            try ServerProcess(arguments: ["--primary", "127.0.0.1:\(primary.port)",
                                          "--clone-from", "127.0.0.1:\(primary.port)"] + auth,
                              hostname: "kv-\(ordinal)")
        }
        let pods = [primary] + replicas
        func peers(of pod: ServerProcess) -> [String] {
            ["--peers", pods.filter { $0 !== pod }.map { "127.0.0.1:\($0.port)" }.joined(separator: ",")]
        }
        // The primary first without peers: an empty primary whose peers exist but do not answer
        // yet asks them for 1.5 s, long enough for another test's server to take its free port.
        try primary.start(extra: ["--peers", ""])
        for replica in replicas { try replica.start(extra: peers(of: replica)) }
        // Then with them (it asks them where their data ends: they answer at once).
        #expect(primary.terminate() == 0)
        try primary.start(extra: peers(of: primary))
        return pods
    }

    static func document(_ result: HTTPResult) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(result.body.utf8)) as? [String: Any] else {
            throw HarnessError("not a JSON object: \(result.body)")
        }
        return object
    }

    static func pods(_ document: [String: Any]) -> [[String: Any]] {
        document["pods"] as? [[String: Any]] ?? []
    }

    @Test func pageIsOneSelfContainedHTMLFile() throws {
        let kv = try ServerProcess().start()
        let page = try kv.curl("GET", "/")
        #expect(page.status == 200)
        #expect(page.headers["content-type"] == "text/html; charset=utf-8")
        #expect(page.headers["kv-pod"] == "kv-0")
        #expect(page.body.contains("<table") && page.body.contains("<script>") && page.body.contains("v1/cluster"))
        // No outside assets: no URL with a scheme or a host, no linked script, style or image.
        for outside in ["http:", "https:", "//cdn", "<link", "src=", "@import", "url("] {
            #expect(!page.body.contains(outside), "the page refers to something outside itself: \(outside)")
        }
        #expect(page.body.utf8.count < 16_000, "the page should stay small: \(page.body.utf8.count) bytes")
    }

    @Test func clusterListsEveryPodWithRoleLSNAndLag() throws {
        let pods = try Self.cluster()
        for index in 0..<50 { _ = try pods[0].redis("SET", "k\(index)", "v") }
        let lsn = try TestCluster.lsn(of: pods[0])
        let deadline = Date().addingTimeInterval(30)
        while try pods.dropFirst().contains(where: { try TestCluster.lsn(of: $0) < lsn }), Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        // Asked of every pod: each answers for the whole set (as through kv-read).
        for asked in pods {
            let reply = try asked.curl("GET", "/v1/cluster")
            #expect(reply.status == 200)
            #expect(reply.headers["content-type"] == "application/json")
            let document = try Self.document(reply)
            #expect(document["answeredBy"] as? String == asked.hostname)
            #expect(document["discovery"] as? String == "peers")
            #expect(document["sampleSeconds"] as? Int == 5)
            let listed = Self.pods(document)
            #expect(listed.map { $0["pod"] as? String } == ["kv-0", "kv-1", "kv-2"])
            for pod in listed {
                let status = pod["status"] as? [String: Any] ?? [:]
                #expect(pod["reachable"] as? Bool == true, "\(pod)")
                #expect(status["role"] as? String == (pod["pod"] as? String == "kv-0" ? "primary" : "replica"))
                #expect(status["lsn"] as? Int == Int(lsn))
                #expect(status["ready"] as? Bool == true)
                let replication = status["replication"] as? [String: Any] ?? [:]
                #expect(replication["primaryLSN"] as? Int == Int(lsn))
                // The sampler takes its first sample when the pod starts serving.
                let history = pod["history"] as? [[String: Any]] ?? []
                #expect(!history.isEmpty && history.allSatisfy { $0["t"] is Int && $0["lsn"] is Int && $0["lag"] is Int && $0["rate"] != nil })
            }
        }
        // A pod that is down is listed, unreachable, with the reason.
        pods[1].kill9()
        let listed = Self.pods(try Self.document(try pods[2].curl("GET", "/v1/cluster")))
        let down = listed.first { $0["pod"] as? String == "127.0.0.1:\(pods[1].port)" }
        #expect(down?["reachable"] as? Bool == false)
        #expect((down?["error"] as? String)?.contains("connect") == true, "\(String(describing: down))")
        #expect(listed.filter { $0["reachable"] as? Bool == true }.compactMap { $0["pod"] as? String } == ["kv-0", "kv-2"])
    }

    @Test func clusterNeedsThePasswordAndUsesItWithPeers() throws {
        let pods = try Self.cluster(password: "s3cret")
        let refused = try pods[1].curl("GET", "/v1/cluster")
        #expect(refused.status == 401)
        #expect(refused.headers["www-authenticate"] == "Bearer")
        #expect(try pods[1].curl("GET", "/v1/cluster", headers: ["Authorization: Bearer wrong"]).status == 401)
        // The page holds no data: it is served, and asks for the password itself.
        #expect(try pods[1].curl("GET", "/").status == 200)
        let reply = try pods[1].curl("GET", "/v1/cluster", headers: ["Authorization: Bearer s3cret"])
        #expect(reply.status == 200)
        let listed = Self.pods(try Self.document(reply))
        #expect(listed.map { $0["pod"] as? String } == ["kv-0", "kv-1", "kv-2"])
        #expect(listed.allSatisfy { $0["reachable"] as? Bool == true }, "\(listed)")
    }

    // MARK: - In a real browser

    /// Debian's `chromium`, if installed (`.ci/run` installs it).
    static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// The DOM after the page's script ran: chromium headless, `--dump-dom`.
    static func renderedDOM(of url: String) throws -> String {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("kv-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let command = [chromium!, "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.path)",
                       "--virtual-time-budget=4000", "--dump-dom", url].joined(separator: " ")
        // The browser's own chatter goes to stderr; the DOM to stdout.
        let result = try Tool.run("sh", ["-c", command + " 2>/dev/null"], timeout: 90)
        guard result.status == 0 else { throw HarnessError("chromium exited with \(result.status): \(result.output)") }
        return result.output
    }

    @Test(.enabled(if: chromium != nil, "needs chromium (apt-get install chromium)"))
    func browserShowsEveryPodAfterTheScriptRan() throws {
        let pods = try Self.cluster()
        let dom = try Self.renderedDOM(of: "http://127.0.0.1:\(pods[2].httpPort)/")
        #expect(dom.contains("data-loaded=\"true\""), "the script did not render the cluster: \(dom.suffix(2000))")
        for pod in pods {
            #expect(dom.contains("id=\"pod-\(pod.hostname)\""), "no row for \(pod.hostname)")
        }
        #expect(dom.contains("data-role=\"primary\"") && dom.contains("data-role=\"replica\""))
        #expect(dom.contains("<polyline"), "no chart line drawn")
        #expect(dom.contains("<p id=\"error\" hidden=\"\">"), "the page shows an error")
    }

    @Test(.enabled(if: chromium != nil, "needs chromium (apt-get install chromium)"))
    func browserAsksForThePassword() throws {
        let kv = try ServerProcess(arguments: ["--password", "s3cret"]).start()
        let dom = try Self.renderedDOM(of: "http://127.0.0.1:\(kv.httpPort)/")
        #expect(dom.contains("<form id=\"login\">"), "the password form is not shown: \(dom.prefix(3000))")
        #expect(!dom.contains("data-loaded=\"true\""))
    }
}
