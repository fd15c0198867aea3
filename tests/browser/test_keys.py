"""Real-browser tests of the in-page verifier after a key rotation and a key compromise
(issue 13, parts 5 and 6).

    CREDSITE_BIN=target/release/credsite python3 -m unittest tests/browser/test_keys.py -v

The example site is built with its first key two days ago, the key is rotated
yesterday, one credential is issued yesterday (signed with the new key), then the
site is built today: every old credential's page still verifies with the retired key
and names it. Then the second key is reported compromised since yesterday: the
credential issued yesterday is still signed with it (under review) and its page says
invalid; the old credentials stay valid.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import browserlib as bl  # noqa: E402

STEP_KEY = "Issuer key"
OLD = "cdpp-2025-0101"
NEW = "cdpp-2026-0950"


def epoch(day: dt.date) -> str:
    return str(int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp()))


def credsite(root: Path, day: dt.date, *args: str) -> str:
    env = dict(os.environ, SOURCE_DATE_EPOCH=epoch(day))
    env.pop("CREDSITE_PASSPHRASE", None)
    run = subprocess.run([bl.credsite_bin(), "--root", str(root), *args],
                         capture_output=True, text=True, timeout=300, env=env)
    if run.returncode != 0:
        raise RuntimeError(f"credsite {' '.join(args)} exited {run.returncode}\n{run.stdout}\n{run.stderr}")
    return run.stdout + run.stderr


def key_step(result: dict) -> dict:
    for s in result["steps"]:
        if s["title"] == STEP_KEY:
            return s
    raise AssertionError(f"no step {STEP_KEY!r}: {result}")


class RotatedKeys(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        bl.find_chromium()
        cls.tmp = tempfile.TemporaryDirectory(prefix="credsite-browser-keys-")
        cls.root = Path(cls.tmp.name) / "site"
        today = dt.date.fromisoformat(bl.today())
        cls.today, cls.yesterday = today, today - dt.timedelta(days=1)
        two_days_ago = today - dt.timedelta(days=2)
        root = cls.root
        root.mkdir(parents=True)
        shutil.copy2(bl.REPO / "credsite.toml", root / "credsite.toml")
        for folder in ("content", "static"):
            shutil.copytree(bl.REPO / folder, root / folder)
        credsite(root, two_days_ago, "build")
        credsite(root, cls.yesterday, "keygen", "--rotate")
        with open(root / "content/credentials/roster-2019-2026.csv", "a", encoding="utf-8") as f:
            f.write(f"{NEW},Nia Rotated,,cdpp,{cls.yesterday.isoformat()},,,,\n")
        credsite(root, today, "build")
        cls.browser = bl.Browser()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.browser.close()
        cls.tmp.cleanup()

    def verdict(self, cid: str) -> dict:
        with bl.SiteServer(self.root / "public") as server:
            return self.browser.verdict_of(server.url(bl.cred_path(cid)))

    def test_1_old_and_new_credentials_verify_and_name_their_key(self) -> None:
        old = self.verdict(OLD)
        self.assertEqual(old["verdict"], "valid", old)
        self.assertEqual(key_step(old)["outcome"], "ok", old)
        self.assertIn("Signed with key 1 of 2", key_step(old)["text"])
        self.assertIn("the key active on its issue date", key_step(old)["text"])
        new = self.verdict(NEW)
        self.assertEqual(new["verdict"], "valid", new)
        self.assertIn("Signed with key 2 of 2", key_step(new)["text"])
        self.assertEqual(old["problems"], [])

    def test_2_a_compromised_key_makes_its_review_credential_invalid(self) -> None:
        out = credsite(self.root, self.today, "key", "compromised", "--since", self.yesterday.isoformat())
        self.assertIn(f"REVIEW {NEW}", out)
        credsite(self.root, self.today, "build")
        new = self.verdict(NEW)
        self.assertEqual(new["verdict"], "invalid", new)
        self.assertEqual(key_step(new)["outcome"], "fail", new)
        self.assertIn("compromised", key_step(new)["text"])
        old = self.verdict(OLD)
        self.assertEqual(old["verdict"], "valid", old)
        self.assertIn("Signed with key 1 of 3", key_step(old)["text"])


if __name__ == "__main__":
    unittest.main()
