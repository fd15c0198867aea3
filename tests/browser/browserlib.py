"""Shared helpers of the real-browser tests, the benchmark and the screenshots.

Python 3.11 standard library only. Chromium is driven over the DevTools protocol on
`--remote-debugging-pipe` (NUL-separated JSON on file descriptors 3 and 4: no
WebSocket, no npm), in real time: a test opens a page, polls its `data-verdict` until
it is one of the final verdicts, then reads the verification section. Each page gets
a fresh browser context (its own empty HTTP cache and storage).

Why not `chromium --dump-dom --virtual-time-budget=N`: it works, but under virtual
time Chromium fast-forwards its clock by 1, 5 or 10 s while the page waits on work
that does not pause virtual time (WebCrypto, streams), so pages reported verdicts
after up to 9.9 s of virtual time, and 4 of 104 loads were dumped still "pending"
with a 15 s budget (the verifier also aborts fetches after 15 s). Its
`performance.now()` is virtual time too, so no real duration can be read from it.

The credsite binary comes from $CREDSITE_BIN; Chromium from $CHROMIUM, else the first
of chromium, chromium-browser, google-chrome on PATH. A missing one is an error, never
a skip.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import fcntl
import functools
import html.parser
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Optional

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

VERDICTS = ("valid", "invalid", "revoked", "suspended", "expired", "unknown")

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


class SetupError(RuntimeError):
    """Something the browser tests need is missing (Chromium, the credsite binary)."""


def run_script(main: Callable[[], int]) -> None:
    """Runs a benchmark or screenshot script's `main` and exits with its status; a
    missing setup (SetupError) is one line on stderr and exit status 2."""
    try:
        sys.exit(main())
    except SetupError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)


def cred_path(cid: str) -> str:
    """The site path of the folder of the listed credential `cid`, as credsite's URL
    scheme makes it (src/urls.rs): c/<first two hex digits of SHA-256(id)>/<id>/."""
    import hashlib
    return f"c/{hashlib.sha256(cid.encode()).hexdigest()[:2]}/{cid}/"


def today() -> str:
    """The machine's UTC date: the browser judges dates by its own clock, so the site
    is built for the same day (never $SOURCE_DATE_EPOCH)."""
    return dt.datetime.now(dt.timezone.utc).date().isoformat()


def find_chromium() -> str:
    explicit = os.environ.get("CHROMIUM")
    if explicit:
        if shutil.which(explicit) is None:
            raise SetupError(f"$CHROMIUM={explicit!r} is not an executable")
        return shutil.which(explicit)  # type: ignore[return-value]
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise SetupError(
        "Chromium is not installed (looked for chromium, chromium-browser, google-chrome; "
        "or set $CHROMIUM): apt-get install -y chromium"
    )


def credsite_bin() -> str:
    value = os.environ.get("CREDSITE_BIN")
    if not value:
        raise SetupError(
            "set CREDSITE_BIN to the credsite release binary, e.g. "
            "CREDSITE_BIN=target/release/credsite (cargo build --release first)"
        )
    path = Path(value)
    if not path.is_absolute():
        path = Path.cwd() / path
    if not path.is_file() or not os.access(path, os.X_OK):
        raise SetupError(f"CREDSITE_BIN={value!r}: no executable there")
    return str(path)


# ---------------------------------------------------------------------------------
# Building and serving a site


def build_example_site(dest: Path, as_of: Optional[str] = None, source: Path = REPO) -> Path:
    """Copies the example site's input (credsite.toml, content/, static/) into `dest`
    and builds it there with `--as-of` (default: today). Returns `dest/public`. The
    theme is the binary's built-in one (themes/default/ is embedded at compile time),
    so the pages are what the shipped binary makes."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / "credsite.toml", dest / "credsite.toml")
    for folder in ("content", "static"):
        shutil.copytree(source / folder, dest / folder)
    cmd = [credsite_bin(), "--root", str(dest), "build", "--as-of", as_of or today()]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if run.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} exited {run.returncode}\n{run.stdout}\n{run.stderr}"
        )
    return dest / "public"


def copy_site(public: Path, dest: Path) -> Path:
    """A copy of a built site (hidden files included) to tamper with."""
    shutil.copytree(public, dest)
    return dest


