"""A real headless browser (Debian's chromium) driven over the DevTools protocol, for the
cluster page: open a URL, type the password into the page's form if it asks, wait until the
page's script rendered the cluster, take a screenshot.

The protocol runs over a pipe (`--remote-debugging-pipe`: commands on the browser's fd 3,
answers on its fd 4, one JSON message per NUL byte), so no WebSocket library is needed and
no debugging port is opened.
"""

import base64
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time


def chromium():
    """The browser's path, or None when it is not installed (apt-get install chromium). Debian's
    /usr/bin/chromium is a launcher script; the binary itself is called, so that the pipes
    reach it as they are."""
    for path in ("/usr/lib/chromium/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if path and os.access(path, os.X_OK):
            return path
    return None


class Browser:
    def __init__(self, width=1200, height=800):
        self.profile = tempfile.mkdtemp(prefix="kv-chromium-")
        # The browser reads fd 3 and writes fd 4: its ends of the pipes are put above those
        # numbers first, so that bash below can move them there without clobbering one.
        reading, self._commands = os.pipe()
        self._answers, writing = os.pipe()
        to_browser, from_browser = fcntl.fcntl(reading, fcntl.F_DUPFD, 10), fcntl.fcntl(writing, fcntl.F_DUPFD, 10)
        os.close(reading)
        os.close(writing)
        command = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
                   "--user-data-dir=" + self.profile, "--window-size=%d,%d" % (width, height), "about:blank"]
        # bash (sh takes single-digit fds only) puts the pipes on fds 3 and 4, where chromium expects them.
        self.process = subprocess.Popen(
            ["bash", "-c", 'exec "$@" 3<&%d 4>&%d %d<&- %d>&-' % (to_browser, from_browser, to_browser, from_browser), "bash"] + command,
            pass_fds=(to_browser, from_browser), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser)
        os.close(from_browser)
        self._buffer = b""
        self._next_id = 0
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height,
                  deviceScaleFactor=1, mobile=False)

    def call(self, method, session=False, **params):
        """Sends one command and returns its result (events in between are skipped)."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._buffer:
                chunk = os.read(self._answers, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe")
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            answer = json.loads(raw)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError("%s: %s" % (method, answer["error"]))
                return answer.get("result", {})

    def evaluate(self, expression):
        """The value of a JavaScript expression in the page."""
        result = self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def open(self, url):
        self.call("Page.navigate", session=True, url=url)

    def wait_for(self, expression, timeout=20):
        """Waits until `expression` is truthy in the page; returns its value."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                value = self.evaluate(expression)
            except RuntimeError:
                value = None  # the page is between documents
            if value:
                return value
            time.sleep(0.2)
        raise AssertionError("the page never showed %s" % expression)

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.call("Browser.close")
        except (RuntimeError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._commands, self._answers):
            os.close(fd)
        shutil.rmtree(self.profile, ignore_errors=True)


def show_cluster(url, password, screenshot=None, expect_pods=()):
    """Opens the cluster page at `url` as a user would: the page asks for the password, it is
    typed into the form and sent; then waits until a row for each of `expect_pods` is shown
    and returns the rendered rows' pod names and roles (and the page as a PNG at `screenshot`)."""
    browser = Browser()
    try:
        browser.open(url)
        asked = browser.wait_for("document.body.dataset.loaded || (!document.getElementById('login').hidden && 'login')")
        if asked == "login":
            browser.evaluate("document.getElementById('password').value = %s;"
                             "document.getElementById('login').requestSubmit(); true" % json.dumps(password))
        wanted = json.dumps(list(expect_pods))
        browser.wait_for("document.body.dataset.loaded === 'true' && %s.every((p) => document.getElementById('pod-' + p))" % wanted)
        rows = browser.evaluate("[...document.querySelectorAll('#pods tr')].map((r) => [r.dataset.pod, r.dataset.role || ''])")
        if screenshot:
            time.sleep(0.5)  # let the charts settle after the last refresh
            browser.screenshot(screenshot)
        return {"asked_password": asked == "login", "rows": rows}
    finally:
        browser.close()
