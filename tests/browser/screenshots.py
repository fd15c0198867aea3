"""Re-creates the README's screenshots of credential pages after their in-page check.

    CREDSITE_BIN=target/release/credsite python3 tests/browser/screenshots.py [OUT_DIR]

Builds the example site (a copy, `--as-of` today), serves it on 127.0.0.1 and, in
headless Chromium over the DevTools protocol, waits for each page's final
`data-verdict` before taking a PNG of the whole page, 1200 CSS px wide:

  screenshot-valid.png    a valid credential
  screenshot-revoked.png  a revoked credential (cdpp-2021-0003)
  screenshot-invalid.png  a forged copy: the holder's name changed in the page and in
                          the credential.json beside it (the signature no longer matches)

OUT_DIR defaults to docs/ of the repository.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import browserlib as bl  # noqa: E402

VALID_ID = "cdpp-2025-0001"
REVOKED_ID = "cdpp-2021-0003"
FORGED_ID = "cops-2025-0001"
FORGED_NAME = "Alex Forger"
WIDTH = 1200


def holder_name(credential: dict) -> str:
    for ident in credential["credentialSubject"]["identifier"]:
        if ident.get("identityType") == "name" and not ident.get("hashed"):
            return ident["identityHash"]
    raise ValueError("no holder name")


def forge(public: Path, cid: str, new_name: str) -> None:
    """Changes the holder's name everywhere on one credential's page and in its file."""
    folder = public / bl.cred_path(cid)
    old = holder_name(json.loads((folder / "credential.json").read_text(encoding="utf-8")))
    for name in ("index.html", "credential.json"):
        path = folder / name
        text = path.read_text(encoding="utf-8")
        if old not in text:
            raise ValueError(f"{path}: no {old!r}")
        path.write_text(text.replace(old, new_name), encoding="utf-8")


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else bl.REPO / "docs"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="credsite-shots-") as tmp:
        site_root = Path(tmp) / "site"
        public = bl.build_example_site(site_root)
        expected = bl.expected_verdicts(site_root, public)
        plan = [("valid", VALID_ID, "valid"), ("revoked", REVOKED_ID, "revoked")]
        for shot, cid, want in plan:
            if expected[cid][0] != want:
                raise SystemExit(f"{cid} is {expected[cid][0]} today, not {want}: pick another")
        forged = bl.copy_site(public, Path(tmp) / "forged")
        forge(forged, FORGED_ID, FORGED_NAME)
        with bl.Browser(window=(WIDTH, 1600)) as browser:
            with bl.SiteServer(public) as server:
                jobs = [(shot, server.url(bl.cred_path(cid)), want) for shot, cid, want in plan]
                take(browser, jobs, out)
            with bl.SiteServer(forged) as server:
                take(browser, [("invalid", server.url(bl.cred_path(FORGED_ID)), "invalid")], out)
    return 0


def take(browser: bl.Browser, jobs: list[tuple[str, str, str]], out: Path) -> None:
    for shot, url, want in jobs:
        page = browser.open(url)
        try:
            result = page.wait_verdict(timeout_s=30)
            if result["verdict"] != want:
                raise SystemExit(f"{url}: verdict {result['verdict']!r}, expected {want!r}")
            path = out / f"screenshot-{shot}.png"
            w, h = page.screenshot(path, width=WIDTH)
            print(f"{path}: {w}x{h}, verdict {result['verdict']} after {result['ms']:.0f} ms")
        finally:
            page.close()


if __name__ == "__main__":
    bl.run_script(main)
