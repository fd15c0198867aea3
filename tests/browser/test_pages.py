"""Real-browser tests of the credential pages' in-page verifier (headless Chromium).

    CREDSITE_BIN=target/release/credsite python3 -m unittest discover -s tests/browser -v

Builds a fresh copy of the example site (credsite.toml, content/, static/) in a
temporary folder with `--as-of` today, serves its public/ on 127.0.0.1 (an origin that
is not the site's base_url, so the page must map base_url to its own origin), opens
each page in headless Chromium (DevTools protocol, real time, a fresh browser context
per page; see browserlib.py), waits for its final `data-verdict` and reads the
verification section: the verdict, `data-verdict-ms` and each step's outcome and text.

Nothing is skipped: without Chromium or $CREDSITE_BIN every test errors.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
import unittest
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import browserlib as bl  # noqa: E402

VECTORS = bl.REPO / "tests" / "vectors"

# Step titles of the verifier (themes/default/templates/verifier.js), named here so
# that a failing assertion says which check was expected to catch a change.
STEP_SIGNATURE = "Signature"
STEP_KEY = "Issuer key"
STEP_COPY = "Published copy"
STEP_STATUS = "Revocation and suspension"

# The W3C test vectors' Ed25519 key (tests/vectors/keyPair.json): a valid Multikey
# that is not the site's.
VECTOR_MULTIKEY = json.loads((VECTORS / "keyPair.json").read_text())["publicKeyMultibase"]


def describe(result: dict[str, Any]) -> str:
    return f"verdict {result['verdict']!r}\n{result['text']}"


def step(result: dict[str, Any], title: str) -> dict[str, str]:
    for s in result["steps"]:
        if s["title"] == title:
            return s
    raise AssertionError(f"no step {title!r} in:\n{describe(result)}")


def change_one_char(text: str, start: int, end: int) -> str:
    """`text` with the last character of text[start:end] replaced by another letter."""
    i = end - 1
    new = "b" if text[i] == "a" else "a"
    return text[:i] + new + text[i + 1:]


def name_span(json_text: str) -> tuple[int, int]:
    """Where the holder's name (the unhashed `identityHash` of identityType "name")
    stands in a credential's JSON text."""
    m = re.search(r'"identityType"\s*:\s*"name"\s*,\s*"hashed"\s*:\s*false\s*,\s*'
                  r'"identityHash"\s*:\s*"([^"\\]+)"', json_text)
    if not m:
        raise AssertionError("no unhashed holder name in the credential JSON")
    return m.start(1), m.end(1)


def b58decode(s: str) -> bytes:
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    n = 0
    for ch in s:
        n = n * 58 + alphabet.index(ch)
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * (len(s) - len(s.lstrip("1"))) + body


class SiteFixture:
    """One built example site, served; shared by the test classes."""

    tmp: tempfile.TemporaryDirectory
    site_root: Path
    public: Path
    server: bl.SiteServer
    expected: dict[str, tuple[str, str]]
    browser: bl.Browser
    started = False

    @classmethod
    def start(cls) -> None:
        if cls.started:
            return
        bl.find_chromium()  # fails (never skips) without Chromium
        bl.credsite_bin()
        cls.tmp = tempfile.TemporaryDirectory(prefix="credsite-browser-")
        try:
            cls.site_root = Path(cls.tmp.name) / "site"
            cls.public = bl.build_example_site(cls.site_root)
            cls.expected = bl.expected_verdicts(cls.site_root, cls.public)
            cls.server = bl.SiteServer(cls.public).__enter__()
        except BaseException:
            cls.tmp.cleanup()
            raise
        try:
            cls.browser = bl.Browser()
        except BaseException:
            cls.server.__exit__(None, None, None)
            cls.tmp.cleanup()
            raise
        cls.started = True

    @classmethod
    def stop(cls) -> None:
        if cls.started:
            cls.browser.close()
            cls.server.__exit__(None, None, None)
            cls.tmp.cleanup()
            cls.started = False

    @classmethod
    def ids_with(cls, verdict: str) -> list[str]:
        return [cid for cid, (v, _) in cls.expected.items() if v == verdict]


def tearDownModule() -> None:  # noqa: N802
    SiteFixture.stop()


def verdict_of(url: str) -> dict[str, Any]:
    return SiteFixture.browser.verdict_of(url)


# ---------------------------------------------------------------------------------