class _Handler(http.server.SimpleHTTPRequestHandler):
    requests_seen: list[str]
    cache_control: str = "no-store"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def end_headers(self) -> None:
        # By default no caching between loads: every page load asks the server again.
        self.send_header("Cache-Control", self.cache_control)
        super().end_headers()

    def do_GET(self) -> None:  # noqa: N802
        self.requests_seen.append(self.path)
        super().do_GET()


class SiteServer:
    """Serves a folder on 127.0.0.1 (a free port) from a thread; records the paths
    asked for. Every response says `Cache-Control: <cache_control>` (default
    no-store). Use as a context manager."""

    def __init__(self, root: Path, cache_control: str = "no-store") -> None:
        self.root = Path(root)
        self.requests: list[str] = []
        handler = type("Handler", (_Handler,), {"requests_seen": self.requests,
                                                "cache_control": cache_control})
        self.httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(handler, directory=str(self.root))
        )
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "SiteServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)

    def url(self, path: str) -> str:
        return self.origin + "/" + path.lstrip("/")


# ---------------------------------------------------------------------------------
# Reading the verdict out of a page


class _VerificationParser(html.parser.HTMLParser):
    """Finds <section id="verification">: its attributes and its text (scripts and
    styles excluded)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attrs: Optional[dict[str, str]] = None
        self.count = 0
        self.depth = 0  # open elements inside the section
        self.text: list[str] = []
        self.skip = 0
        self.steps: list[dict[str, str]] = []
        self.step_depth = 0  # depth of the open step <li>, 0 when none

    def handle_starttag(self, tag: str, attrs: list[tuple[str, Optional[str]]]) -> None:
        amap = {k: (v or "") for k, v in attrs}
        if self.depth:
            if tag not in self.VOID:
                self.depth += 1
                if tag in ("script", "style", "noscript"):
                    self.skip += 1
                if tag == "li" and "data-outcome" in amap and not self.step_depth:
                    self.step_depth = self.depth
                    self.steps.append({"outcome": amap["data-outcome"], "text": ""})
            if tag in ("li", "p", "br", "div", "h2", "h3", "dt", "dd", "tr"):
                self.text.append("\n")
            return
        if amap.get("id") == "verification":
            self.count += 1
            if self.attrs is None:
                self.attrs = amap
                self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in self.VOID:
            if tag in ("script", "style", "noscript") and self.skip:
                self.skip -= 1
            if self.step_depth == self.depth:
                self.step_depth = 0
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth and not self.skip:
            self.text.append(data)
            if self.step_depth:
                self.steps[-1]["text"] += data


def read_verification(dom: str) -> dict[str, Any]:
    """{"verdict", "ms", "text", "steps", "attrs", "count"} of the page's verification
    section; verdict None when there is no such section. `steps` lists the step items
    (<li data-outcome=...>) as {"outcome", "title", "text"}: the title is the text
    before the first ": " without the one-character outcome mark."""
    p = _VerificationParser()
    p.feed(dom)
    p.close()
    attrs = p.attrs or {}
    ms_text = attrs.get("data-verdict-ms")
    try:
        ms = float(ms_text) if ms_text not in (None, "") else None
    except ValueError:
        ms = None
    text = re.sub(r"[ \t\r\f\v]+", " ", "".join(p.text))
    text = "\n".join(line.strip() for line in text.split("\n") if line.strip())
    steps = []
    for st in p.steps:
        full = re.sub(r"\s+", " ", st["text"]).strip()
        head, _, rest = full.partition(": ")
        mark, _, title = head.partition(" ")
        if len(mark) != 1 or not title:  # the outcome mark is one character
            title = head
        steps.append({"outcome": st["outcome"], "title": title, "text": rest or full})
    return {
        "verdict": attrs.get("data-verdict") if p.attrs is not None else None,
        "ms": ms,
        "text": text,
        "steps": steps,
        "attrs": attrs,
        "count": p.count,
    }


# ---------------------------------------------------------------------------------
# The DevTools protocol over --remote-debugging-pipe (real time)


class CDPError(RuntimeError):
    pass


class Browser:
    """A headless Chromium driven over the DevTools protocol pipe. Use as a context
    manager; `open(url)` gives a `Page` in a fresh browser context (own cookies and
    HTTP cache)."""

    def __init__(self, window: tuple[int, int] = (1200, 1600)) -> None:
        self.window = window
        self.profile = tempfile.TemporaryDirectory(prefix="credsite-chromium-")
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()
        # Numbers >= 10 so that `3<&a 4>&b` in the shell cannot clobber each other.
        a = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
        b = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        cmd = [find_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={self.profile.name}",
               f"--window-size={window[0]},{window[1]}", "--remote-debugging-pipe",
               "about:blank"]
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            ["bash", "-c", f'exec "$@" 3<&{a} 4>&{b} {a}<&- {b}>&-', "bash", *cmd],
            pass_fds=(a, b), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=self.stderr,
        )
        os.close(a)
        os.close(b)
        self.wfd = to_chrome_w
        self.rfd = from_chrome_r
        self.next_id = 0
        self.lock = threading.Condition()
        self.responses: dict[int, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self.closed = False
        self.reader = threading.Thread(target=self._read_loop, daemon=True)
        self.reader.start()
        self.call("Target.setDiscoverTargets", {"discover": False})

    def _read_loop(self) -> None:
        buf = b""
        while True:
            try:
                chunk = os.read(self.rfd, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self.lock:
                    self.closed = True
                    self.lock.notify_all()
                return
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw)
                with self.lock:
                    if "id" in msg:
                        self.responses[msg["id"]] = msg
                    else:
                        self.events.append(msg)
                    self.lock.notify_all()

    def call(self, method: str, params: Optional[dict[str, Any]] = None,
             session: Optional[str] = None, timeout: float = 60) -> dict[str, Any]:
        with self.lock:
            self.next_id += 1
            mid = self.next_id
        msg: dict[str, Any] = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        data = json.dumps(msg).encode() + b"\0"
        while data:
            data = data[os.write(self.wfd, data):]
        deadline = time.monotonic() + timeout
        with self.lock:
            while mid not in self.responses:
                if self.closed:
                    raise CDPError(f"{method}: Chromium closed the pipe\n{self.stderr_tail()}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CDPError(f"{method}: no answer in {timeout} s")
                self.lock.wait(left)
            resp = self.responses.pop(mid)
        if "error" in resp:
            raise CDPError(f"{method}: {resp['error']}")
        return resp.get("result", {})

    def stderr_tail(self) -> str:
        try:
            self.stderr.seek(0)
            return "\n".join(self.stderr.read().decode(errors="replace").splitlines()[-15:])
        except OSError:
            return ""

    def open(self, url: str, width: Optional[int] = None, height: Optional[int] = None
             ) -> "Page":
        ctx = self.call("Target.createBrowserContext", {"disposeOnDetach": True})
        target = self.call("Target.createTarget", {
            "url": "about:blank", "browserContextId": ctx["browserContextId"]})
        session = self.call("Target.attachToTarget", {
            "targetId": target["targetId"], "flatten": True})["sessionId"]
        page = Page(self, session, target["targetId"], ctx["browserContextId"])
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", {}, session)
        self.call("Emulation.setDeviceMetricsOverride", {
            "width": width or self.window[0], "height": height or self.window[1],
            "deviceScaleFactor": 1, "mobile": False}, session)
        page.navigate(url)
        return page

    def verdict_of(self, url: str, timeout_s: float = 30) -> dict[str, Any]:
        """Opens url, waits for its final verdict; the result of `Page.wait_verdict`
        plus "problems" (script errors, CSP violations)."""
        page = self.open(url)
        try:
            result = page.wait_verdict(timeout_s=timeout_s)
            result["problems"] = page.problems()
            return result
        finally:
            page.close()

    def session_events(self, session: str) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.events if e.get("sessionId") == session]

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.call("Browser.close", {}, timeout=10)
            except CDPError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        for fd in (self.wfd, self.rfd):
            try:
                os.close(fd)
            except OSError:
                pass
        self.stderr.close()
        self.profile.cleanup()

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class Page:
    def __init__(self, browser: Browser, session: str, target: str, context: str) -> None:
        self.browser = browser
        self.session = session
        self.target = target
        self.context = context
        self.navigated_at = 0.0

    def call(self, method: str, params: Optional[dict[str, Any]] = None,
             timeout: float = 60) -> dict[str, Any]:
        return self.browser.call(method, params, self.session, timeout)

    def navigate(self, url: str) -> None:
        self.navigated_at = time.monotonic()
        result = self.call("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise CDPError(f"navigate {url}: {result['errorText']}")

    def evaluate(self, expression: str, await_promise: bool = False) -> Any:
        result = self.call("Runtime.evaluate", {
            "expression": expression, "returnByValue": True, "awaitPromise": await_promise})
        if "exceptionDetails" in result:
            raise CDPError(f"evaluate: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout_s: float = 30, poll_s: float = 0.01) -> Any:
        """Polls `expression` until it is truthy; returns its value."""
        deadline = time.monotonic() + timeout_s
        last: Any = None
        while time.monotonic() < deadline:
            try:
                last = self.evaluate(expression)
            except CDPError:
                last = None  # between documents
            if last:
                return last
            time.sleep(poll_s)
        raise CDPError(f"{expression!r} not true within {timeout_s} s; last {last!r}")

    def wait_verdict(self, timeout_s: float = 30, poll_s: float = 0.01) -> dict[str, Any]:
        """Polls until `data-verdict` is one of the final verdicts. Returns what
        `read_verification` reads from the section then, plus "seen_s" (the harness's
        clock from Page.navigate to the poll that saw the verdict)."""
        final = json.dumps(list(VERDICTS))
        expr = ("(() => { const s = document.getElementById('verification');"
                f" return s && {final}.includes(s.getAttribute('data-verdict'))"
                " ? {html: s.outerHTML,"
                " count: document.querySelectorAll('#verification').length} : null; })()")
        try:
            found = self.wait_for(expr, timeout_s, poll_s)
        except CDPError:
            state = self.evaluate(
                "(() => { const s = document.getElementById('verification');"
                " return s ? s.getAttribute('data-verdict') + ': ' + s.innerText"
                " : 'no #verification'; })()")
            raise CDPError(f"no final verdict within {timeout_s} s: {state}") from None
        seen = time.monotonic() - self.navigated_at
        result = read_verification(found["html"])
        result["count"] = found["count"]
        result["seen_s"] = seen
        return result

    def problems(self) -> list[str]:
        """Uncaught exceptions, console errors and CSP violations of this page."""
        out = []
        for e in self.browser.session_events(self.session):
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                out.append("exception: " + str(d.get("exception", {}).get("description")
                                               or d.get("text")))
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                if p["entry"].get("url", "").endswith("/favicon.ico"):
                    continue  # the browser's own request; the site has no favicon
                out.append(f"log ({p['entry'].get('source')}): {p['entry'].get('text')}"
                           f" {p['entry'].get('url', '')}")
            elif m == "Runtime.consoleAPICalled" and p.get("type") == "error":
                out.append("console.error: " + " ".join(
                    str(a.get("value", a.get("description"))) for a in p.get("args", [])))
        return out

    def screenshot(self, path: Path, width: int = 1200) -> tuple[int, int]:
        """A PNG of the whole page, `width` CSS px wide (device scale 1), as tall as
        its content (measured in a short viewport, so no blank space below)."""
        self.call("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": 200, "deviceScaleFactor": 1, "mobile": False})
        height = int(self.evaluate(
            "Math.ceil(Math.max(document.documentElement.scrollHeight,"
            " document.body ? document.body.scrollHeight : 0))"))
        self.call("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        self.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))",
                      await_promise=True)
        data = self.call("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": False,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})["data"]
        Path(path).write_bytes(base64.b64decode(data))
        return width, height

    def close(self) -> None:
        try:
            self.browser.call("Target.closeTarget", {"targetId": self.target})
            self.browser.call("Target.disposeBrowserContext", {"browserContextId": self.context})
        except CDPError:
            pass


# ---------------------------------------------------------------------------------
# What the example site's own data says each credential's verdict must be


def load_status_events(site_root: Path) -> list[dict[str, str]]:
    with open(site_root / "content" / "status.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def expected_verdicts(site_root: Path, public: Path, on: Optional[str] = None
                      ) -> dict[str, tuple[str, str]]:
    """{credential id: (verdict, why)} for every credential page of a built site.

    The mapping, from the site's own data:
      1. content/status.csv, events dated on or before `on` (today) in date order, file
         order within a day: `revoke` makes a credential revoked for good; `suspend`
         makes it suspended; `reinstate` lifts the suspension (valid again).
      2. `validUntil` in the credential.json beside the page before the moment of the
         check (now, UTC) makes it expired.
      3. Precedence, as `credsite verify` decides (src/vc/verify/status.rs): revoked,
         then suspended, then expired, then valid. A replaced credential is judged like
         any other by its dates and its status.
      4. A `validFrom` in the future has no verdict in the page contract: the example
         site must have none (checked, not assumed).
    """
    on = on or today()
    now = dt.datetime.now(dt.timezone.utc)
    events = sorted(
        (e for e in load_status_events(site_root) if e["date"] <= on),
        key=lambda e: e["date"],
    )
    status: dict[str, str] = {}
    for e in events:
        cid, action = e["id"], e["action"]
        if status.get(cid) == "revoked":
            continue
        if action == "revoke":
            status[cid] = "revoked"
        elif action == "suspend":
            status[cid] = "suspended"
        elif action == "reinstate":
            status[cid] = "reinstated"
        else:
            raise ValueError(f"status.csv: unknown action {action!r}")
    out: dict[str, tuple[str, str]] = {}
    for page in sorted((public / "c").glob("*/*/index.html")):
        cid = page.parent.name
        doc = json.loads((page.parent / "credential.json").read_text(encoding="utf-8"))
        valid_from = parse_time(doc["validFrom"])
        if valid_from > now:
            raise AssertionError(f"{cid}: validFrom {doc['validFrom']} is in the future; "
                                 "the page contract has no verdict for that")
        until = doc.get("validUntil")
        expired = until is not None and parse_time(until) < now
        st = status.get(cid)
        if st == "revoked":
            out[cid] = ("revoked", "revoked in content/status.csv")
        elif st == "suspended":
            out[cid] = ("suspended", "suspended in content/status.csv, not reinstated")
        elif expired:
            out[cid] = ("expired", f"validUntil {until} has passed"
                        + (" (suspension lifted)" if st == "reinstated" else ""))
        else:
            out[cid] = ("valid", ("suspension lifted in content/status.csv; " if st else "")
                        + (f"valid until {until}" if until else "no validUntil"))
    return out


def parse_time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def replaced_ids(site_root: Path) -> set[str]:
    """Credential ids named by a `replaces` field in the records."""
    ids: set[str] = set()
    folder = site_root / "content" / "credentials"
    for f in folder.glob("*.toml"):
        ids.update(re.findall(r'^\s*replaces\s*=\s*"([^"]+)"', f.read_text(encoding="utf-8"),
                              re.M))
    for f in folder.glob("*.csv"):
        lines = f.read_text(encoding="utf-8").splitlines()
        delimiter = "," if "," in lines[0] else ";"
        for row in csv.DictReader(lines, delimiter=delimiter):
            if row.get("replaces"):
                ids.add(row["replaces"])
    return ids


# ---------------------------------------------------------------------------------
# Pieces of a built credential page


def extract_verifier_script(page_html: str, page_path: Path) -> str:
    """The verifier a credential page loads: the one <script src=…> of the page,
    read relative to the page's file."""
    sources = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", page_html)
    if len(sources) != 1:
        raise AssertionError(f"expected one script file, found {sources}")
    body = (page_path.parent / sources[0]).read_text(encoding="utf-8")
    if "credsiteVerify" not in body:
        raise AssertionError(f"{sources[0]} does not define credsiteVerify")
    return body


def embedded_json_span(page_html: str, element_id: str) -> tuple[int, int]:
    """Start and end offsets of the text inside <script type="application/json"
    id=element_id>."""
    m = re.search(r'<script[^>]*\bid="' + re.escape(element_id) + r'"[^>]*>(.*?)</script>',
                  page_html, re.S)
    if not m:
        raise AssertionError(f'no <script id="{element_id}"> in the page')
    return m.start(1), m.end(1)
