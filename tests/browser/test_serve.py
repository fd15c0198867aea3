"""Real-browser test of `credsite serve` (issue 12), in headless Chromium.

    CREDSITE_BIN=target/release/credsite python3 -m unittest tests/browser/test_serve.py -v

Serves a copy of the example site with `credsite serve`, opens a credential page and
checks, in a real browser, what the HTTP tests cannot: the page's own verifier still
reaches its verdict, the injected reload script runs under the page's
Content-Security-Policy (no violation, no console error), and the page reloads by
itself when its record file is saved; a broken file shows the overlay, and the page
recovers once the file is fixed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import browserlib as bl  # noqa: E402

PAGE = "/c/66/cdpp-2019-0001/"


class ServeInBrowser(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.TemporaryDirectory(prefix="credsite-serve-")
        root = Path(self.dir.name)
        shutil.copy(bl.REPO / "credsite.toml", root)
        shutil.copytree(bl.REPO / "content", root / "content")
        shutil.copytree(bl.REPO / "static", root / "static")
        self.root = root
        self.proc = subprocess.Popen(
            [bl.credsite_bin(), "--root", str(root), "serve", "--port", "0",
             "--as-of", bl.today()],
            stderr=subprocess.PIPE, text=True)
        self.port: int | None = None
        ready = threading.Event()

        def read() -> None:
            assert self.proc.stderr is not None
            for line in self.proc.stderr:
                m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
                if m:
                    self.port = int(m.group(1))
                    ready.set()
        threading.Thread(target=read, daemon=True).start()
        self.assertTrue(ready.wait(60), "serve did not start")
        self.browser = bl.Browser()

    def tearDown(self) -> None:
        self.browser.close()
        self.proc.terminate()
        self.proc.wait(30)
        if self.proc.stderr is not None:
            self.proc.stderr.close()
        self.dir.cleanup()

    def test_reload_overlay_and_csp(self) -> None:
        url = f"http://127.0.0.1:{self.port}{PAGE}"
        page = self.browser.open(url)
        result = page.wait_verdict()
        self.assertIn(result["verdict"], bl.VERDICTS)
        self.assertTrue(page.evaluate(
            "!!document.getElementById('credsite-serve-banner')"), "the preview banner")
        page.wait_for("document.readyState === 'complete'")
        self.assertEqual(page.problems(), [], "no CSP violation, no console error")

        roster = self.root / "content/credentials/roster-2019-2026.csv"
        good = roster.read_text()
        roster.write_text(good.replace("Javier Rahman", "Javier Reloaded"))
        page.wait_for("document.body.innerText.includes('Javier Reloaded')")

        roster.write_text(good + "broken,row\n")
        page.wait_for("!!document.getElementById('credsite-serve-overlay')")
        text = page.evaluate("document.getElementById('credsite-serve-overlay').innerText")
        self.assertIn("content/credentials/roster-2019-2026.csv:", text)

        roster.write_text(good)
        page.wait_for("!document.getElementById('credsite-serve-overlay')"
                      " && document.body.innerText.includes('Javier Rahman')")
        page.wait_verdict()
        self.assertEqual(page.problems(), [], "no CSP violation after reloads")


if __name__ == "__main__":
    unittest.main()