class ExampleSitePages(unittest.TestCase):
    """Every credential page of the example site, served over http."""

    @classmethod
    def setUpClass(cls) -> None:
        SiteFixture.start()
        cls.fx = SiteFixture

    def test_expected_verdicts_follow_the_sites_data(self) -> None:
        """The expectation (browserlib.expected_verdicts, from content/status.csv and
        the dates) agrees with the example site's known cases and with the interop
        verifier's list (tests/interop/expected-status.json)."""
        exp = self.fx.expected
        interop = json.loads((bl.REPO / "tests/interop/expected-status.json").read_text())
        self.assertEqual(sorted(self.fx.ids_with("revoked")), sorted(interop["revoked"]))
        self.assertEqual(sorted(self.fx.ids_with("suspended")), sorted(interop["suspended"]))
        self.assertEqual(sorted(self.fx.ids_with("revoked")), ["cdpp-2021-0003", "cdpp-2024-0002"])
        self.assertEqual(sorted(self.fx.ids_with("suspended")), ["cops-2024-0002", "csla-2022-0001"])
        # Reinstated: valid again (or expired by its dates), never suspended.
        self.assertIn(exp["cdpp-2022-0001"][0], ("valid", "expired"))
        # Replaced credentials are judged like any other.
        replaced = bl.replaced_ids(self.fx.site_root)
        self.assertEqual(replaced, {"csla-2021-0001", "cdpp-2024-0002"})
        self.assertEqual(exp["cdpp-2024-0002"][0], "revoked")
        self.assertIn(exp["csla-2021-0001"][0], ("valid", "expired"))
        self.assertGreater(len(self.fx.ids_with("valid")), 10)
        self.assertGreater(len(self.fx.ids_with("expired")), 5)
        self.assertEqual(len(exp), 52)

    def test_pages_embed_their_credential_and_the_issuer_key(self) -> None:
        """The page contract the verifier relies on: the embedded credential is the
        published credential.json (with `<` written \\u003c), the embedded issuer key
        is the DID document's."""
        did = json.loads((self.fx.public / ".well-known/did.json").read_text(encoding="utf-8"))
        key = did["verificationMethod"][0]["publicKeyMultibase"]
        for cid in self.fx.expected:
            with self.subTest(credential=cid):
                folder = self.fx.public / bl.cred_path(cid)
                page = (folder / "index.html").read_text(encoding="utf-8")
                a, b = bl.embedded_json_span(page, "credsite-credential")
                self.assertNotIn("<", page[a:b])
                self.assertEqual(json.loads(page[a:b]), json.loads(
                    (folder / "credential.json").read_text(encoding="utf-8")))
                a, b = bl.embedded_json_span(page, "credsite-issuer")
                self.assertNotIn("<", page[a:b])
                self.assertIn(key, page[a:b])
                self.assertEqual(page.count('id="verification"'), 1)
                self.assertIn('data-verdict="pending"', page)

    def test_every_credential_page_reaches_its_expected_verdict(self) -> None:
        exp = self.fx.expected
        results = {cid: verdict_of(self.fx.server.url(bl.cred_path(cid))) for cid in exp}
        got = {cid: r["verdict"] for cid, r in results.items()}
        print(f"\n    verdicts of {len(got)} pages: "
              + ", ".join(f"{v} {list(got.values()).count(v)}" for v in bl.VERDICTS), end=" ")
        for cid, (want, why) in sorted(exp.items()):
            with self.subTest(credential=cid, expected=want, because=why):
                r = results[cid]
                self.assertEqual(r["count"], 1, "one <section id=verification> per page")
                self.assertEqual(r["verdict"], want, describe(r))
                self.assertIsNotNone(r["ms"], "data-verdict-ms is set with the verdict")
                self.assertGreater(r["ms"], 0)
                self.assertEqual(r["problems"], [], "script errors or CSP violations")
                outcomes = {s["title"]: s["outcome"] for s in r["steps"]}
                self.assertEqual(outcomes.get(STEP_SIGNATURE), "ok", describe(r))
                self.assertEqual(outcomes.get(STEP_KEY), "ok", describe(r))
                self.assertEqual(outcomes.get(STEP_COPY), "ok", describe(r))

    def test_a_page_fetches_its_file_the_did_document_and_the_status_lists(self) -> None:
        cid = self.fx.ids_with("valid")[0]
        with bl.SiteServer(self.fx.public) as server:
            r = verdict_of(server.url(bl.cred_path(cid)))
            asked = set(server.requests)
        self.assertEqual(r["verdict"], "valid", describe(r))
        for path in (f"/{bl.cred_path(cid)}credential.json", "/.well-known/did.json",
                     "/status/revocation-1.json", "/status/suspension-1.json"):
            self.assertIn(path, asked, f"the page never fetched {path}")
        self.assertIn("Key confirmed", step(r, STEP_KEY)["text"])

    def test_opened_from_a_file_the_signature_checks_with_the_embedded_key(self) -> None:
        """Over file:// nothing can be fetched: the signature is checked with the key
        embedded in the page, which the page says is not confirmed online, and the
        status cannot be known (unknown), never invalid."""
        cid = self.fx.ids_with("valid")[0]
        page = self.fx.public / bl.cred_path(cid) / "index.html"
        r = verdict_of(page.as_uri())
        self.assertEqual(r["verdict"], "unknown", describe(r))
        self.assertEqual(step(r, STEP_SIGNATURE)["outcome"], "ok", describe(r))
        key = step(r, STEP_KEY)
        self.assertNotEqual(key["outcome"], "fail", describe(r))
        self.assertIn("embedded", key["text"].lower(), describe(r))
        self.assertIn("not confirmed online", key["text"], describe(r))
        self.assertNotIn("Key confirmed", key["text"])
        self.assertEqual(step(r, STEP_STATUS)["outcome"], "warn", describe(r))
        self.assertFalse([s for s in r["steps"] if s["outcome"] == "fail"], describe(r))


