"""A small headless-Chromium driver: the browser test (tests/test_browser.py),
the screenshots (tools/screenshots.py) and the PDF (tools/book_pdf.py).

It speaks the W3C WebDriver protocol (plain HTTP and JSON) to Debian's
``chromedriver``, so it needs nothing beyond the standard library, and it serves
the built site from a local HTTP server that also serves a local copy of
MathJax in place of the CDN (continuous integration is offline). Every other
host is unreachable from the browser, so a page that needs the network shows
up as an error.

    with Site(html_dir, mathjax_dir) as site, Browser() as browser:
        browser.open(site.url("index.html"), width=390)
        browser.run("return document.title")
"""
from __future__ import annotations

import base64
import functools
import http.server
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

#: the flags the course uses for headless Chromium (no sandbox: CI runs as root)
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
                  "--hide-scrollbars", "--force-device-scale-factor=1",
                  # no network: only the local server answers
                  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]

#: where Sphinx points MathJax by default, replaced by the local copy
MATHJAX_CDN = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"
MATHJAX_LOCAL = "/__mathjax__/es5/tex-mml-chtml.js"

#: installed before any script of a page runs: records uncaught errors, failed
#: resources, rejected promises and console.error calls in window.__errors
ERROR_HOOK = r"""
window.__errors = [];
window.addEventListener('error', function (e) {
  if (e.target && e.target !== window && (e.target.src || e.target.href)) {
    window.__errors.push('failed to load ' + (e.target.src || e.target.href));
  } else {
    window.__errors.push('uncaught ' + (e.message || e.error));
  }
}, true);
window.addEventListener('unhandledrejection', function (e) {
  window.__errors.push('unhandled rejection ' + (e.reason && (e.reason.stack || e.reason)));
});
(function () {
  var original = console.error;
  console.error = function () {
    window.__errors.push('console.error ' + Array.prototype.join.call(arguments, ' '));
    return original.apply(console, arguments);
  };
})();
"""


def find_chromium():
    """Paths of Chromium and its driver, or None when either is missing."""
    browser = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    driver = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
    if browser and driver:
        return browser, driver
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler(http.server.SimpleHTTPRequestHandler):
    mathjax_dir: Path | None = None

    def log_message(self, *args):  # keep pytest's output clean
        pass

    def translate_path(self, path):
        if path.startswith("/__mathjax__/") and self.mathjax_dir is not None:
            rel = path.split("?")[0][len("/__mathjax__/"):]
            return str(self.mathjax_dir / rel)
        return super().translate_path(path)

    def send_head(self):
        path = self.translate_path(self.path)
        if not path.endswith(".html") or not os.path.isfile(path):
            return super().send_head()
        body = Path(path).read_bytes().replace(MATHJAX_CDN.encode(), MATHJAX_LOCAL.encode())
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        import io
        return io.BytesIO(body)


class Site:
    """Serve ``html_dir`` on 127.0.0.1, with MathJax from ``mathjax_dir``."""

    def __init__(self, html_dir, mathjax_dir=None):
        handler = type("Handler", (_Handler,), {"mathjax_dir": Path(mathjax_dir) if mathjax_dir else None})
        self.server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(handler, directory=str(html_dir)))
        self.port = self.server.server_address[1]

    def url(self, path=""):
        return f"http://127.0.0.1:{self.port}/{path}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class WebDriverError(RuntimeError):
    pass


class Browser:
    """One headless Chromium session driven through chromedriver."""

    def __init__(self, chromium=None, driver=None):
        found = find_chromium()
        self.chromium = chromium or (found and found[0])
        self.driver = driver or (found and found[1])
        if not (self.chromium and self.driver):
            raise FileNotFoundError("chromium and chromedriver are needed")
        self.port = free_port()
        self.process = None
        self.session = None

    # -- protocol -----------------------------------------------------------
    def _call(self, method, path, payload=None, timeout=120):
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data,
                                         method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read() or b"{}").get("value")
        except urllib.error.HTTPError as error:
            detail = json.loads(error.read() or b"{}").get("value", {})
            raise WebDriverError(f"{method} {path}: {detail.get('error')}: "
                                 f"{str(detail.get('message'))[:500]}") from None

    def _session(self, method, path, payload=None, **kw):
        return self._call(method, f"/session/{self.session}{path}", payload, **kw)

    def __enter__(self):
        self.process = subprocess.Popen([self.driver, f"--port={self.port}"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while True:
            try:
                self._call("GET", "/status", timeout=5)
                break
            except (OSError, WebDriverError):
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "pageLoadStrategy": "normal",
            "goog:chromeOptions": {"binary": self.chromium, "args": CHROMIUM_FLAGS}}}}
        self.session = self._call("POST", "/session", caps)["sessionId"]
        self._session("POST", "/timeouts", {"pageLoad": 120000, "script": 120000})
        self.cdp("Page.addScriptToEvaluateOnNewDocument", source=ERROR_HOOK)
        return self

    def __exit__(self, *exc):
        try:
            if self.session:
                self._call("DELETE", f"/session/{self.session}", timeout=30)
        except (OSError, WebDriverError):
            pass
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    # -- commands -----------------------------------------------------------
    def cdp(self, cmd, **params):
        """A Chrome DevTools Protocol command (through chromedriver)."""
        return self._session("POST", "/goog/cdp/execute", {"cmd": cmd, "params": params})

    def resize(self, width, height=900):
        # the viewport, not the window, must have this width: emulate it
        self.cdp("Emulation.setDeviceMetricsOverride", width=width, height=height,
                 deviceScaleFactor=1, mobile=width < 600)

    def open(self, url, width=1280, height=900):
        self.resize(width, height)
        self._session("POST", "/url", {"url": url})

    def run(self, script, *args):
        """Run ``script`` (a function body) in the page and return its value."""
        return self._session("POST", "/execute/sync", {"script": script, "args": list(args)})

    def run_async(self, script, *args):
        """Run ``script``; it calls ``arguments[arguments.length - 1](value)`` when done."""
        return self._session("POST", "/execute/async", {"script": script, "args": list(args)})

    def click(self, css):
        """Click (as a user would) the first visible element matching ``css``;
        returns False when none is visible."""
        element = self.run(
            "return Array.from(document.querySelectorAll(arguments[0]))"
            ".find(e => e.offsetWidth > 0 && e.offsetHeight > 0) || null;", css)
        if not element:
            return False
        self._session("POST", f"/element/{next(iter(element.values()))}/click", {})
        return True

    def errors(self):
        return self.run("return window.__errors || ['the error hook was not installed'];")

    def screenshot(self, path, full_page=False):
        if full_page:
            height = self.run("return document.documentElement.scrollHeight;")
            width = self.run("return window.innerWidth;")
            self.resize(width, min(int(height), 12000))
        png = base64.b64decode(self._session("GET", "/screenshot"))
        Path(path).write_bytes(png)
        return path
