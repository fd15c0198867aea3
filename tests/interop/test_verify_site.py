"""Tests of verify_site.py on sites made here, with our own key and signer.

    python3 -m unittest discover -s tests/interop        (from the repository root)

Each test writes a small site into a temporary folder: a did:web DID document, status
list credentials (GZIP with mtime=0) and credentials with BitstringStatusListEntry
entries, all signed per eddsa-jcs-2022 (Data Integrity EdDSA Cryptosuites v1.0,
3.3.1 Create Proof) by the signer below, then runs the verifier on it.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import sys
import tempfile
import unittest
from pathlib import Path
from typing import Any, Optional
from unittest import mock

import base58
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import verify_site  # noqa: E402

VECTORS = HERE.parent / "vectors"
LIST_BYTES = 16 * 1024  # 131,072 bits, the minimum
AS_OF = "2026-11-24"
CTX = ["https://www.w3.org/ns/credentials/v2"]


def sign(unsecured: dict[str, Any], key: Ed25519PrivateKey, vm: str, created: str) -> dict[str, Any]:
    """3.3.1 Create Proof (eddsa-jcs-2022), written separately from the verifier."""
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": created,
        "verificationMethod": vm,
        "proofPurpose": "assertionMethod",
    }
    if "@context" in unsecured:
        proof["@context"] = unsecured["@context"]
    digest = hashlib.sha256(rfc8785.dumps(proof)).digest() + hashlib.sha256(rfc8785.dumps(unsecured)).digest()
    proof["proofValue"] = "z" + base58.b58encode(key.sign(digest)).decode()
    return {**unsecured, "proof": proof}


def encode_list(bits: bytes) -> str:
    """3.3 Bitstring Generation Algorithm: GZIP, then Multibase base64url, no padding."""
    return "u" + base64.urlsafe_b64encode(gzip.compress(bits, mtime=0)).decode().rstrip("=")


def bitstring(set_indices: list[int], nbytes: int = LIST_BYTES) -> bytes:
    b = bytearray(nbytes)
    for i in set_indices:
        b[i // 8] |= 0x80 >> (i % 8)  # index 0 = left-most bit of the first byte
    return bytes(b)


class Site:
    """A fixture site in a temporary folder."""

    def __init__(self, tmp: Path, did: str = "did:web:registry.example.test"):
        self.public = tmp / "public"
        self.public.mkdir()
        self.did = did
        self.base = verify_site.parse_did_web(did).base_url
        self.key = Ed25519PrivateKey.generate()
        pub = self.key.public_key().public_bytes_raw()
        self.multikey = "z" + base58.b58encode(b"\xed\x01" + pub).decode()
        self.vm = f"{did}#{self.multikey}"
        self.did_doc = {
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": did,
            "verificationMethod": [
                {"id": self.vm, "type": "Multikey", "controller": did, "publicKeyMultibase": self.multikey}
            ],
            "assertionMethod": [self.vm],
        }
        self.expect_file = tmp / "expect.json"
        self.write_did()

    # -- files
    def write(self, rel: str, doc: Any) -> None:
        path = self.public / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")

    def read(self, rel: str) -> Any:
        return json.loads((self.public / rel).read_text(encoding="utf-8"))

    def write_did(self) -> None:
        rel = verify_site.parse_did_web(self.did).document_path
        self.write(rel, self.did_doc)

    # -- documents
    def status_list(
        self,
        name: str,
        purpose: Any,
        set_indices: list[int],
        nbytes: int = LIST_BYTES,
        key: Optional[Ed25519PrivateKey] = None,
        **extra: Any,
    ) -> str:
        url = f"{self.base}status/{name}.json"
        doc = {
            "@context": CTX,
            "id": url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": self.did,
            "validFrom": "2026-11-24T00:00:00Z",
            "credentialSubject": {
                "id": f"{url}#list",
                "type": "BitstringStatusList",
                "statusPurpose": purpose,
                "encodedList": encode_list(bitstring(set_indices, nbytes)),
            },
        }
        for k, v in extra.items():
            if v is None:
                doc.pop(k, None)
            else:
                doc[k] = v
        self.write(f"status/{name}.json", sign(doc, key or self.key, self.vm, "2026-11-24T00:00:00Z"))
        return url

    def credential(self, cid: str, entries: Any) -> None:
        doc = {
            "@context": CTX + ["https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
            "id": f"{self.base}credentials/{cid}/credential.json",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "name": "Fixture credential",
            "issuer": {"id": self.did, "type": ["Profile"], "name": "Fixture Board"},
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {"type": ["AchievementSubject"], "achievement": {"name": "Ünïcode ✓"}},
        }
        if entries is not None:
            doc["credentialStatus"] = entries
        self.write(f"credentials/{cid}/credential.json", sign(doc, self.key, self.vm, "2026-01-01T00:00:00Z"))

    def feed(self) -> None:
        doc = {"version": "https://jsonfeed.org/version/1.1", "title": "Fixture", "items": [{"id": "x"}]}
        self.write("feed.json", sign(doc, self.key, self.vm, "2026-01-01T00:00:00Z"))

    @staticmethod
    def entry(purpose: str, index: int, url: str, **extra: Any) -> dict[str, Any]:
        return {
            "id": f"{url}#{index}-{purpose}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose,
            "statusListIndex": str(index),
            "statusListCredential": url,
            **extra,
        }

    def both(self, rev_url: str, rev_index: int, sus_url: str, sus_index: int) -> list[dict[str, Any]]:
        return [self.entry("revocation", rev_index, rev_url), self.entry("suspension", sus_index, sus_url)]

    # -- running the verifier
    def run(self, revoked=(), suspended=(), as_of: str = AS_OF) -> tuple[int, str]:
        self.expect_file.write_text(json.dumps({"revoked": list(revoked), "suspended": list(suspended)}))
        out = io.StringIO()
        code = verify_site.main([str(self.public), "--expect", str(self.expect_file), "--as-of", as_of], out=out)
        return code, out.getvalue()


class FixtureCase(unittest.TestCase):
    def setUp(self) -> None:
        self._tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self._tmp.cleanup)
        self.site = self.make_site()

    def make_site(self, did: str = "did:web:registry.example.test") -> Site:
        tmp = Path(tempfile.mkdtemp(dir=self._tmp.name))
        return Site(tmp, did)

    def standard(self, site: Optional[Site] = None) -> tuple[str, str]:
        """Two lists and four credentials: alice revoked (index 0), bob suspended
        (index 131071, the last bit), carol with index 1 revoked, dave with index 6
        (a reader with the wrong bit order would see carol's bit)."""
        s = site or self.site
        rev = s.status_list("1-revocation", "revocation", [0, 1])
        sus = s.status_list("1-suspension", "suspension", [131071])
        s.credential("alice", s.both(rev, 0, sus, 100))
        s.credential("bob", s.both(rev, 5000, sus, 131071))
        s.credential("carol", s.both(rev, 1, sus, 131070))
        s.credential("dave", s.both(rev, 6, sus, 7))
        s.feed()
        return rev, sus

    def assertLine(self, out: str, cid: str, signature: str, revoked: str, suspended: str) -> None:
        line = f"{cid}  signature: {signature}  revoked: {revoked}  suspended: {suspended}"
        self.assertIn(line, out.splitlines(), out)


class TestVectors(unittest.TestCase):
    def test_self_test_passes_on_the_w3c_vectors(self) -> None:
        out = io.StringIO()
        self.assertEqual(verify_site.main(["--self-test", "--vectors", str(VECTORS)], out=out), 0, out.getvalue())
        self.assertIn("self-test: 15 passed, 0 failed", out.getvalue())

    def test_fixture_signer_reproduces_the_w3c_signature(self) -> None:
        pair = json.loads((VECTORS / "keyPair.json").read_text())
        signed = json.loads((VECTORS / "eddsa-jcs-2022" / "signedJCS.json").read_text())
        secret = base58.b58decode(pair["privateKeyMultibase"][1:])[2:]
        unsigned = {k: v for k, v in signed.items() if k != "proof"}
        again = sign(
            unsigned,
            Ed25519PrivateKey.from_private_bytes(secret),
            signed["proof"]["verificationMethod"],
            signed["proof"]["created"],
        )
        self.assertEqual(again["proof"]["proofValue"], signed["proof"]["proofValue"])


class TestStatus(FixtureCase):
    def test_finds_exactly_the_bits_set(self) -> None:
        self.standard()
        code, out = self.site.run(revoked=["alice", "carol"], suspended=["bob"])
        self.assertEqual(code, 0, out)
        self.assertLine(out, "alice", "valid", "true", "false")
        self.assertLine(out, "bob", "valid", "false", "true")
        self.assertLine(out, "carol", "valid", "true", "false")
        self.assertLine(out, "dave", "valid", "false", "false")
        self.assertIn("feed.json: signature valid", out)
        self.assertIn("2 of 2 status lists valid", out)
        self.assertIn("verify_site: 7 passed, 0 failed", out)

    def test_bitstring_layout_is_msb_first(self) -> None:
        bits = verify_site.expand_bitstring(encode_list(bitstring([0, 9, 131071])))
        self.assertEqual(bits[0], 0x80)
        self.assertEqual(bits[1], 0x40)
        self.assertEqual(bits[-1], 0x01)
        self.assertEqual([verify_site.bit_at(bits, i, 1) for i in (0, 1, 7, 8, 9, 131070, 131071)], [1, 0, 0, 0, 1, 0, 1])
        self.assertEqual(verify_site.bit_at(bits, 8, 2), 0b01)

    def test_spec_example_3_encoded_list(self) -> None:
        # Bitstring Status List v1.0, Example 3's encodedList: 16KB of zero bits.
        bits = verify_site.expand_bitstring("uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA")
        self.assertEqual(len(bits) * 8, 131072)
        self.assertEqual(bits, bytes(16384))

    def test_differences_from_the_expectation_fail(self) -> None:
        self.standard()
        code, out = self.site.run(revoked=["alice", "dave", "nobody"], suspended=[])
        self.assertEqual(code, 1, out)
        self.assertIn("expected revoked: dave, but it is not", out)
        self.assertIn("not expected revoked: carol, but it is", out)
        self.assertIn("not expected suspended: bob, but it is", out)
        self.assertIn("expected revoked: nobody, but the site has no such credential", out)

    def test_tampered_credential_is_rejected(self) -> None:
        self.standard()
        doc = self.site.read("credentials/dave/credential.json")
        doc["name"] = "Forged credential"
        self.site.write("credentials/dave/credential.json", doc)
        code, out = self.site.run(revoked=["alice", "carol"], suspended=["bob"])
        self.assertEqual(code, 1, out)
        self.assertLine(out, "dave", "INVALID", "false", "false")
        self.assertLine(out, "alice", "valid", "true", "false")

    def test_proof_set_with_an_rdfc_proof_is_read(self) -> None:
        # credsite publishes [eddsa-jcs-2022, eddsa-rdfc-2022]: the jcs proof is
        # verified, the rdfc one only checked for its method (see verify_document).
        self.standard()
        doc = self.site.read("credentials/dave/credential.json")
        rdfc = {**doc["proof"], "cryptosuite": "eddsa-rdfc-2022", "proofValue": "z" + "1" * 60}
        rdfc.pop("@context", None)
        doc["proof"] = [doc["proof"], rdfc]
        self.site.write("credentials/dave/credential.json", doc)
        code, out = self.site.run(revoked=["alice", "carol"], suspended=["bob"])
        self.assertEqual(code, 0, out)
        self.assertLine(out, "dave", "valid", "false", "false")
        # Without a jcs proof nothing is verified: rejected.
        doc["proof"] = [rdfc]
        self.site.write("credentials/dave/credential.json", doc)
        code, out = self.site.run(revoked=["alice", "carol"], suspended=["bob"])
        self.assertEqual(code, 1, out)
        self.assertLine(out, "dave", "INVALID", "false", "false")
        # A tampered jcs proof in a set is still caught.
        doc["proof"] = [{**rdfc, "cryptosuite": "eddsa-jcs-2022"}, rdfc]
        self.site.write("credentials/dave/credential.json", doc)
        code, out = self.site.run(revoked=["alice", "carol"], suspended=["bob"])
        self.assertEqual(code, 1, out)
        self.assertLine(out, "dave", "INVALID", "false", "false")

    def test_credential_with_its_status_entry_moved_is_rejected(self) -> None:
        self.standard()
        doc = self.site.read("credentials/alice/credential.json")
        doc["credentialStatus"][0]["statusListIndex"] = "2"  # a free slot: "unrevoke" alice
        self.site.write("credentials/alice/credential.json", doc)
        code, out = self.site.run(revoked=["carol"], suspended=["bob"])
        self.assertEqual(code, 1, out)
        self.assertLine(out, "alice", "INVALID", "false", "false")

    def test_tampered_list_is_rejected(self) -> None:
        self.standard()
        doc = self.site.read("status/1-revocation.json")
        doc["credentialSubject"]["encodedList"] = encode_list(bitstring([1]))  # alice's bit cleared
        self.site.write("status/1-revocation.json", doc)
        code, out = self.site.run(revoked=["carol"], suspended=["bob"])
        self.assertEqual(code, 1, out)
        self.assertIn("STATUS_VERIFICATION_ERROR", out)
        self.assertIn("1-revocation.json: INVALID", out)
        self.assertLine(out, "alice", "valid", "unknown", "false")

    def test_list_signed_by_another_key_is_rejected(self) -> None:
        s = self.site
        rev = s.status_list("1-revocation", "revocation", [], key=Ed25519PrivateKey.generate())
        sus = s.status_list("1-suspension", "suspension", [])
        s.credential("alice", s.both(rev, 0, sus, 0))
        code, out = s.run()
        self.assertEqual(code, 1, out)
        self.assertIn("Ed25519 signature does not verify", out)

    def test_list_of_the_wrong_purpose_is_rejected(self) -> None:
        s = self.site
        sus = s.status_list("1-suspension", "suspension", [3])
        s.credential("alice", s.both(sus, 3, sus, 4))  # revocation entry -> suspension list
        code, out = s.run(revoked=["alice"])
        self.assertEqual(code, 1, out)
        self.assertIn("entry purpose 'revocation' is not the list's statusPurpose ['suspension']", out)

    def test_list_with_both_purposes_serves_both(self) -> None:
        # 2.2: credentialSubject.statusPurpose "MUST be one or more strings".
        s = self.site
        both = s.status_list("1", ["revocation", "suspension"], [3])
        s.credential("alice", s.both(both, 3, both, 4))
        code, out = s.run(revoked=["alice"])
        self.assertEqual(code, 0, out)

    def test_too_short_list_is_rejected(self) -> None:
        s = self.site
        rev = s.status_list("1-revocation", "revocation", [0], nbytes=LIST_BYTES - 1)
        sus = s.status_list("1-suspension", "suspension", [])
        s.credential("alice", s.both(rev, 0, sus, 0))
        code, out = s.run(revoked=["alice"])
        self.assertEqual(code, 1, out)
        self.assertIn("STATUS_LIST_LENGTH_ERROR", out)
        self.assertIn("131064 bits, fewer than 131072", out)

    def test_index_outside_the_list_is_rejected(self) -> None:
        s = self.site
        rev = s.status_list("1-revocation", "revocation", [])
        sus = s.status_list("1-suspension", "suspension", [])
        s.credential("alice", s.both(rev, 131072, sus, 0))
        code, out = s.run()
        self.assertEqual(code, 1, out)
        self.assertIn("RANGE_ERROR", out)

    def test_malformed_entries_are_rejected(self) -> None:
        s = self.site
        rev = s.status_list("1-revocation", "revocation", [])
        sus = s.status_list("1-suspension", "suspension", [])
        bad = [
            {**s.entry("revocation", 0, rev), "statusListIndex": 5},
            {**s.entry("revocation", 0, rev), "statusListIndex": "-5"},
            {**s.entry("revocation", 0, rev), "statusListIndex": "0x10"},
            {**s.entry("revocation", 0, rev), "id": rev},
            {**s.entry("revocation", 0, rev), "statusSize": 0},
        ]
        for i, entry in enumerate(bad):
            s.credential(f"bad{i}", [entry, s.entry("suspension", 0, sus)])
        code, out = s.run()
        self.assertEqual(code, 1, out)
        self.assertEqual(out.count("MALFORMED_VALUE_ERROR"), len(bad), out)

    def test_missing_purpose_or_status_fails(self) -> None:
        s = self.site
        rev = s.status_list("1-revocation", "revocation", [0])
        s.credential("only-revocation", s.entry("revocation", 0, rev))  # one object, not an array
        s.credential("no-status", None)
        code, out = s.run(revoked=["only-revocation"])
        self.assertEqual(code, 1, out)
        self.assertLine(out, "only-revocation", "valid", "true", "unknown")
        self.assertLine(out, "no-status", "valid", "unknown", "unknown")
        self.assertIn("no BitstringStatusListEntry with statusPurpose 'suspension'", out)

    def test_other_status_types_are_reported(self) -> None:
        s = self.site
        rev = s.status_list("1-revocation", "revocation", [])
        sus = s.status_list("1-suspension", "suspension", [])
        s.credential("alice", s.both(rev, 0, sus, 0) + [{"type": "StatusList2021Entry", "statusPurpose": "revocation"}])
        code, out = s.run()
        self.assertEqual(code, 1, out)
        self.assertIn("'StatusList2021Entry' is not a BitstringStatusListEntry", out)

    def test_list_validity_period(self) -> None:
        s = self.site
        rev = s.status_list("r", "revocation", [], validFrom="2026-11-24T18:00:00Z", validUntil="2026-12-01T00:00:00Z")
        sus = s.status_list("s", "suspension", [])
        s.credential("alice", s.both(rev, 0, sus, 0))
        self.assertEqual(s.run(as_of="2026-11-24")[0], 0)  # validFrom within the day
        self.assertEqual(s.run(as_of="2026-12-01")[0], 0)
        code, out = s.run(as_of="2026-11-23")
        self.assertEqual(code, 1, out)
        self.assertIn("is after 2026-11-23", out)
        code, out = s.run(as_of="2026-12-02")
        self.assertEqual(code, 1, out)
        self.assertIn("is before 2026-12-02", out)

    def test_list_data_model_is_checked(self) -> None:
        def subject(encoded: str, type_: str = "BitstringStatusList") -> dict[str, Any]:
            return {"credentialSubject": {"type": type_, "statusPurpose": "revocation", "encodedList": encoded}}

        raw = "u" + base64.urlsafe_b64encode(bitstring([])).decode().rstrip("=")
        cases = {
            "type": ({"type": ["VerifiableCredential", "StatusList2021Credential"]},
                     "does not include BitstringStatusListCredential"),
            "subject type": (subject(encode_list(bitstring([])), "StatusList2021"), "is not BitstringStatusList"),
            "id": ({"id": "https://registry.example.test/status/other.json"}, "is not the statusListCredential URL"),
            "issuer": ({"issuer": "did:web:other.example.test"}, "is not did:web:registry.example.test"),
            "no gzip": (subject(raw), "is not GZIP data"),
            "padding": (subject(encode_list(bitstring([])) + "=="), "characters outside base64url without padding"),
            "base64 not url": (subject(encode_list(bitstring([])).replace("-", "+").replace("_", "/")),
                               "characters outside base64url"),
            "context": ({"@context": ["https://www.w3.org/2018/credentials/v1"]}, "@context does not start with"),
            "multibase": (subject("z" + base58.b58encode(gzip.compress(bitstring([]), mtime=0)).decode()), "('u' prefix)"),
        }
        for name, (extra, reason) in cases.items():
            with self.subTest(name):
                s = self.make_site()
                rev = s.status_list("r", "revocation", [], **extra)
                sus = s.status_list("s", "suspension", [])
                s.credential("alice", s.both(rev, 0, sus, 0))
                code, out = s.run()
                self.assertEqual(code, 1, out)
                line = next(l for l in out.splitlines() if "r.json: INVALID" in l)
                self.assertIn(reason, line)

    def test_missing_and_foreign_lists_are_rejected(self) -> None:
        s = self.site
        sus = s.status_list("s", "suspension", [])
        s.credential("missing", s.both(f"{s.base}status/none.json", 0, sus, 0))
        s.credential("foreign", s.both("https://elsewhere.example/status/1.json", 0, sus, 1))
        s.credential("escape", s.both(f"{s.base}status/%2e%2e/%2e%2e/x.json", 0, sus, 2))
        s.credential("escape2", s.both(f"{s.base}status/..%2F..%2Fx.json", 0, sus, 3))
        code, out = s.run()
        self.assertEqual(code, 1, out)
        self.assertIn("STATUS_RETRIEVAL_ERROR", out)
        self.assertIn("is not under the site's base URL https://registry.example.test/", out)
        self.assertNotIn("shared with", out)
        self.assertEqual(sum(1 for l in out.splitlines() if l.startswith("status list ") and "unsafe path" in l), 2, out)

    def test_two_credentials_in_one_slot_fail(self) -> None:
        s = self.site
        rev = s.status_list("r", "revocation", [])
        sus = s.status_list("s", "suspension", [])
        s.credential("alice", s.both(rev, 10, sus, 20))
        s.credential("bob", s.both(rev, 10, sus, 21))
        code, out = s.run()
        self.assertEqual(code, 1, out)
        self.assertIn("alice: error: revocation slot 10 of https://registry.example.test/status/r.json is shared with bob", out)

    def test_each_list_is_loaded_once(self) -> None:
        self.standard()
        with mock.patch.object(verify_site, "load_status_list", wraps=verify_site.load_status_list) as spy:
            code, out = self.site.run(revoked=["alice", "carol"], suspended=["bob"])
        self.assertEqual(code, 0, out)
        self.assertEqual(spy.call_count, 2)

    def test_did_with_port_and_path(self) -> None:
        s = self.make_site("did:web:example.test%3A8443:org:registry")
        self.assertEqual(s.base, "https://example.test:8443/org/registry/")
        self.assertTrue((s.public / "did.json").is_file())
        self.assertFalse((s.public / ".well-known").exists())
        self.standard(s)
        code, out = s.run(revoked=["alice", "carol"], suspended=["bob"])
        self.assertEqual(code, 0, out)
        self.assertIn("site base URL https://example.test:8443/org/registry/", out)


class TestIssuer(FixtureCase):
    def test_key_not_under_assertion_method_is_rejected(self) -> None:
        self.standard()
        self.site.did_doc["assertionMethod"] = []
        self.site.did_doc["authentication"] = [self.site.vm]
        self.site.write_did()
        code, out = self.site.run(revoked=["alice", "carol"], suspended=["bob"])
        self.assertEqual(code, 1, out)
        self.assertIn("is not listed under assertionMethod", out)

    def test_other_key_in_did_document_is_rejected(self) -> None:
        self.standard()
        other = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
        self.site.did_doc["verificationMethod"][0]["publicKeyMultibase"] = "z" + base58.b58encode(b"\xed\x01" + other).decode()
        self.site.write_did()
        code, out = self.site.run(revoked=["alice", "carol"], suspended=["bob"])
        self.assertEqual(code, 1, out)
        self.assertLine(out, "alice", "INVALID", "unknown", "unknown")

    def test_did_document_of_another_did_is_rejected(self) -> None:
        self.standard()
        self.site.did_doc["id"] = "did:web:elsewhere.example"
        self.site.write_did()
        code, out = self.site.run(revoked=["alice", "carol"], suspended=["bob"])
        self.assertEqual(code, 1, out)
        self.assertIn("is not the DID 'did:web:registry.example.test'", out)

    def test_tampered_feed_is_rejected(self) -> None:
        self.standard()
        feed = self.site.read("feed.json")
        feed["items"].append({"id": "planted"})
        self.site.write("feed.json", feed)
        code, out = self.site.run(revoked=["alice", "carol"], suspended=["bob"])
        self.assertEqual(code, 1, out)
        self.assertIn("feed.json: signature INVALID", out)

    def test_did_web_parsing(self) -> None:
        p = verify_site.parse_did_web
        self.assertEqual(p("did:web:example.com").base_url, "https://example.com/")
        self.assertEqual(p("did:web:example.com").document_path, ".well-known/did.json")
        self.assertEqual(p("did:web:w3c-ccg.github.io:user:alice").base_url, "https://w3c-ccg.github.io/user/alice/")
        self.assertEqual(p("did:web:w3c-ccg.github.io:user:alice").document_path, "did.json")
        self.assertEqual(p("did:web:example.com%3A3000").base_url, "https://example.com:3000/")
        for bad in ("did:web:", "did:web:10.0.0.1", "did:web:a.example:..", "did:key:z6Mk", "did:web:a.example#k"):
            with self.subTest(bad), self.assertRaises(verify_site.VerifyError):
                p(bad)


if __name__ == "__main__":
    unittest.main()