class VerifyPage(unittest.TestCase):
    """The standalone page /verify/: a credential pasted into its box is checked."""

    @classmethod
    def setUpClass(cls) -> None:
        SiteFixture.start()
        cls.fx = SiteFixture

    def paste(self, text: str) -> dict[str, Any]:
        page = self.fx.browser.open(self.fx.server.url("verify/"))
        try:
            self.assertEqual(page.wait_for(
                "document.readyState === 'complete' && typeof window.credsiteVerify"),
                "object")
            self.assertEqual(page.evaluate(
                "document.getElementById('verification').getAttribute('data-verdict')"), "idle")
            page.evaluate("document.getElementById('verify-input').value = "
                          + json.dumps(text) + "; document.getElementById('verify-run').click()")
            result = page.wait_verdict(timeout_s=30)
            result["problems"] = page.problems()
            return result
        finally:
            page.close()

    def credential_text(self, verdict: str) -> str:
        cid = self.fx.ids_with(verdict)[0]
        return (self.fx.public / bl.cred_path(cid) / "credential.json").read_text(
            encoding="utf-8")

    def test_pasted_credentials(self) -> None:
        valid = self.credential_text("valid")
        changed = change_one_char(valid, *name_span(valid))
        for name, text, want in (("valid", valid, "valid"),
                                 ("revoked", self.credential_text("revoked"), "revoked"),
                                 ("expired", self.credential_text("expired"), "expired"),
                                 ("holder name changed", changed, "invalid")):
            with self.subTest(name):
                r = self.paste(text)
                self.assertEqual(r["verdict"], want, describe(r))
                self.assertEqual(r["problems"], [], "script errors or CSP violations")
                if want != "invalid":
                    self.assertEqual(step(r, STEP_SIGNATURE)["outcome"], "ok", describe(r))
                    self.assertEqual(step(r, STEP_KEY)["outcome"], "ok", describe(r))
                else:
                    self.assertEqual(step(r, STEP_SIGNATURE)["outcome"], "fail", describe(r))


