/// `GET /`: the cluster at a glance — one page, no framework, no outside assets. It reads
/// `v1/cluster` from the pod that served it (so it works through `kv-read`), every
/// `refreshSeconds`, and draws the table and the charts itself (inline SVG). With a password
/// set it asks for it once and keeps it in the tab's `sessionStorage`.
enum ClusterPage {
    static let refreshSeconds = 5

    static var response: HTTPResponse {
        HTTPResponse(status: .ok, headers: [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Cache-Control", "no-store"),
            // Only this page's own script and style, and requests back to this origin.
            ("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'"),
            ("X-Content-Type-Options", "nosniff"),
        ], body: Array(html.utf8))
    }

    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>kv cluster</title>
    <style>
      body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1d2330; background: #fafbfc; }
      header { display: flex; align-items: baseline; gap: 1em; flex-wrap: wrap; }
      h1 { font-size: 1.4em; margin: 0 0 .6em; }
      .muted { color: #6a7384; }
      table { border-collapse: collapse; width: 100%; background: #fff; box-shadow: 0 1px 2px #0002; }
      th, td { text-align: left; padding: .45em .8em; border-bottom: 1px solid #e6e8ec; white-space: nowrap; }
      th { font-weight: 600; color: #4a5263; background: #f1f3f6; }
      td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
      .ok { color: #11804a; font-weight: 600; }
      .bad { color: #c0392b; font-weight: 600; }
      .warn { color: #b36b00; }
      .badge { font-size: .8em; padding: 0 .4em; border-radius: 3px; background: #e3ecfa; color: #2456a6; margin-left: .4em; }
      .charts { display: flex; flex-wrap: wrap; gap: 1.2em; margin-top: 1.2em; }
      figure { margin: 0; flex: 1 1 420px; background: #fff; box-shadow: 0 1px 2px #0002; padding: .6em .8em; }
      figcaption { font-weight: 600; margin-bottom: .3em; }
      svg { width: 100%; height: auto; display: block; }
      svg text { font-size: 11px; fill: #6a7384; }
      .legend span { margin-right: 1em; white-space: nowrap; }
      .legend i { display: inline-block; width: .9em; height: .25em; vertical-align: middle; margin-right: .3em; }
      #error { color: #c0392b; }
      form { background: #fff; box-shadow: 0 1px 2px #0002; padding: 1em; max-width: 26em; }
      input { font: inherit; padding: .3em; margin: 0 .5em; }
    </style>
    </head>
    <body>
    <header><h1>kv · set <span id="set"></span></h1><span id="updated" class="muted"></span></header>
    <form id="login" hidden>
      <label>Password <input id="password" type="password" autocomplete="current-password" required></label>
      <button type="submit">Show the cluster</button>
      <p id="login-message" class="muted">This set needs its password (<code>--password</code>). It is kept in this tab only.</p>
    </form>
    <p id="error" hidden></p>
    <main id="cluster" hidden>
      <table>
        <thead><tr><th>pod</th><th>role</th><th>ready</th><th class="num">LSN</th><th class="num">lag (records)</th><th class="num">staleness</th><th>replication</th><th class="num">keys</th><th class="num">uptime</th></tr></thead>
        <tbody id="pods"></tbody>
      </table>
      <section class="charts">
        <figure><figcaption>Write rate on the primary (records/s)</figcaption><svg id="rate-chart" viewBox="0 0 600 200"></svg><div class="legend" id="rate-legend"></div></figure>
        <figure><figcaption>Lag behind the primary (records)</figcaption><svg id="lag-chart" viewBox="0 0 600 200"></svg><div class="legend" id="lag-legend"></div></figure>
      </section>
      <p class="muted" id="about"></p>
    </main>
    <script>
    "use strict";
    const REFRESH_MS = \#(refreshSeconds) * 1000;
    const COLOURS = ["#2456a6", "#d35400", "#11804a", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d", "#b7950b"];
    const $ = (id) => document.getElementById(id);
    const SVG = $("rate-chart").namespaceURI;
    let timer;

    function cell(row, text, className) {
      const td = row.insertCell();
      td.textContent = text;
      if (className) td.className = className;
      return td;
    }

    function duration(seconds) {
      if (seconds < 120) return seconds + " s";
      if (seconds < 7200) return Math.floor(seconds / 60) + " min";
      if (seconds < 172800) return Math.floor(seconds / 3600) + " h";
      return Math.floor(seconds / 86400) + " d";
    }

    function colour(pod) { return COLOURS[(pod.ordinal ?? 0) % COLOURS.length]; }

    function renderTable(data) {
      const body = $("pods");
      body.replaceChildren();
      for (const pod of data.pods) {
        const row = body.insertRow();
        row.id = "pod-" + pod.pod;
        row.dataset.pod = pod.pod;
        const name = cell(row, pod.pod);
        if (pod.pod === data.answeredBy) {
          const badge = document.createElement("span");
          badge.className = "badge";
          badge.textContent = "answered";
          name.append(badge);
        }
        const s = pod.status;
        if (!s) {
          cell(row, "?");
          cell(row, "unreachable", "bad");
          const reason = cell(row, pod.error || "no answer", "muted");
          reason.colSpan = 6;
          row.dataset.reachable = "false";
          continue;
        }
        row.dataset.reachable = "true";
        row.dataset.role = s.role;
        const r = s.replication || {};
        cell(row, s.role);
        cell(row, s.ready ? "yes" : "no", s.ready ? "ok" : "bad");
        cell(row, String(s.lsn), "num");
        if (s.role === "primary") {
          cell(row, "—", "num muted");
          cell(row, "—", "muted");
          const connected = (s.replicas || []).filter((x) => x.connected).length;
          cell(row, connected + " replica" + (connected === 1 ? "" : "s") + " streaming");
        } else {
          const lag = Math.max(0, (r.primaryLSN || 0) - s.lsn);
          cell(row, String(lag), "num" + (lag > 0 ? " warn" : ""));
          const stale = parseFloat(r.stalenessSeconds || "0");
          cell(row, r.stalenessSeconds + " s", "num" + (stale > 0 ? " bad" : ""));
          cell(row, (r.cloning ? "cloning" : r.linkUp ? "streaming" : "link down") + " · " + (r.readiness || ""),
               r.linkUp ? "" : "bad");
        }
        cell(row, String(s.keys), "num");
        cell(row, duration(s.uptimeSeconds), "num");
      }
    }

    function line(svg, tag, attributes, text) {
      const element = document.createElementNS(SVG, tag);
      for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
      if (text !== undefined) element.textContent = text;
      svg.append(element);
      return element;
    }

    // series: [{name, colour, points: [[unixMilliseconds, value], ...]}]
    function chart(svgId, legendId, series, windowMs, whole) {
      const svg = $(svgId);
      svg.replaceChildren();
      const [W, H, left, right, top, bottom] = [600, 200, 48, 10, 10, 22];
      const end = Math.max(Date.now(), ...series.flatMap((s) => s.points.map((p) => p[0])));
      const start = end - windowMs;
      // Four grid steps of a round size: 1, 2, 2.5 or 5 times a power of ten (whole numbers
      // for counts of records).
      const max = Math.max(0, ...series.flatMap((s) => s.points.map((p) => p[1])));
      const rough = Math.max(max / 4, whole ? 1 : 0.25);
      const power = Math.pow(10, Math.floor(Math.log10(rough)));
      const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((m) => m >= rough && (!whole || Number.isInteger(m)));
      const yMax = step * 4;
      const x = (t) => left + (W - left - right) * (t - start) / windowMs;
      const y = (v) => H - bottom - (H - top - bottom) * v / yMax;
      for (let i = 0; i <= 4; i++) {
        const v = yMax * i / 4;
        line(svg, "line", {x1: left, x2: W - right, y1: y(v), y2: y(v), stroke: "#e6e8ec"});
        line(svg, "text", {x: left - 6, y: y(v) + 4, "text-anchor": "end"}, Number.isInteger(v) ? v : v.toFixed(2));
      }
      for (let m = 0; m <= windowMs / 60000; m += 2) {
        const t = end - m * 60000;
        line(svg, "text", {x: x(t), y: H - 6, "text-anchor": m === 0 ? "end" : "middle"}, m === 0 ? "now" : "−" + m + " min");
      }
      const legend = $(legendId);
      legend.replaceChildren();
      let drawn = 0;
      for (const s of series) {
        const points = s.points.filter((p) => p[0] >= start);
        if (points.length === 0) continue;
        drawn++;
        const path = points.map((p) => x(p[0]).toFixed(1) + "," + y(p[1]).toFixed(1)).join(" ");
        line(svg, "polyline", {points: path, fill: "none", stroke: s.colour, "stroke-width": 2, "data-series": s.name});
        const key = document.createElement("span");
        const swatch = document.createElement("i");
        swatch.style.background = s.colour;
        key.append(swatch, s.name);
        legend.append(key);
      }
      if (drawn === 0) line(svg, "text", {x: W / 2, y: H / 2, "text-anchor": "middle"}, "no samples yet");
    }

    function renderCharts(data) {
      const windowMs = data.sampleSeconds * data.historySamples * 1000;
      const answered = data.pods.filter((p) => p.status);
      chart("rate-chart", "rate-legend",
            answered.filter((p) => p.status.role === "primary")
                    .map((p) => ({name: p.pod, colour: colour(p), points: p.history.map((h) => [h.t, h.rate])})),
            windowMs, false);
      chart("lag-chart", "lag-legend",
            answered.filter((p) => p.status.role !== "primary")
                    .map((p) => ({name: p.pod, colour: colour(p), points: p.history.map((h) => [h.t, h.lag])})),
            windowMs, true);
    }

    function showLogin(message) {
      $("cluster").hidden = true;
      $("login").hidden = false;
      if (message) $("login-message").textContent = message;
      $("password").focus();
    }

    async function refresh() {
      clearTimeout(timer);
      const headers = {};
      const password = sessionStorage.getItem("kv-password");
      if (password) headers["Authorization"] = "Bearer " + password;
      try {
        const response = await fetch("v1/cluster", {headers, cache: "no-store"});
        if (response.status === 401) {
          sessionStorage.removeItem("kv-password");
          showLogin(password ? "That password was refused. Try again." : "");
          return;  // until the form is sent
        }
        const data = await response.json();
        if (!response.ok) throw new Error(data.error || response.statusText);
        $("login").hidden = true;
        $("error").hidden = true;
        $("cluster").hidden = false;
        $("set").textContent = data.set;
        $("updated").textContent = "updated " + new Date().toLocaleTimeString() + " by " + data.answeredBy;
        $("about").textContent = "Pods found by " + (data.discovery === "dns" ? "the StatefulSet's DNS names" : "--peers") +
          ". Every pod samples itself every " + data.sampleSeconds + " s and keeps the last " +
          (data.sampleSeconds * data.historySamples / 60) + " min; this page refreshes every " + REFRESH_MS / 1000 + " s.";
        document.body.dataset.loaded = "true";
        renderTable(data);
        renderCharts(data);
      } catch (error) {
        $("error").textContent = "Cannot read the cluster: " + error.message;
        $("error").hidden = false;
      }
      timer = setTimeout(refresh, REFRESH_MS);
    }

    $("login").addEventListener("submit", (event) => {
      event.preventDefault();
      sessionStorage.setItem("kv-password", $("password").value);
      $("password").value = "";
      refresh();
    });
    refresh();
    </script>
    </body>
    </html>
    """#
}
