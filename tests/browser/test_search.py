"""The home page's name search on a crowded index, in real Chromium.

    CREDSITE_BIN=target/release/credsite python3 -m unittest tests/browser/test_search.py -v

A site of 1,641 holders built by the credsite binary: 1,600 named "Maria Garcia"
(more than one shard holds, so the shards of "maria" and "garcia" keep only the first
ones and say how many they left out, and the shards of "ma", "mar" and "mari" split),
20 named "Ma Lin" (a word equal to the key of a split shard), and a few others. The
benchmark at scale is bench_search.py; these tests pin what the search says in each
case, and that the script survives what the example site's tests do not do.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bench_search  # noqa: E402
import browserlib as bl  # noqa: E402

NAMES = (["Maria Garcia"] * 1600 + ["Ma Lin"] * 20 + ["Lena Hoffmann-Šimić", "Seán Ó Briain"]
         + [f"Ysolde Wexcombe{c}" for c in "abcdefghijklmnopqrs"])


class CrowdedIndex(unittest.TestCase):
    tmp: tempfile.TemporaryDirectory
    public: Path
    server: bl.SiteServer
    browser: bl.Browser

    @classmethod
    def setUpClass(cls) -> None:
        bl.find_chromium()
        binary = bl.credsite_bin()
        cls.tmp = tempfile.TemporaryDirectory(prefix="credsite-search-")
        root = Path(cls.tmp.name) / "site"
        root.mkdir()
        bench_search.write_site(root, NAMES)
        run = subprocess.run([binary, "--root", str(root), "build", "--as-of", bl.today()],
                             capture_output=True, text=True, timeout=300)
        if run.returncode != 0:
            cls.tmp.cleanup()
            raise RuntimeError(f"build failed:\n{run.stdout}\n{run.stderr}")
        cls.public = root / "public"
        cls.server = bl.SiteServer(cls.public).__enter__()
        cls.browser = bl.Browser()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.browser.close()
        cls.server.__exit__(None, None, None)
        cls.tmp.cleanup()

    def home(self, url: str = "") -> "bl.Page":
        page = self.browser.open(url or self.server.url(""))
        page.wait_for("document.readyState === 'complete' && !!window.credsiteFold")
        return page

    def type_query(self, page: "bl.Page", value: str, note_starts: str) -> dict:
        """Sets the box to `value` (an input event, as a keystroke makes) and waits
        for a note beginning with `note_starts`; returns the note and the results."""
        page.evaluate(
            "(() => { const i = document.getElementById('search-name');"
            f" i.value = {json.dumps(value)}; i.dispatchEvent(new Event('input')); }})()")
        return page.wait_for(
            "(() => { const note = document.getElementById('search-note').textContent;"
            f" if (!note.startsWith({json.dumps(note_starts)})) return null;"
            " return {note: note, names: [...document.querySelectorAll('#search-results a')]"
            ".map((a) => a.textContent)}; })()", timeout_s=10)

    def assert_no_script_error(self, page: "bl.Page") -> None:
        serious = [p for p in page.problems()
                   if p.startswith("exception") or "Content Security Policy" in p]
        self.assertEqual(serious, [])

    def test_the_index_splits_and_a_common_name_keeps_what_fits(self) -> None:
        def shard(key: str) -> dict:
            name = key.encode().hex()
            path = self.public / "search" / "n" / name[:4] / (name + ".json")
            return json.loads(path.read_text(encoding="utf-8"))
        for key in ("ma", "mar", "mari"):
            self.assertTrue(shard(key)["split"], key)
        self.assertEqual(len(shard("ma")["holders"]), 20, "the Ma Lins stay in \"ma\"")
        maria = shard("maria")
        self.assertFalse(maria["split"])
        self.assertGreater(maria["more"], 0)
        self.assertEqual(len(maria["holders"]) + maria["more"], 1600)

    def test_a_name_too_common_for_the_index_says_the_list_is_not_complete(self) -> None:
        page = self.home()
        try:
            got = self.type_query(page, "maria garcia", "Showing")
            self.assertEqual(len(got["names"]), 50)
            self.assertEqual(set(got["names"]), {"Maria Garcia"})
            self.assertIn("not all", got["note"])
            self.assertNotIn(" of ", got["note"].split(":")[0], "no count given as complete")
            self.assert_no_script_error(page)
        finally:
            page.close()

    def test_a_prefix_of_longer_names_asks_for_more_letters(self) -> None:
        page = self.home()
        try:
            got = self.type_query(page, "ma", "Showing")
            self.assertEqual(got["names"], ["Ma Lin"] * 20)
            self.assertIn("keep typing", got["note"])
            got = self.type_query(page, "mar", "Keep typing")
            self.assertEqual(got["names"], [])
            got = self.type_query(page, "ysolde", "19 holders found.")  # complete: counted
            self.assertEqual(len(got["names"]), 19)
        finally:
            page.close()

    def test_each_letter_downloads_at_most_one_shard(self) -> None:
        page = self.home()
        try:
            typist = bench_search.Typist(page, self.server, settle_s=0.05)
            typist.start()
            keys = [typist.key(ch) for ch in "maria garcia"]
            self.assertEqual([k["downloads"] for k in keys],
                             [0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1],
                             [(k["value"], k["shard_urls"]) for k in keys])
            self.assertTrue(all(k["updated"] and not k["wrong"] for k in keys))
            self.assert_no_script_error(page)
        finally:
            page.close()

    def test_going_back_to_one_letter_clears_the_results(self) -> None:
        page = self.home()
        try:
            got = self.type_query(page, "simic", "1 holder found")
            self.assertEqual(got["names"], ["Lena Hoffmann-Šimić"])
            got = self.type_query(page, "s", "Type at least two letters")
            self.assertEqual(got["names"], [])
            self.assert_no_script_error(page)
        finally:
            page.close()

    def test_an_index_that_cannot_be_fetched_says_so(self) -> None:
        # Opened from the file system, the page cannot fetch its shards.
        page = self.home((self.public / "index.html").as_uri())
        try:
            got = self.type_query(page, "simic", "The search index could not be loaded")
            self.assertEqual(got["names"], [])
            self.assertFalse([p for p in page.problems() if p.startswith("exception")])
        finally:
            page.close()


if __name__ == "__main__":
    unittest.main()