class TamperedCopies(unittest.TestCase):
    """Copies of the built site, changed after the build, each served on its own."""

    @classmethod
    def setUpClass(cls) -> None:
        SiteFixture.start()
        cls.fx = SiteFixture
        cls.tmp = tempfile.TemporaryDirectory(prefix="credsite-tampered-")
        cls.valid = cls.fx.ids_with("valid")
        assert len(cls.valid) >= 3, "the example site needs three valid credentials"

    @classmethod
    def tearDownClass(cls) -> None:
        cls.tmp.cleanup()

    def copy(self, name: str) -> Path:
        return bl.copy_site(self.fx.public, Path(self.tmp.name) / name)

    def test_changed_credential_json_beside_the_page_is_invalid(self) -> None:
        site = self.copy("file-changed")
        cid, control = self.valid[0], self.valid[2]
        path = site / bl.cred_path(cid) / "credential.json"
        before = path.read_text(encoding="utf-8")
        after = change_one_char(before, *name_span(before))
        self.assertEqual(sum(a != b for a, b in zip(before, after)), 1)
        path.write_text(after, encoding="utf-8")
        with bl.SiteServer(site) as server:
            r = verdict_of(server.url(bl.cred_path(cid)))
            ok = verdict_of(server.url(bl.cred_path(control)))
        self.assertEqual(r["verdict"], "invalid", describe(r))
        self.assertEqual(step(r, STEP_COPY)["outcome"], "fail", describe(r))
        self.assertEqual(ok["verdict"], "valid", "an untouched page of the same copy")

    def test_changed_embedded_credential_is_invalid(self) -> None:
        site = self.copy("embedded-changed")
        cid = self.valid[1]
        path = site / bl.cred_path(cid) / "index.html"
        page = path.read_text(encoding="utf-8")
        start, end = bl.embedded_json_span(page, "credsite-credential")
        n0, n1 = name_span(page[start:end])
        changed = change_one_char(page, start + n0, start + n1)
        self.assertEqual(sum(a != b for a, b in zip(page, changed)), 1)
        path.write_text(changed, encoding="utf-8")
        with bl.SiteServer(site) as server:
            r = verdict_of(server.url(bl.cred_path(cid)))
        self.assertEqual(r["verdict"], "invalid", describe(r))
        self.assertEqual(step(r, STEP_SIGNATURE)["outcome"], "fail", describe(r))

    def test_did_document_with_another_key_is_invalid(self) -> None:
        site = self.copy("did-changed")
        did_path = site / ".well-known" / "did.json"
        did = json.loads(did_path.read_text(encoding="utf-8"))
        own = did["verificationMethod"][0]["publicKeyMultibase"]
        self.assertNotEqual(own, VECTOR_MULTIKEY)
        did["verificationMethod"][0]["publicKeyMultibase"] = VECTOR_MULTIKEY
        did_path.write_text(json.dumps(did, indent=2), encoding="utf-8")
        cid = self.valid[0]
        with bl.SiteServer(site) as server:
            r = verdict_of(server.url(bl.cred_path(cid)))
        self.assertEqual(r["verdict"], "invalid", describe(r))
        self.assertEqual(step(r, STEP_KEY)["outcome"], "fail", describe(r))

    def test_deleted_status_lists_give_unknown(self) -> None:
        site = self.copy("no-status")
        for name in ("revocation-1.json", "suspension-1.json"):
            (site / "status" / name).unlink()
        cid = self.valid[0]
        with bl.SiteServer(site) as server:
            r = verdict_of(server.url(bl.cred_path(cid)))
        self.assertEqual(r["verdict"], "unknown", describe(r))
        self.assertEqual(step(r, STEP_SIGNATURE)["outcome"], "ok", describe(r))
        self.assertEqual(step(r, STEP_STATUS)["outcome"], "warn", describe(r))


# ---------------------------------------------------------------------------------

