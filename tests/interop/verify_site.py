#!/usr/bin/env python3
"""Independent verifier of a site built by credsite, written from the W3C texts.

    verify_site.py PUBLIC_DIR --expect FILE.json [--as-of YYYY-MM-DD]
    verify_site.py --self-test [--vectors DIR]

It reads nothing of credsite's code: every rule below cites the section of the
specification it implements (see SOURCE.md beside this file).

- did:web resolution, offline (did:web Method Specification, "Read (Resolve)").
- eddsa-jcs-2022 proofs (Data Integrity EdDSA Cryptosuites v1.0, section 3.3), one
  proof or a proof set (an eddsa-rdfc-2022 proof of the set is not verified here).
- Bitstring Status List v1.0 (sections 2.1, 2.2, 3.2, 3.4).

Exit status: 0 when every signature is valid, every status entry could be
validated and the revoked and suspended sets are exactly the expected ones;
1 otherwise; 2 for a usage error.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import gzip
import hashlib
import io
import json
import os
import re
import sys
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import base58
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

# Bitstring Status List v1.0, 3.2 Validate Algorithm step 2: "Let
# minimumNumberOfEntries be 131,072"; 2.2: "The uncompressed bitstring MUST be at
# least 16KB in size."
MIN_ENTRIES = 131_072
# A decompressed list larger than this is refused (a gzip bomb guard; 1,000x the
# minimum list).
MAX_BITSTRING_BYTES = 16 * 1024 * 1024

# Multicodec prefixes (Controlled Identifiers v1.0, Multikey): ed25519-pub 0xed as
# an unsigned varint is 0xed 0x01; ed25519-priv 0x1300 is 0x80 0x26.
ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"

PURPOSES = ("revocation", "suspension")


class VerifyError(Exception):
    """A check failed; the message says which and why."""


# --------------------------------------------------------------------------- JSON


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            # RFC 8785 section 3.1 (I-JSON, RFC 7493): member names must be unique.
            raise VerifyError(f"duplicate member name {k!r}")
        out[k] = v
    return out


def _no_constant(name: str) -> Any:
    raise VerifyError(f"non-JSON number {name}")


def parse_json(text: str) -> Any:
    return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)


def load_json(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise VerifyError(f"cannot read {path}: {e.strerror or e}") from None
    try:
        return parse_json(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise VerifyError(f"{path}: not UTF-8") from None
    except json.JSONDecodeError as e:
        raise VerifyError(f"{path}: not JSON: {e}") from None
    except VerifyError as e:
        raise VerifyError(f"{path}: {e}") from None


def jcs(value: Any) -> bytes:
    """RFC 8785 JSON Canonicalization Scheme, UTF-8 bytes."""
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as e:
        raise VerifyError(f"cannot canonicalize (RFC 8785): {e}") from None


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def has_type(value: Any, name: str) -> bool:
    """A `type` value (a string or an array of strings) includes `name`."""
    return name in as_list(value)


# ----------------------------------------------------------------------- Multibase


def multibase_base58btc_decode(value: Any, what: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("z") or len(value) < 2:
        raise VerifyError(f"{what} is not a base58btc Multibase value ('z' prefix)")
    try:
        return base58.b58decode(value[1:])
    except ValueError:
        raise VerifyError(f"{what} is not valid base58btc") from None


def multibase_base64url_decode(value: Any, what: str) -> bytes:
    """Multibase 'u' + base64url without padding (RFC 4648 section 5)."""
    if not isinstance(value, str) or not value.startswith("u"):
        raise VerifyError(f"{what} is not a base64url Multibase value ('u' prefix)")
    body = value[1:]
    if not re.fullmatch(r"[A-Za-z0-9_-]*", body):
        raise VerifyError(f"{what}: characters outside base64url without padding")
    if len(body) % 4 == 1:
        raise VerifyError(f"{what}: impossible base64url length")
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError as e:
        raise VerifyError(f"{what}: bad base64url: {e}") from None


def multikey_public(value: Any, what: str) -> bytes:
    """EdDSA Cryptosuites 2.1.1 Multikey: 'z' + base58btc(0xed01 + 32-byte key)."""
    raw = multibase_base58btc_decode(value, what)
    if raw[:2] != ED25519_PUB_PREFIX:
        raise VerifyError(f"{what}: Multikey prefix is not 0xed01 (Ed25519 public key)")
    if len(raw) != 34:
        raise VerifyError(f"{what}: Ed25519 public key is {len(raw) - 2} bytes, not 32")
    return raw[2:]


def multikey_secret(value: Any, what: str) -> bytes:
    raw = multibase_base58btc_decode(value, what)
    if raw[:2] != ED25519_PRIV_PREFIX or len(raw) != 34:
        raise VerifyError(f"{what}: not an Ed25519 secret key Multikey (0x8026 + 32 bytes)")
    return raw[2:]


# ------------------------------------------------------------------ XML Schema dates

# XML Schema 1.1 Part 2, 3.3.7 dateTime (lexical space); dateTimeStamp (3.4.28)
# is the same with a mandatory time zone.
_DATETIME = re.compile(
    r"(?P<y>-?(?:[1-9][0-9]{3,}|0[0-9]{3}))-(?P<mo>0[1-9]|1[0-2])-(?P<d>0[1-9]|[12][0-9]|3[01])"
    r"T(?:(?P<h>[01][0-9]|2[0-3]):(?P<mi>[0-5][0-9]):(?P<s>[0-5][0-9])(?P<f>\.[0-9]+)?"
    r"|(?P<end>24:00:00(?:\.0+)?))"
    r"(?P<z>Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))?"
)


def parse_datetime(value: Any, what: str, *, need_zone: bool) -> dt.datetime:
    if not isinstance(value, str):
        raise VerifyError(f"{what} is not a string")
    m = _DATETIME.fullmatch(value)
    if not m:
        raise VerifyError(f"{what} {value!r} is not an XML Schema dateTime")
    year, month, day = int(m["y"]), int(m["mo"]), int(m["d"])
    zone = m["z"]
    if zone is None:
        if need_zone:
            raise VerifyError(f"{what} {value!r} has no time zone (dateTimeStamp needs one)")
        tz = dt.timezone.utc
    elif zone == "Z":
        tz = dt.timezone.utc
    else:
        sign = 1 if zone[0] == "+" else -1
        tz = dt.timezone(sign * dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
    if not 1 <= year <= 9999:
        raise VerifyError(f"{what} {value!r}: year outside 1..9999 is not supported here")
    try:
        if m["end"] is not None:  # 24:00:00 is the first instant of the next day
            base = dt.datetime(year, month, day, tzinfo=tz) + dt.timedelta(days=1)
        else:
            micro = int(((m["f"] or ".")[1:] + "000000")[:6])
            base = dt.datetime(year, month, day, int(m["h"]), int(m["mi"]), int(m["s"]), micro, tzinfo=tz)
    except ValueError as e:  # e.g. 2025-02-30
        raise VerifyError(f"{what} {value!r}: {e}") from None
    return base


# ------------------------------------------------------------------------- did:web


@dataclass
class DidWeb:
    did: str
    host: str  # host, with ":port" when the DID has one
    path: list[str]  # path segments, percent-decoded

    @property
    def base_url(self) -> str:
        """The URL the site is served at (the folder that holds PUBLIC_DIR's files)."""
        segs = "".join(urllib.parse.quote(s, safe="") + "/" for s in self.path)
        return f"https://{self.host}/{segs}"

    @property
    def document_path(self) -> str:
        """did:web "Read (Resolve)": path of did.json relative to base_url's root."""
        return "did.json" if self.path else ".well-known/did.json"


def parse_did_web(did: Any) -> DidWeb:
    """did:web Method Specification: method-specific identifier and Read (Resolve)."""
    if not isinstance(did, str) or not did.startswith("did:web:"):
        raise VerifyError(f"issuer {did!r} is not a did:web DID")
    if any(c in did for c in "#?/"):
        raise VerifyError(f"DID {did!r} has a fragment, query or slash")
    parts = did[len("did:web:"):].split(":")
    if not parts[0] or any(not p for p in parts):
        raise VerifyError(f"DID {did!r} has an empty segment")
    # "If the domain contains a port percent decode the colon."
    host = re.sub(r"%3[Aa]", ":", parts[0])
    hostname, _, port = host.partition(":")
    if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?", hostname) or "%" in host:
        raise VerifyError(f"DID {did!r}: {hostname!r} is not a domain name")
    if port and not port.isdigit():
        raise VerifyError(f"DID {did!r}: bad port {port!r}")
    if re.fullmatch(r"[0-9.]+", hostname):
        # "it MUST NOT include IP addresses"
        raise VerifyError(f"DID {did!r}: an IP address is not allowed")
    path = [urllib.parse.unquote(p) for p in parts[1:]]
    for seg in path:
        if seg in (".", "..") or "/" in seg or "\\" in seg or "\x00" in seg:
            raise VerifyError(f"DID {did!r}: unsafe path segment {seg!r}")
    return DidWeb(did=did, host=host.lower(), path=path)


@dataclass
class Issuer:
    did: DidWeb
    document: dict[str, Any]
    keys: dict[str, bytes]  # verification method id -> Ed25519 public key (Multikey only)
    assertion: set[str]  # ids listed under assertionMethod
    problems: list[str] = field(default_factory=list)

    def key_for(self, vm: Any, purpose: Any) -> bytes:
        """Retrieve the verification method named by a proof (Controlled Identifiers
        v1.0, "Retrieve Verification Method"; Data Integrity: the proof purpose must
        be one the controller document authorizes the method for)."""
        if not isinstance(vm, str):
            raise VerifyError("proof.verificationMethod is not a string")
        base, sep, _ = vm.partition("#")
        if base != self.did.did or not sep:
            raise VerifyError(
                f"proof.verificationMethod {vm!r} is not a method of the issuer {self.did.did}"
            )
        if vm not in self.keys:
            raise VerifyError(f"{vm!r} is not a Multikey verificationMethod of the DID document")
        if purpose != "assertionMethod":
            raise VerifyError(f"proof.proofPurpose is {purpose!r}, not 'assertionMethod'")
        if vm not in self.assertion:
            raise VerifyError(f"{vm!r} is not listed under assertionMethod in the DID document")
        return self.keys[vm]


def resolve_issuer(public: Path, did_value: str) -> Issuer:
    did = parse_did_web(did_value)
    path = public / did.document_path
    doc = load_json(path)
    if not isinstance(doc, dict):
        raise VerifyError(f"{path}: not a JSON object")
    # "Verify that the ID of the resolved DID document matches the Web DID being resolved."
    if doc.get("id") != did.did:
        raise VerifyError(f"{path}: id {doc.get('id')!r} is not the DID {did.did!r}")
    problems: list[str] = []
    keys: dict[str, bytes] = {}
    for vm in as_list(doc.get("verificationMethod", [])):
        if not isinstance(vm, dict):
            problems.append("verificationMethod entry is not an object")
            continue
        vm_id = vm.get("id")
        if not isinstance(vm_id, str) or not vm_id.startswith(did.did + "#"):
            # did:web: "Whenever a DID URL is present within a did:web document, it must
            # be an absolute URL."
            problems.append(f"verificationMethod id {vm_id!r} is not an absolute DID URL of {did.did}")
            continue
        if vm.get("controller") != did.did:
            problems.append(f"verificationMethod {vm_id}: controller {vm.get('controller')!r} is not the DID")
            continue
        if vm.get("type") != "Multikey":
            continue
        try:
            keys[vm_id] = multikey_public(vm.get("publicKeyMultibase"), f"{vm_id} publicKeyMultibase")
        except VerifyError as e:
            problems.append(str(e))
    assertion: set[str] = set()
    for ref in as_list(doc.get("assertionMethod", [])):
        if isinstance(ref, str):
            assertion.add(ref)
        elif isinstance(ref, dict) and isinstance(ref.get("id"), str):
            # An embedded method: its key counts only if it is a Multikey.
            assertion.add(ref["id"])
            if ref.get("type") == "Multikey" and ref.get("controller") == did.did:
                try:
                    keys.setdefault(ref["id"], multikey_public(ref.get("publicKeyMultibase"), ref["id"]))
                except VerifyError as e:
                    problems.append(str(e))
    if not keys:
        raise VerifyError(f"{path}: no usable Multikey (Ed25519) verification method")
    return Issuer(did=did, document=doc, keys=keys, assertion=assertion, problems=problems)


# ------------------------------------------------------------------ eddsa-jcs-2022


def hash_data(proof_config: dict[str, Any], unsecured: dict[str, Any]) -> bytes:
    """3.3.4 Hashing (eddsa-jcs-2022): SHA-256(canonical proof config) followed by
    SHA-256(transformed document)."""
    return hashlib.sha256(jcs(proof_config)).digest() + hashlib.sha256(jcs(unsecured)).digest()


def check_proof_options(options: dict[str, Any]) -> None:
    """3.3.3 Transformation and 3.3.5 Proof Configuration: type and cryptosuite, and a
    valid `created`."""
    if options.get("type") != "DataIntegrityProof" or options.get("cryptosuite") != "eddsa-jcs-2022":
        raise VerifyError(
            f"proof is {options.get('type')!r}/{options.get('cryptosuite')!r}, "
            "not DataIntegrityProof/eddsa-jcs-2022"
        )
    if "created" in options:
        parse_datetime(options["created"], "proof.created", need_zone=False)


def verify_one_proof(
    secured: dict[str, Any], proof: Any, key_for: Callable[[Any, Any], bytes]
) -> None:
    """3.3.2 Verify Proof (eddsa-jcs-2022), for one proof of `secured`."""
    if not isinstance(proof, dict):
        raise VerifyError("proof is not an object")
    # 1. unsecuredDocument: a copy of securedDocument with the proof removed.
    unsecured = {k: v for k, v in secured.items() if k != "proof"}
    # 2. proofOptions: a copy of the proof with proofValue removed.
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    # 3. proofBytes: the Multibase base58-btc decoded proofValue.
    proof_bytes = multibase_base58btc_decode(proof.get("proofValue"), "proof.proofValue")
    if len(proof_bytes) != 64:
        raise VerifyError(f"proof.proofValue is {len(proof_bytes)} bytes, not 64")
    # 4. If proofOptions.@context exists: the document's @context must start with
    #    it, in order; then unsecuredDocument.@context = proofOptions.@context.
    if "@context" in options:
        pctx = as_list(options["@context"])
        dctx = as_list(secured.get("@context", []))
        if dctx[: len(pctx)] != pctx:
            raise VerifyError("the document's @context does not start with the proof's @context")
        unsecured["@context"] = options["@context"]
    check_proof_options(options)
    public = key_for(options.get("verificationMethod"), options.get("proofPurpose"))
    # 5.-7. transformedData = JCS(unsecured), proofConfig = JCS(options), hashData.
    data = hash_data(options, unsecured)
    # 8. 3.3.7 Proof Verification: Ed25519 (pure EdDSA, RFC 8032) over hashData.
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(proof_bytes, data)
    except InvalidSignature:
        raise VerifyError("Ed25519 signature does not verify (document or proof altered, or other key)") from None


def verify_document(secured: Any, key_for: Callable[[Any, Any], bytes]) -> None:
    if not isinstance(secured, dict):
        raise VerifyError("not a JSON object")
    if "proof" not in secured:
        raise VerifyError("no proof")
    proofs = as_list(secured["proof"])
    if not proofs:
        raise VerifyError("empty proof set")
    # A proof set: every eddsa-jcs-2022 proof must verify, and there must be one. An
    # eddsa-rdfc-2022 proof (section 3.2) needs JSON-LD processing and RDF Dataset
    # Canonicalization, which this verifier does not implement: it only checks that
    # such a proof names an assertion method of the issuer. tests/thirdparty/ verifies
    # it with Digital Bazaar's eddsa-rdfc-2022 cryptosuite.
    jcs_proofs = [p for p in proofs if not (isinstance(p, dict) and p.get("cryptosuite") == "eddsa-rdfc-2022")]
    if not jcs_proofs:
        raise VerifyError("no eddsa-jcs-2022 proof")
    for proof in proofs:
        if proof in jcs_proofs:
            verify_one_proof(secured, proof, key_for)
        elif proof.get("type") != "DataIntegrityProof":
            raise VerifyError(f"proof is {proof.get('type')!r}, not DataIntegrityProof")
        else:
            key_for(proof.get("verificationMethod"), proof.get("proofPurpose"))


def sign_document(unsecured: dict[str, Any], options: dict[str, Any], secret: bytes) -> dict[str, Any]:
    """3.3.1 Create Proof (eddsa-jcs-2022); used by the self-test and the fixtures."""
    proof = dict(options)
    if "@context" in unsecured:
        proof["@context"] = unsecured["@context"]
    check_proof_options(proof)
    data = hash_data(proof, unsecured)
    sig = Ed25519PrivateKey.from_private_bytes(secret).sign(data)
    proof["proofValue"] = "z" + base58.b58encode(sig).decode("ascii")
    return {**unsecured, "proof": proof}


# ------------------------------------------------------------- Bitstring Status List


def url_to_file(public: Path, base_url: str, url: Any, what: str) -> Path:
    """Map a URL under the site's base URL to the file a static host serves for it."""
    if not isinstance(url, str):
        raise VerifyError(f"{what} is not a string")
    parts = urllib.parse.urlsplit(url)
    base = urllib.parse.urlsplit(base_url)
    if parts.query or parts.fragment or "#" in url or "?" in url:
        raise VerifyError(f"{what} {url!r} has a query or fragment: no static file for it")
    if (parts.scheme.lower(), parts.netloc.lower()) != (base.scheme, base.netloc) or not parts.path.startswith(base.path):
        raise VerifyError(f"{what} {url!r} is not under the site's base URL {base_url}")
    rest = parts.path[len(base.path):]
    if not rest or rest.endswith("/"):
        raise VerifyError(f"{what} {url!r} names a folder, not a file")
    segs = [urllib.parse.unquote(s) for s in rest.split("/")]
    if any(s in ("", ".", "..") or "/" in s or "\\" in s or "\x00" in s for s in segs):
        raise VerifyError(f"{what} {url!r}: unsafe path")
    path = public.joinpath(*segs)
    real, root = os.path.realpath(path), os.path.realpath(public)
    if os.path.commonpath([real, root]) != root:
        raise VerifyError(f"{what} {url!r} leads outside the site folder")
    return path


def expand_bitstring(encoded: Any) -> bytes:
    """3.4 Bitstring Expansion Algorithm: Multibase-decode, then GZIP-decompress."""
    compressed = multibase_base64url_decode(encoded, "credentialSubject.encodedList")
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(compressed), mode="rb") as f:
            out = f.read(MAX_BITSTRING_BYTES + 1)
    except (OSError, EOFError, ValueError) as e:
        raise VerifyError(f"encodedList is not GZIP data (RFC 1952): {e}") from None
    if len(out) > MAX_BITSTRING_BYTES:
        raise VerifyError(f"encodedList expands to more than {MAX_BITSTRING_BYTES} bytes")
    return out