RUNNER_JS = r"""
(async function () {
  const out = { vectors: {}, jcs: [] };
  const V = window.credsiteVerify;
  const data = JSON.parse(document.getElementById("test-data").textContent);
  const enc = (s) => V.hex(new TextEncoder().encode(s));
  const attempt = async (f) => {
    try { return { ok: true, value: await f() }; }
    catch (e) { return { ok: false, error: String(e && e.message || e) }; }
  };
  try {
    if (!V) throw new Error("window.credsiteVerify is not defined");
    const v = data.vectors, r = out.vectors;
    const proofConfig = V.parseStrict(v.proofConfigText);
    const unsigned = V.parseStrict(v.unsignedText);
    const signed = V.parseStrict(v.signedText);
    r.proofCanon = V.jcs(proofConfig);
    r.docCanon = V.jcs(unsigned);
    const h = await V.hashData(proofConfig, unsigned);
    r.proofHash = V.hex(h.proofHash);
    r.docHash = V.hex(h.docHash);
    r.combined = V.hex(h.combined);
    r.sha256Doc = V.hex(await V.sha256(r.docCanon));
    r.sha256Bytes = V.hex(await V.sha256(new TextEncoder().encode(r.docCanon)));
    r.signature = V.hex(V.base58decode(v.sigBTC58.slice(1)));
    const key = V.multikeyToRaw(v.publicKeyMultibase);
    r.rawKey = V.hex(key);
    r.verifies = await attempt(() => V.verifyProof(signed, key));
    const changedDoc = V.parseStrict(v.signedText);
    changedDoc.credentialSubject.alumniOf = "The School of Examplez";
    r.changedDocument = await attempt(() => V.verifyProof(changedDoc, key));
    const changedSig = V.parseStrict(v.signedText);
    const pv = changedSig.proof.proofValue;
    changedSig.proof.proofValue = pv.slice(0, 20) + (pv[20] === "A" ? "B" : "A") + pv.slice(21);
    r.changedSignature = await attempt(() => V.verifyProof(changedSig, key));
    const changedProof = V.parseStrict(v.signedText);
    changedProof.proof.created = "2023-02-24T23:36:39Z";
    r.changedProofOptions = await attempt(() => V.verifyProof(changedProof, key));
    r.otherKey = await attempt(() => V.verifyProof(signed, V.multikeyToRaw(v.otherMultikey)));
    // A proof set as credsite publishes it: the jcs proof is checked, an
    // eddsa-rdfc-2022 proof is left to `credsite verify`; a set without a jcs proof
    // (nothing this page can check) and a set with a broken jcs proof do not verify.
    const rdfc = Object.assign({}, signed.proof, { cryptosuite: "eddsa-rdfc-2022" });
    delete rdfc["@context"];
    const set = Object.assign({}, signed, { proof: [signed.proof, rdfc] });
    r.proofSet = await attempt(() => V.verifyProof(set, key));
    r.proofSetWithoutJcs = await attempt(() => V.verifyProof(Object.assign({}, signed, { proof: [rdfc] }), key));
    r.proofSetWithChangedJcs = await attempt(() => V.verifyProof(Object.assign({}, signed, { proof: [changedSig.proof, rdfc] }), key));
  } catch (e) {
    out.error = String(e && e.stack || e);
  }
  for (const text of data.jcsCases) {
    const c = {};
    try { V.parseStrict(text); c.strict = true; } catch (e) { c.strict = false; c.strictError = e.message; }
    try {
      const value = c.strict ? V.parseStrict(text) : JSON.parse(text);
      c.hex = enc(V.jcs(value));
    } catch (e) { c.error = String(e && e.message || e); }
    out.jcs.push(c);
  }
  const ascii = JSON.stringify(out).replace(/[\u007f-\uffff]/g,
    (ch) => "\\u" + ch.charCodeAt(0).toString(16).padStart(4, "0"));
  const pre = document.getElementById("results");
  pre.textContent = ascii;
  pre.setAttribute("data-done", "1");
})();
"""


class JavaScriptAgainstVectors(unittest.TestCase):
    """window.credsiteVerify, taken out of a built credential page and run on a test
    page of its own (the credential pages' CSP allows only their own scripts), against
    the W3C eddsa-jcs-2022 test vectors and the JCS edge cases the Rust side
    canonicalized (tests/browser/jcs-cases.json -> jcs-expected.json)."""

    results: dict[str, Any]

    @classmethod
    def setUpClass(cls) -> None:
        SiteFixture.start()
        fx = SiteFixture
        cid = fx.ids_with("valid")[0]
        page_path = fx.public / bl.cred_path(cid) / "index.html"
        page = page_path.read_text(encoding="utf-8")
        verifier = bl.extract_verifier_script(page, page_path)
        ev = VECTORS / "eddsa-jcs-2022"
        cls.cases = json.loads((HERE / "jcs-cases.json").read_text(encoding="utf-8"))
        cls.expected_jcs = json.loads((HERE / "jcs-expected.json").read_text(encoding="utf-8"))
        data = {
            "vectors": {
                "proofConfigText": (ev / "proofConfigJCS.json").read_text(encoding="utf-8"),
                "unsignedText": (VECTORS / "unsigned.json").read_text(encoding="utf-8"),
                "signedText": (ev / "signedJCS.json").read_text(encoding="utf-8"),
                "sigBTC58": (ev / "sigBTC58JCS.txt").read_text().strip(),
                "publicKeyMultibase": VECTOR_MULTIKEY,
                "otherMultikey": json.loads(
                    (fx.public / ".well-known/did.json").read_text()
                )["verificationMethod"][0]["publicKeyMultibase"],
            },
            "jcsCases": cls.cases,
        }
        data_json = json.dumps(data).replace("<", "\\u003c")
        test_page = (
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>verifier tests"
            "</title></head><body>\n<pre id=\"results\"></pre>\n"
            f"<script type=\"application/json\" id=\"test-data\">{data_json}</script>\n"
            f"<script>{verifier}</script>\n<script>{RUNNER_JS}</script>\n</body></html>\n"
        )
        folder = fx.public / "_browser-tests"
        folder.mkdir(exist_ok=True)
        (folder / "index.html").write_text(test_page, encoding="utf-8")
        page = fx.browser.open(fx.server.url("_browser-tests/"))
        try:
            text = page.wait_for(
                "(() => { const p = document.getElementById('results');"
                " return p && p.getAttribute('data-done') === '1' ? p.textContent : null; })()")
            problems = page.problems()
        finally:
            page.close()
        assert not problems, f"the test page had errors: {problems}"
        cls.results = json.loads(text)
        shutil.rmtree(folder)

    def test_runner_finished_without_error(self) -> None:
        self.assertNotIn("error", self.results, self.results.get("error"))

    def vec(self, name: str) -> str:
        return (VECTORS / "eddsa-jcs-2022" / name).read_text(encoding="utf-8").strip()

    def test_canonical_proof_configuration(self) -> None:
        self.assertEqual(self.results["vectors"]["proofCanon"], self.vec("proofCanonJCS.txt"))

    def test_canonical_document(self) -> None:
        self.assertEqual(self.results["vectors"]["docCanon"], self.vec("canonDocJCS.txt"))

    def test_hashes(self) -> None:
        r = self.results["vectors"]
        self.assertEqual(r["proofHash"], self.vec("proofHashJCS.txt"))
        self.assertEqual(r["docHash"], self.vec("docHashJCS.txt"))
        self.assertEqual(r["combined"], self.vec("combinedHashJCS.txt"))
        self.assertEqual(r["sha256Doc"], self.vec("docHashJCS.txt"), "sha256 of a string")
        self.assertEqual(r["sha256Bytes"], self.vec("docHashJCS.txt"), "sha256 of bytes")

    def test_signature_and_key_decoding(self) -> None:
        r = self.results["vectors"]
        self.assertEqual(r["signature"], self.vec("sigHexJCS.txt"))
        raw = b58decode(VECTOR_MULTIKEY[1:])
        self.assertEqual(raw[:2], b"\xed\x01")
        self.assertEqual(r["rawKey"], raw[2:].hex())

    def test_signature_verifies(self) -> None:
        self.assertEqual(self.results["vectors"]["verifies"], {"ok": True, "value": True})

    def test_a_proof_set_is_read(self) -> None:
        self.assertEqual(self.results["vectors"]["proofSet"], {"ok": True, "value": True})

    def test_changes_do_not_verify(self) -> None:
        r = self.results["vectors"]
        for name in ("changedDocument", "changedSignature", "changedProofOptions", "otherKey",
                     "proofSetWithoutJcs", "proofSetWithChangedJcs"):
            with self.subTest(name):
                self.assertEqual(r[name], {"ok": True, "value": False})

    def test_jcs_edge_cases_match_the_rust_canonicalizer(self) -> None:
        self.assertEqual(len(self.expected_jcs), len(self.cases),
                         "jcs-expected.json is out of date: regenerate it with the Rust test")
        for i, (text, want, got) in enumerate(zip(self.cases, self.expected_jcs,
                                                  self.results["jcs"])):
            with self.subTest(case=i, input=text):
                self.assertNotIn("error", got, got.get("error"))
                self.assertEqual(bytes.fromhex(got["hex"]).decode("utf-8"), want)
                self.assertEqual(got["hex"], want.encode("utf-8").hex())

    def test_parse_strict_refuses_exactly_the_unsafe_integers(self) -> None:
        """parseStrict is I-JSON (RFC 7493): it refuses integer literals beyond
        +-(2^53 - 1), which the Rust side reads as the nearest double; every other case
        it accepts."""
        def unsafe_integer(text: str) -> bool:
            found = []

            def num(token: str) -> float:
                value = float(token)
                if "e" not in token.lower() and value.is_integer() and abs(value) > 2**53 - 1:
                    found.append(token)
                return value

            json.loads(text, parse_int=num, parse_float=num)
            return bool(found)

        for i, (text, got) in enumerate(zip(self.cases, self.results["jcs"])):
            with self.subTest(case=i, input=text):
                self.assertEqual(got["strict"], not unsafe_integer(text), got.get("strictError"))