def bit_at(bits: bytes, position: int, size: int) -> int:
    """2.2 encodedList / 7.1: index 0 is the left-most bit of the bitstring, i.e. the
    most significant bit of its first byte. A status of `size` bits is read with its
    first bit as the most significant."""
    value = 0
    for p in range(position, position + size):
        value = (value << 1) | ((bits[p // 8] >> (7 - p % 8)) & 1)
    return value


@dataclass
class StatusList:
    url: str
    file: Path
    purposes: list[str]
    bits: bytes

    @property
    def set_count(self) -> int:
        return sum(bin(b).count("1") for b in self.bits)


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
    return start, start + dt.timedelta(days=1)


def load_status_list(public: Path, issuer: Issuer, url: str, as_of: dt.date) -> StatusList:
    """2.2 BitstringStatusListCredential and 3.2 Validate Algorithm steps 4, 5, 8."""
    file = url_to_file(public, issuer.did.base_url, url, "statusListCredential")
    if not file.is_file():
        raise VerifyError(f"STATUS_RETRIEVAL_ERROR: {url} (no file {file})")
    vc = load_json(file)
    if not isinstance(vc, dict):
        raise VerifyError(f"{file}: not a JSON object")
    try:
        verify_document(vc, issuer.key_for)
    except VerifyError as e:
        raise VerifyError(f"STATUS_VERIFICATION_ERROR: {url}: proof: {e}") from None
    try:
        check_vc_context(vc)  # 2.2: "it MUST be a conforming document" (VC DM 2.0)
    except VerifyError as e:
        raise VerifyError(f"{url}: {e}") from None
    issuer_id = vc.get("issuer")
    if isinstance(issuer_id, dict):
        issuer_id = issuer_id.get("id")
    if issuer_id != issuer.did.did:
        raise VerifyError(f"{url}: issuer {issuer_id!r} is not {issuer.did.did}")
    if "id" in vc and vc["id"] != url:
        raise VerifyError(f"{url}: its id {vc['id']!r} is not the statusListCredential URL")
    types = vc.get("type")
    if not has_type(types, "BitstringStatusListCredential"):
        raise VerifyError(f"{url}: type {types!r} does not include BitstringStatusListCredential")
    if not has_type(types, "VerifiableCredential"):
        raise VerifyError(f"{url}: type {types!r} does not include VerifiableCredential")
    start, end = day_bounds(as_of)
    if "validFrom" in vc and parse_datetime(vc["validFrom"], f"{url} validFrom", need_zone=True) >= end:
        raise VerifyError(f"{url}: validFrom {vc['validFrom']} is after {as_of}")
    if "validUntil" in vc and parse_datetime(vc["validUntil"], f"{url} validUntil", need_zone=True) < start:
        raise VerifyError(f"{url}: validUntil {vc['validUntil']} is before {as_of}")
    subject = vc.get("credentialSubject")
    if not isinstance(subject, dict):
        raise VerifyError(f"{url}: credentialSubject is not one object")
    if subject.get("type") != "BitstringStatusList" and as_list(subject.get("type")) != ["BitstringStatusList"]:
        raise VerifyError(f"{url}: credentialSubject.type {subject.get('type')!r} is not BitstringStatusList")
    purposes = as_list(subject.get("statusPurpose"))
    if not purposes or not all(isinstance(p, str) for p in purposes):
        raise VerifyError(f"MALFORMED_VALUE_ERROR: {url}: credentialSubject.statusPurpose is not one or more strings")
    try:
        bits = expand_bitstring(subject.get("encodedList"))
    except VerifyError as e:
        raise VerifyError(f"MALFORMED_VALUE_ERROR: {url}: {e}") from None
    if len(bits) * 8 < MIN_ENTRIES:
        # 2.2: "The uncompressed bitstring MUST be at least 16KB in size."
        raise VerifyError(
            f"STATUS_LIST_LENGTH_ERROR: {url}: {len(bits) * 8} bits, fewer than {MIN_ENTRIES} (16KB)"
        )
    return StatusList(url=url, file=file, purposes=purposes, bits=bits)


@dataclass
class EntryResult:
    purpose: str
    index: str
    url: str
    status: Optional[int] = None
    error: Optional[str] = None


def check_entry(
    entry: Any,
    public: Path,
    issuer: Issuer,
    as_of: dt.date,
    cache: dict[str, StatusList | VerifyError],
) -> EntryResult:
    """3.2 Validate Algorithm, for one BitstringStatusListEntry (2.1)."""
    purpose = entry.get("statusPurpose")
    index = entry.get("statusListIndex")
    url = entry.get("statusListCredential")
    res = EntryResult(purpose=str(purpose), index=str(index), url=str(url))
    try:
        if not isinstance(purpose, str):
            raise VerifyError("MALFORMED_VALUE_ERROR: statusPurpose is not a string")
        if not isinstance(index, str) or not re.fullmatch(r"[0-9]+", index):
            raise VerifyError(
                f"MALFORMED_VALUE_ERROR: statusListIndex {index!r} is not an integer >= 0 written as a base-10 string"
            )
        if not isinstance(url, str):
            raise VerifyError("MALFORMED_VALUE_ERROR: statusListCredential is not a URL string")
        if "id" in entry and entry["id"] == url:
            raise VerifyError("MALFORMED_VALUE_ERROR: the entry's id is the status list's URL (2.1: MUST NOT)")
        size = entry.get("statusSize", 1)
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise VerifyError(f"MALFORMED_VALUE_ERROR: statusSize {size!r} is not an integer > 0")
        if size > 1:
            messages = entry.get("statusMessage")
            if not isinstance(messages, list) or len(messages) != 2**size:
                raise VerifyError(f"MALFORMED_VALUE_ERROR: statusSize {size} needs a statusMessage array of {2**size}")
        if url not in cache:  # 3.2: "Verifiers SHOULD cache the retrieved status list"
            try:
                cache[url] = load_status_list(public, issuer, url, as_of)
            except VerifyError as e:
                cache[url] = e
        lst = cache[url]
        if isinstance(lst, VerifyError):
            code = str(lst).split(":", 1)[0]
            code = code if re.fullmatch(r"[A-Z_]+", code) else "error"
            raise VerifyError(f"{code}: the status list is not valid (see 'status list' below)")
        if purpose not in lst.purposes:
            raise VerifyError(
                f"STATUS_VERIFICATION_ERROR: entry purpose {purpose!r} is not the list's statusPurpose {lst.purposes!r}"
            )
        if len(lst.bits) * 8 // size < MIN_ENTRIES:
            raise VerifyError(f"STATUS_LIST_LENGTH_ERROR: {len(lst.bits) * 8 // size} entries of {size} bits")
        position = int(index) * size
        if position + size > len(lst.bits) * 8:
            raise VerifyError(f"RANGE_ERROR: index {index} is outside the {len(lst.bits) * 8}-bit list")
        res.status = bit_at(lst.bits, position, size)
    except VerifyError as e:
        res.error = str(e)
    return res


# ------------------------------------------------------------------------ the site


@dataclass
class CredentialResult:
    id: str
    signature: bool = False
    revoked: Optional[bool] = None
    suspended: Optional[bool] = None
    errors: list[str] = field(default_factory=list)
    entries: list[EntryResult] = field(default_factory=list)


VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"


def check_vc_context(vc: dict[str, Any]) -> None:
    """VC Data Model 2.0, 4.3 Contexts: @context is an ordered set whose first item
    is https://www.w3.org/ns/credentials/v2."""
    ctx = vc.get("@context")
    if not isinstance(ctx, list) or not ctx or ctx[0] != VC_V2_CONTEXT:
        raise VerifyError(f"@context does not start with {VC_V2_CONTEXT}")


def credential_issuer(vc: Any) -> Any:
    if not isinstance(vc, dict):
        return None
    iss = vc.get("issuer")
    return iss.get("id") if isinstance(iss, dict) else iss


def verify_credential(
    cid: str, vc: Any, public: Path, issuer: Issuer, as_of: dt.date, cache: dict[str, Any]
) -> CredentialResult:
    r = CredentialResult(id=cid)
    try:
        verify_document(vc, issuer.key_for)
        r.signature = True
    except VerifyError as e:
        r.errors.append(f"signature: {e}")
    if not isinstance(vc, dict):
        return r
    try:
        check_vc_context(vc)
    except VerifyError as e:
        r.errors.append(str(e))
    if credential_issuer(vc) != issuer.did.did:
        r.errors.append(f"issuer {credential_issuer(vc)!r} is not {issuer.did.did}")
    status = vc.get("credentialStatus")
    entries = [] if status is None else as_list(status)
    found: dict[str, list[EntryResult]] = {p: [] for p in PURPOSES}
    for entry in entries:
        if not isinstance(entry, dict) or not has_type(entry.get("type"), "BitstringStatusListEntry"):
            what = entry.get("type") if isinstance(entry, dict) else entry
            r.errors.append(f"credentialStatus entry of type {what!r} is not a BitstringStatusListEntry")
            continue
        if entry.get("type") != "BitstringStatusListEntry":
            r.errors.append("MALFORMED_VALUE_ERROR: entry type MUST be BitstringStatusListEntry (2.1)")
        res = check_entry(entry, public, issuer, as_of, cache)
        r.entries.append(res)
        if res.error:
            r.errors.append(f"{res.purpose} entry (index {res.index}, {res.url}): {res.error}")
        if res.purpose in found:
            found[res.purpose].append(res)
    for purpose in PURPOSES:
        if not found[purpose]:
            r.errors.append(f"no BitstringStatusListEntry with statusPurpose {purpose!r}")
            continue
        if any(e.status is None for e in found[purpose]):
            continue  # unknown: already reported
        flag = any(e.status != 0 for e in found[purpose])
        if purpose == "revocation":
            r.revoked = flag
        else:
            r.suspended = flag
    return r


def fmt_bool(v: Optional[bool]) -> str:
    return "unknown" if v is None else ("true" if v else "false")


def load_expect(path: Path) -> dict[str, set[str]]:
    data = load_json(path)
    if not isinstance(data, dict) or set(data) - {"revoked", "suspended"}:
        raise VerifyError(f"{path}: expected a JSON object with only 'revoked' and 'suspended'")
    out = {}
    for key in ("revoked", "suspended"):
        ids = data.get(key, [])
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise VerifyError(f"{path}: {key!r} is not an array of credential ids")
        out[key] = set(ids)
    return out


def find_did(public: Path, credentials: list[tuple[str, Any]]) -> str:
    dids = {credential_issuer(vc) for _, vc in credentials if credential_issuer(vc) is not None}
    if len(dids) > 1:
        raise VerifyError(f"the credentials name {len(dids)} issuers: {sorted(map(str, dids))}")
    if dids:
        return dids.pop()
    for rel in (".well-known/did.json", "did.json"):
        if (public / rel).is_file():
            doc = load_json(public / rel)
            if isinstance(doc, dict):
                return doc.get("id")
    raise VerifyError(f"{public}: no credential and no did.json")


def verify_site(public: Path, expect: dict[str, set[str]], as_of: dt.date, out=sys.stdout) -> int:
    def say(line: str = "") -> None:
        print(line, file=out)

    failures = 0
    passed = 0
    credentials: list[tuple[str, Any]] = []
    load_errors: dict[str, str] = {}
    # credsite's layout: c/<shard>/<slug>/credential.json (also the older
    # credentials/<id>/credential.json).
    files = sorted(public.glob("c/*/*/credential.json")) + sorted(
        public.glob("credentials/*/credential.json"))
    for f in files:
        cid = f.parent.name
        try:
            credentials.append((cid, load_json(f)))
        except VerifyError as e:
            credentials.append((cid, None))
            load_errors[cid] = str(e)
    if not files:
        say(f"error: no c/*/*/credential.json (nor credentials/*/credential.json) under {public}")
        failures += 1

    try:
        issuer = resolve_issuer(public, find_did(public, credentials))
    except VerifyError as e:
        say(f"error: cannot resolve the issuer: {e}")
        say(f"verify_site: 0 passed, {max(1, len(files)) + failures} failed")
        return 1
    say(f"issuer {issuer.did.did}: DID document {public / issuer.did.document_path}, "
        f"{len(issuer.keys)} Multikey key(s), site base URL {issuer.did.base_url}")
    for p in issuer.problems:
        say(f"  DID document problem: {p}")
        failures += 1
    say(f"status as of {as_of.isoformat()}")
    say("")

    cache: dict[str, Any] = {}
    results: list[CredentialResult] = []
    for cid, vc in credentials:
        if cid in load_errors:
            r = CredentialResult(id=cid, errors=[load_errors[cid]])
        else:
            r = verify_credential(cid, vc, public, issuer, as_of, cache)
        results.append(r)
        say(f"{r.id}  signature: {'valid' if r.signature else 'INVALID'}  "
            f"revoked: {fmt_bool(r.revoked)}  suspended: {fmt_bool(r.suspended)}")
        for e in r.errors:
            say(f"    error: {e}")

    # 2.1 statusListIndex "identifies the position of the status of the verifiable
    # credential": two credentials sharing one position of one list would share
    # their status (revoking one would revoke the other).
    holders: dict[tuple[str, str, int], list[CredentialResult]] = {}
    for r in results:
        for e in r.entries:
            if e.error is None:
                holders.setdefault((e.url, e.purpose, int(e.index)), []).append(r)
    for (url, purpose, index), rs in sorted(holders.items()):
        if len({r.id for r in rs}) > 1:
            for r in rs:
                r.errors.append(f"{purpose} slot {index} of {url} is shared with "
                                f"{', '.join(sorted({x.id for x in rs} - {r.id}))}")
                say(f"{r.id}: error: {r.errors[-1]}")

    say("")
    list_ok = 0
    for url in sorted(cache):
        lst = cache[url]
        if isinstance(lst, StatusList):
            list_ok += 1
            passed += 1
            say(f"status list {url}: signature valid, purpose {'/'.join(lst.purposes)}, "
                f"{len(lst.bits) * 8} bits, {lst.set_count} set")
        else:
            failures += 1
            say(f"status list {url}: INVALID: {lst}")

    feed = public / "feed.json"
    feed_state = "absent"
    if feed.is_file():
        try:
            verify_document(load_json(feed), issuer.key_for)
            feed_state = "valid"
            passed += 1
        except VerifyError as e:
            feed_state = f"INVALID: {e}"
            failures += 1
        say(f"feed.json: signature {feed_state}")

    # Compare with the expectation.
    ids = {r.id for r in results}
    got = {
        "revoked": {r.id for r in results if r.revoked},
        "suspended": {r.id for r in results if r.suspended},
    }
    diffs: list[str] = []
    mismatched: set[str] = set()
    for key in ("revoked", "suspended"):
        for cid in sorted(expect[key] - ids):
            diffs.append(f"expected {key}: {cid}, but the site has no such credential")
            failures += 1
        for cid in sorted((expect[key] & ids) - got[key]):
            diffs.append(f"expected {key}: {cid}, but it is not")
            mismatched.add(cid)
        for cid in sorted(got[key] - expect[key]):
            diffs.append(f"not expected {key}: {cid}, but it is")
            mismatched.add(cid)
    for r in results:
        if r.signature and not r.errors and r.id not in mismatched:
            passed += 1
        else:
            failures += 1

    n = len(results)
    say("")
    say(f"summary: {n} credentials, {sum(r.signature for r in results)} valid signatures, "
        f"{len(got['revoked'])} revoked, {len(got['suspended'])} suspended; "
        f"{list_ok} of {len(cache)} status lists valid; feed.json {feed_state}")
    if diffs:
        say("differences from the expected status:")
        for d in diffs:
            say(f"  {d}")
    say(f"verify_site: {passed} passed, {failures} failed")
    return 0 if failures == 0 else 1


# -------------------------------------------------------------------- self-test


def self_test(vectors: Path, out=sys.stdout) -> int:
    """Check this implementation against the W3C eddsa-jcs-2022 test vectors."""
    vdir = vectors / "eddsa-jcs-2022"
    checks: list[tuple[str, bool]] = []

    def check(name: str, ok: bool) -> None:
        checks.append((name, ok))
        print(f"{'ok  ' if ok else 'FAIL'} {name}", file=out)

    def text(name: str) -> str:
        return (vdir / name).read_text(encoding="utf-8").strip()

    pair = load_json(vectors / "keyPair.json")
    signed = load_json(vdir / "signedJCS.json")
    public = multikey_public(pair["publicKeyMultibase"], "keyPair publicKeyMultibase")
    secret = multikey_secret(pair["privateKeyMultibase"], "keyPair privateKeyMultibase")
    check("secret key derives the public key",
          Ed25519PrivateKey.from_private_bytes(secret).public_key().public_bytes_raw() == public)

    unsecured = {k: v for k, v in signed.items() if k != "proof"}
    if (vectors / "unsigned.json").is_file():
        check("signedJCS.json without proof == unsigned.json", unsecured == load_json(vectors / "unsigned.json"))
    options = {k: v for k, v in signed["proof"].items() if k != "proofValue"}
    check("proof config == proofConfigJCS.json", options == load_json(vdir / "proofConfigJCS.json"))
    check("JCS(document) == canonDocJCS.txt", jcs(unsecured).decode("utf-8") == text("canonDocJCS.txt"))
    check("JCS(proof config) == proofCanonJCS.txt", jcs(options).decode("utf-8") == text("proofCanonJCS.txt"))
    check("SHA-256(JCS(document)) == docHashJCS.txt",
          hashlib.sha256(jcs(unsecured)).hexdigest() == text("docHashJCS.txt"))
    check("SHA-256(JCS(proof config)) == proofHashJCS.txt",
          hashlib.sha256(jcs(options)).hexdigest() == text("proofHashJCS.txt"))
    check("hashData == combinedHashJCS.txt", hash_data(options, unsecured).hex() == text("combinedHashJCS.txt"))
    check("proofValue == sigBTC58JCS.txt", signed["proof"]["proofValue"] == text("sigBTC58JCS.txt"))
    check("base58btc-decoded proofValue == sigHexJCS.txt",
          multibase_base58btc_decode(signed["proof"]["proofValue"], "proofValue").hex() == text("sigHexJCS.txt"))

    did_key = "did:key:" + pair["publicKeyMultibase"]
    vm = f"{did_key}#{pair['publicKeyMultibase']}"

    def key_for(v: Any, purpose: Any) -> bytes:
        if v != vm or purpose != "assertionMethod":
            raise VerifyError(f"unknown verification method {v!r} / purpose {purpose!r}")
        return public

    def verifies(doc: Any) -> bool:
        try:
            verify_document(doc, key_for)
            return True
        except VerifyError:
            return False

    check("signedJCS.json verifies (3.3.2)", verifies(signed))
    resigned = sign_document(unsecured, {k: v for k, v in options.items() if k != "@context"}, secret)
    check("Create Proof (3.3.1) reproduces signedJCS.json", resigned == signed)
    tampered = json.loads(json.dumps(signed))
    tampered["credentialSubject"]["alumniOf"] = "The School of Counterexamples"
    check("altered document is refused", not verifies(tampered))
    tampered = json.loads(json.dumps(signed))
    tampered["proof"]["created"] = "2023-02-24T23:36:39Z"
    check("altered proof option is refused", not verifies(tampered))
    tampered = json.loads(json.dumps(signed))
    tampered["@context"] = tampered["@context"][:1]
    check("document @context not starting with the proof's is refused", not verifies(tampered))

    failed = sum(1 for _, ok in checks if not ok)
    print(f"self-test: {len(checks) - failed} passed, {failed} failed", file=out)
    return 0 if failed == 0 else 1


# ------------------------------------------------------------------------- main


def parse_day(value: str) -> dt.date:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise argparse.ArgumentTypeError(f"{value!r} is not YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def main(argv: Optional[list[str]] = None, out=None) -> int:
    out = out or sys.stdout
    ap = argparse.ArgumentParser(
        prog="verify_site.py",
        description="Verify a credsite site offline: did:web, eddsa-jcs-2022, Bitstring Status List v1.0.",
    )
    ap.add_argument("public", nargs="?", type=Path, help="the built site folder (public/)")
    ap.add_argument("--expect", type=Path, help='JSON {"revoked": [ids], "suspended": [ids]}')
    ap.add_argument("--as-of", type=parse_day, default=None, help="date for validity checks (default: today, UTC)")
    ap.add_argument("--self-test", action="store_true", help="check against the W3C eddsa-jcs-2022 test vectors")
    ap.add_argument("--vectors", type=Path, default=Path(__file__).resolve().parent.parent / "vectors",
                    help="folder of the W3C vectors (default: tests/vectors)")
    args = ap.parse_args(argv)

    code = 0
    if args.self_test:
        try:
            code = self_test(args.vectors, out)
        except (VerifyError, KeyError, OSError) as e:
            print(f"self-test: error: {e}", file=out)
            code = 1
        if args.public is None:
            return code
    if args.public is None or args.expect is None:
        ap.error("PUBLIC_DIR and --expect FILE are required (or --self-test alone)")
    if not args.public.is_dir():
        print(f"error: {args.public} is not a folder", file=out)
        return 1
    try:
        expect = load_expect(args.expect)
    except VerifyError as e:
        print(f"error: {e}", file=out)
        return 1
    as_of = args.as_of or dt.datetime.now(dt.timezone.utc).date()
    return verify_site(args.public, expect, as_of, out) or code


if __name__ == "__main__":
    sys.exit(main())