class DirectorySearch(unittest.TestCase):
    """The home page's search, in real Chromium: a name typed without accents finds
    the accented holder, and the link lands on that holder's credential; the id and
    last name lookup opens the credential too."""

    @classmethod
    def setUpClass(cls) -> None:
        SiteFixture.start()

    def home(self) -> "bl.Page":
        page = SiteFixture.browser.open(SiteFixture.server.url(""))
        page.wait_for("document.readyState === 'complete' && !!window.credsiteFold")
        return page

    def test_a_name_without_accents_lands_on_the_right_credential(self) -> None:
        page = self.home()
        try:
            for query, holder, cid in (("simic", "Lena Hoffmann-Šimić", None),
                                       ("SEAN bri", "Seán Ó Briain", "cdpp-2025-0101")):
                page.evaluate(
                    "(() => { const i = document.getElementById('search-name');"
                    f" i.value = {json.dumps(query)};"
                    " i.dispatchEvent(new Event('input')); })()")
                href = page.wait_for(
                    "(() => { for (const a of document.querySelectorAll('#search-results a'))"
                    f" if (a.textContent === {json.dumps(holder)}) return a.href; return null; }})()",
                    timeout_s=10)
                if cid is not None:
                    self.assertTrue(href.endswith("/" + bl.cred_path(cid)), href)
            # Follow the link: the credential page of that holder, verified.
            page.evaluate("document.querySelector('#search-results a').click()")
            page.wait_for("location.pathname.indexOf('/c/') >= 0", timeout_s=10)
            verdict = page.wait_verdict()
            self.assertEqual(verdict["verdict"], "valid", verdict)
            self.assertIn("Seán Ó Briain", page.evaluate("document.querySelector('h1').textContent"))
            serious = [p for p in page.problems()
                       if p.startswith("exception") or "Content Security Policy" in p]
            self.assertEqual(serious, [])
        finally:
            page.close()

    def test_lookup_by_id_and_last_name_opens_the_credential(self) -> None:
        page = self.home()
        try:
            page.evaluate(
                "(() => { document.getElementById('lookup-id').value = ' CDPP-2025-0101 ';"
                " document.getElementById('lookup-name').value = 'briain';"
                " document.getElementById('lookup-form').requestSubmit(); })()")
            page.wait_for(f"location.pathname.endsWith('/{bl.cred_path('cdpp-2025-0101')}')",
                          timeout_s=10)
            page.wait_verdict()
            page.navigate(SiteFixture.server.url(""))
            page.wait_for("document.readyState === 'complete' && !!window.credsiteFold")
            page.evaluate(
                "(() => { document.getElementById('lookup-id').value = 'cdpp-2025-0101';"
                " document.getElementById('lookup-name').value = 'Smith';"
                " document.getElementById('lookup-form').requestSubmit(); })()")
            note = page.wait_for(
                "(() => { const t = document.getElementById('lookup-result').textContent;"
                " return t.startsWith('No credential') ? t : null; })()", timeout_s=10)
            self.assertIn("No credential has that id and last name", note)
        finally:
            page.close()

    def test_folding_matches_the_rust_side(self) -> None:
        page = self.home()
        try:
            got = page.evaluate(
                "JSON.stringify(['Seán Ó Briain', 'Hoffmann-Šimić', '  GRÜßE, Øystein  ',"
                " 'Łukasz Żółć', 'Οδυσσέας ΠΑΠΑΔΌΠΟΥΛΟΣ', 'Ёлка Иванова', '山田 太郎']"
                ".map(window.credsiteFold.words))")
            self.assertEqual(json.loads(got), [
                ["sean", "o", "briain"], ["hoffmann", "simic"], ["grusse", "oystein"],
                ["lukasz", "zolc"], ["οδυσσεασ", "παπαδοπουλοσ"], ["елка", "иванова"],
                ["山田", "太郎"]])
        finally:
            page.close()


if __name__ == "__main__":
    unittest.main()
