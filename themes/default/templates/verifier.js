/* credsite verifier: checks a W3C VC (its eddsa-jcs-2022 proof; an eddsa-rdfc-2022 proof of
   the same proof set is left to `credsite verify`), its issuer key, dates and Bitstring
   Status List entries in the browser. No eval; text via textContent only. */
(function () {
  "use strict";
  const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
  const list = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
  const str = (v) => typeof v === "string";
  const fail = (message, name) => Object.assign(new Error(message), name ? { name } : {});
  // o[k] = v as an own property, even for "__proto__".
  const define = (o, k, v) => Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  const without = (o, drop) => Object.keys(o).reduce((c, k) => (k === drop ? c : define(c, k, o[k])), {});
  // A lone UTF-16 surrogate.
  const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/;

  // ---- Strict I-JSON parser (RFC 8259 + RFC 7493): throws Error("not I-JSON: …")
  // on bad syntax, duplicate names, lone surrogates, non-finite numbers and integers
  // beyond ±(2^53-1).
  const ESC = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
  const PLAIN = /[^"\\\u0000-\u001f]*/y;
  const NUM = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
  function parseStrict(text) {
    if (!str(text)) throw fail("not I-JSON: not text");
    let i = 0;
    const bad = (what) => { throw fail("not I-JSON: " + what + " at character " + i); };
    const ws = () => { while (" \t\n\r".includes(text[i]) && i < text.length) i++; };
    const eat = (c) => { ws(); if (text[i] !== c) bad(i < text.length ? "expected " + c : "unexpected end"); i++; };
    function value(depth) {
      if (depth > 256) bad("nesting too deep");
      ws();
      const c = text[i];
      if (c === "{" || c === "[") {
        const obj = c === "{", out = obj ? {} : [], end = obj ? "}" : "]";
        i++; ws();
        if (text[i] === end) return i++, out;
        for (;;) {
          if (obj) {
            ws();
            if (text[i] !== '"') bad("expected a member name");
            const k = string();
            if (has(out, k)) bad("duplicate member name " + JSON.stringify(k));
            eat(":");
            define(out, k, value(depth + 1));
          } else out.push(value(depth + 1));
          ws();
          if (text[i] === end) return i++, out;
          eat(",");
        }
      }
      if (c === '"') return string();
      if (c === "-" || (c >= "0" && c <= "9")) {
        NUM.lastIndex = i;
        const m = NUM.exec(text), n = m ? Number(m[0]) : NaN;
        if (!m) bad("malformed number");
        if (!Number.isFinite(n)) bad("number out of range");
        if (!m[2] && !Number.isSafeInteger(n) && Number.isInteger(n)) bad("integer beyond 2^53");
        i = NUM.lastIndex;
        return n;
      }
      for (const [word, v] of [["true", true], ["false", false], ["null", null]]) if (text.startsWith(word, i)) return (i += word.length), v;
      return bad(c === undefined ? "unexpected end" : "unexpected " + JSON.stringify(c));
    }
    function string() {
      let out = "";
      for (i++; ; ) {
        PLAIN.lastIndex = i;
        PLAIN.exec(text);
        out += text.slice(i, PLAIN.lastIndex);
        i = PLAIN.lastIndex;
        const c = text[i], e = text[i + 1], hex4 = text.substr(i + 2, 4);
        if (c === '"') break;
        if (c !== "\\") bad(c === undefined ? "unterminated string" : "control character in a string");
        if (e === "u" && /^[0-9a-fA-F]{4}$/.test(hex4)) (out += String.fromCharCode(parseInt(hex4, 16))), (i += 6);
        else if (e && has(ESC, e)) (out += ESC[e]), (i += 2);
        else bad("invalid escape");
      }
      i++;
      if (LONE.test(out)) bad("lone surrogate in a string");
      return out;
    }
    const v = value(0);
    ws();
    if (i < text.length) bad("unexpected data after the JSON value");
    return v;
  }

  // ---- JCS (RFC 8785): keys sorted by UTF-16 code units, no whitespace, strings
  // and numbers as ECMAScript's JSON.stringify writes them.
  function jcs(v) {
    if (v === null || v === true || v === false) return String(v);
    if (typeof v === "number" && Number.isFinite(v)) return JSON.stringify(v);
    if (str(v) && !LONE.test(v)) return JSON.stringify(v);
    if (Array.isArray(v)) return "[" + v.map((x) => jcs(x)).join(",") + "]";
    if (isObj(v)) return "{" + Object.keys(v).sort().map((k) => jcs(k) + ":" + jcs(v[k])).join(",") + "}";
    throw fail("JCS: cannot serialize " + (str(v) ? "a lone surrogate" : String(v)));
  }

  // ---- Bytes and encodings
  const bytes = (x) => (str(x) ? new TextEncoder().encode(x) : x instanceof Uint8Array ? x : new Uint8Array(x));
  const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  const noEd25519 = () => fail("this browser cannot check Ed25519 signatures", "NotSupportedError");
  // WebCrypto (absent outside secure contexts).
  function subtle() {
    if (!globalThis.crypto || !crypto.subtle) throw noEd25519();
    return crypto.subtle;
  }
  const sha256 = async (x) => new Uint8Array(await subtle().digest("SHA-256", bytes(x)));
  const B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  function base58decode(s) {
    const out = []; // little-endian
    for (const ch of s) {
      let carry = B58.indexOf(ch);
      if (carry < 0) throw fail("not base58btc: " + JSON.stringify(ch));
      for (let j = 0; j < out.length; j++) (carry += out[j] * 58), (out[j] = carry & 255), (carry >>= 8);
      for (; carry; carry >>= 8) out.push(carry & 255);
    }
    for (let j = 0; s[j] === "1"; j++) out.push(0);
    return new Uint8Array(out.reverse());
  }
  function base64urlDecode(s) {
    if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) throw fail("not base64url");
    return Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  }
  // Multikey Ed25519 public key: "z" + base58btc(0xed 0x01 + 32 bytes) -> 32 bytes.
  function multikeyToRaw(mk) {
    const b = str(mk) && mk[0] === "z" ? base58decode(mk.slice(1)) : [];
    if (b.length !== 34 || b[0] !== 0xed || b[1] !== 0x01) throw fail("not an Ed25519 Multikey: " + mk);
    return b.slice(2);
  }
  // Gunzip (DecompressionStream), refusing more than max bytes.
  async function gunzip(b, max) {
    if (typeof DecompressionStream !== "function") throw fail("this browser cannot decompress status lists");
    const reader = new Blob([b]).stream().pipeThrough(new DecompressionStream("gzip")).getReader();
    const parts = [];
    let n = 0;
    for (let r; !(r = await reader.read()).done; parts.push(r.value)) {
      if ((n += r.value.length) > max) throw (reader.cancel(), fail("status list too large"));
    }
    const out = new Uint8Array(n);
    parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
    return out;
  }

  // ---- eddsa-jcs-2022 (W3C vc-di-eddsa 3.3)
  // 3.3.4: SHA-256(JCS(proof config)) followed by SHA-256(JCS(document)).
  async function hashData(proofConfig, unsecured) {
    const proofHash = await sha256(jcs(proofConfig)), docHash = await sha256(jcs(unsecured));
    const combined = new Uint8Array(64);
    combined.set(proofHash);
    combined.set(docHash, 32);
    return { proofHash, docHash, combined };
  }
  // 3.3.2 for one proof: "" if it verifies with the raw key, else why not. Throws a
  // NotSupportedError if the browser lacks Ed25519.
  async function proofProblem(doc, proof, key) {
    if (!isObj(proof) || proof.type !== "DataIntegrityProof" || proof.cryptosuite !== "eddsa-jcs-2022") return "it has no eddsa-jcs-2022 proof";
    if (proof.proofPurpose !== "assertionMethod") return "its proof is not for assertions";
    let sig = [];
    try { sig = base58decode(proof.proofValue.slice(1)); } catch (e) { /* malformed: caught below */ }
    if (!str(proof.proofValue) || proof.proofValue[0] !== "z" || sig.length !== 64) return "its proofValue is not an Ed25519 signature";
    const config = without(proof, "proofValue"), unsecured = without(doc, "proof");
    try {
      if (has(config, "@context")) {
        const pc = list(config["@context"]), dc = list(doc["@context"]);
        if (pc.some((c, n) => n >= dc.length || jcs(c) !== jcs(dc[n]))) return "its proof's @context does not match";
        define(unsecured, "@context", config["@context"]);
      }
      const data = (await hashData(config, unsecured)).combined;
      let k;
      try {
        k = await subtle().importKey("raw", bytes(key), { name: "Ed25519" }, false, ["verify"]);
      } catch (e) {
        if (e.name === "DataError") return "the key is not an Ed25519 key";
        throw noEd25519();
      }
      return (await subtle().verify({ name: "Ed25519" }, k, sig, data)) ? "" : "the signature does not match the content";
    } catch (e) {
      if (e.name === "NotSupportedError") throw e;
      return e.message;
    }
  }
  // Every eddsa-jcs-2022 proof of doc (one proof or a proof set) must verify, and there
  // must be one. An eddsa-rdfc-2022 proof is not checked here (RDF canonicalization
  // needs a JSON-LD processor); `credsite verify` and other verifiers check it.
  async function documentProblem(doc, key) {
    if (!isObj(doc) || !list(doc.proof).length) return "it carries no signature";
    const proofs = list(doc.proof).filter((p) => !(isObj(p) && p.cryptosuite === "eddsa-rdfc-2022"));
    if (!proofs.length) return "it has no eddsa-jcs-2022 proof";
    for (const p of proofs) {
      const why = await proofProblem(doc, p, key);
      if (why) return why;
    }
    return "";
  }
  const verifyProof = async (doc, publicKeyRaw32) => !(await documentProblem(doc, publicKeyRaw32));

  // ---- The site: its files are fetched relative to the page (served anywhere).
  const served = () => /^https?:$/.test(location.protocol);
  const siteRoot = (issuer) => new URL(issuer.root || "./", location.href);
  // Where to fetch a URL of the site from; null for other sites.
  function siteUrl(url, issuer) {
    const base = String(issuer.baseUrl).replace(/\/?$/, "/"), root = siteRoot(issuer).href;
    if (!str(url) || !url.startsWith(base)) return null;
    const u = new URL(url.slice(base.length).replace(/^[/\\]+/, ""), root).href;
    return u.startsWith(root) ? u : null;
  }
  // A fresh UTF-8 text; errors named FetchError for network and HTTP failures.
  async function fetchText(url) {
    let body;
    try {
      const r = await fetch(url, { cache: "no-cache", credentials: "omit" });
      if (!r.ok) throw fail("HTTP " + r.status);
      body = await r.arrayBuffer();
    } catch (e) {
      throw fail(e.message, "FetchError");
    }
    try { return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(body); } catch (e) { throw fail("not I-JSON: not UTF-8"); }
  }
  const issuerId = (doc) => (isObj(doc.issuer) ? doc.issuer.id : doc.issuer);
  const DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
  const when = (v) => (str(v) && DATE.test(v) ? Date.parse(v) : NaN); // ms, or NaN
  const day = (v) => String(v).slice(0, 10);

  // ---- The checks. ctx collects steps and verdict marks; see checkCredential.
  const ORDER = ["invalid", "revoked", "suspended", "expired", "unknown"];
  const DATA = "Credential data", SIG = "Signature", KEY = "Issuer key", COPY = "Published copy", DATES = "Validity dates", STATUS = "Revocation and suspension";
  const DONT = " Do not rely on it.";

  // Fetches once per check (started early, awaited later).
  function get(ctx, url) {
    if (!ctx.fetched.has(url)) ctx.fetched.set(url, fetchText(url));
    const p = ctx.fetched.get(url);
    p.catch(() => {});
    return p;
  }
  // Names for the banner, from the credential.
  function names(cred) {
    const subj = isObj(cred.credentialSubject) ? cred.credentialSubject : {};
    const who = list(subj.identifier)[0], ach = isObj(subj.achievement) ? subj.achievement : {};
    const pick = (...v) => v.find(str);
    return {
      issuer: pick(isObj(cred.issuer) && cred.issuer.name, issuerId(cred), "the issuer"),
      holder: pick(isObj(who) && who.hashed !== true && who.identityHash, subj.name, "the holder"),
      program: pick(cred.name, ach.name, ""),
    };
  }

  // The key of this site that vm names, from the key history embedded in the page
  // (every key the issuer has used, oldest first), or undefined.
  function siteKey(issuer, vm) {
    const keys = list(issuer.keys).length ? list(issuer.keys) : [{ id: issuer.verificationMethod, publicKeyMultibase: issuer.publicKeyMultibase }];
    const n = keys.findIndex((k) => isObj(k) && k.id === vm);
    return n < 0 ? undefined : Object.assign({ n: n + 1, of: keys.length, keys }, keys[n]);
  }
  // Which key was active on the issue date, and what that says of key k: "" when
  // fine (text in k.when), else why it is refused.
  function keyHistoryProblem(cred, k) {
    if (str(k.compromisedSince)) return "the issuer reported this key compromised since " + k.compromisedSince;
    const issued = str(cred.validFrom) ? cred.validFrom.slice(0, 10) : "";
    const from = (x) => (isObj(x) && str(x.activeFrom) ? x.activeFrom : "");
    let active = 0;
    k.keys.forEach((x, i) => { if (from(x) && from(x) <= issued) active = i; });
    const span = "key " + k.n + " of " + k.of + " (active from " + (from(k) || "?") + (str(k.activeTo) ? " to " + k.activeTo : "") + ")";
    if (!issued || !from(k)) { k.when = "Signed with " + span + "."; return ""; }
    if (k.n - 1 < active) return "it was signed with " + span + ", retired before the credential's issue date " + issued;
    k.when = "Signed with " + span + (k.n - 1 === active ? ", the key active on its issue date " + issued + "." : "; re-signed: key " + (active + 1) + " was active on its issue date " + issued + ".");
    return "";
  }

  // Confirms the site's key with its DID document: "" when confirmed, else why not
  // (no fetch possible). Throws when the document contradicts the page.
  async function confirmKey(ctx, vm, key) {
    const { issuer } = ctx;
    if (!served()) return "this page was opened from a file";
    let doc;
    try { doc = parseStrict(await get(ctx, new URL(issuer.didDocument, siteRoot(issuer)).href)); } catch (e) { return "the DID document could not be read: " + e.message; }
    const abs = (m) => (isObj(m) ? abs(m.id) : str(m) && m[0] === "#" ? issuer.did + m : m);
    const ok = isObj(doc) && doc.id === issuer.did;
    const method = ok && list(doc.verificationMethod).concat(list(doc.assertionMethod)).find((m) => isObj(m) && abs(m) === vm);
    if (!method || !list(doc.assertionMethod).some((m) => abs(m) === vm)) throw fail("the issuer's DID document does not list it for signing credentials");
    if (method.publicKeyMultibase !== key.publicKeyMultibase) throw fail("the issuer's DID document lists another key under its name");
    if (has(method, "revoked")) throw fail("the issuer's DID document marks the key revoked (" + method.revoked + ")");
    return "";
  }

  // Step "Issuer key": finds the key of cred's proof (sets ctx.key, ctx.signer).
  async function chooseKey(cred, ctx) {
    const { issuer, names: n } = ctx, proof = list(cred.proof)[0];
    const vm = isObj(proof) ? proof.verificationMethod : undefined, did = String(vm).split("#")[0];
    if (!str(vm)) return ctx.bad(KEY, "The credential names no signing key.", "Invalid: this credential carries no issuer signature.");
    const key = issuer && str(vm) && siteKey(issuer, vm);
    if (key) {
      if (issuerId(cred) !== issuer.did) return ctx.bad(KEY, "Signed by " + issuer.did + " but names another issuer.", "Invalid: this credential names an issuer that did not sign it.");
      const refused = keyHistoryProblem(cred, key);
      if (refused) return ctx.bad(KEY, "Not accepted: " + refused + ".", "Invalid: this credential was signed with a key the issuer no longer vouches for.");
      let why;
      try { why = await confirmKey(ctx, vm, key); } catch (e) {
        return ctx.bad(KEY, "Not the issuer's published key: " + e.message + ".", "Invalid: this credential was not signed with the issuer's published key.");
      }
      ctx.key = multikeyToRaw(key.publicKeyMultibase);
      ctx.site = true;
      ctx.signer = n.issuer;
      if (!why) return ctx.step(KEY, "ok", "Key confirmed from " + issuer.did + " just now. " + key.when);
      ctx.unconfirmed = true;
      return ctx.step(KEY, "note", "Key embedded in this page (built on " + issuer.built + "); not confirmed online (" + why + "). " + key.when);
    }
    // Other keys (the verify page): otherKey says { key, signer, outcome, text, banner }.
    const r = ctx.otherKey ? ctx.otherKey(cred, vm, did) : { outcome: "fail", text: "Signed with " + vm + ", not with the issuer's key.", banner: "Invalid: this page's credential was not signed with the issuer's key." };
    if (r.outcome === "fail") return ctx.bad(KEY, r.text, r.banner);
    if (r.banner) ctx.mark("unknown", r.banner);
    Object.assign(ctx, { key: r.key, signer: r.signer }).step(KEY, r.outcome, r.text);
  }

  // Step "Signature": the credential's proof with ctx.key.
  async function checkSignature(cred, ctx) {
    if (!ctx.key) return ctx.step(SIG, "skip", "Not checked: no usable key (see below).");
    try {
      const why = await (ctx.site ? ctx.early : documentProblem(cred, ctx.key));
      const what = ctx.paste ? "this" : "this page's";
      if (why) return ctx.bad(SIG, "It does not match the issuer's signature (" + why + "): changed after signing, or not signed by this issuer.", "Invalid: " + what + " credential does not match the issuer's signature.");
      ctx.signed = true;
      ctx.step(SIG, "ok", "Genuine: exactly as " + (ctx.signer || "its signer") + " signed it.");
    } catch (e) {
      if (e.name !== "NotSupportedError") throw e;
      const page = ctx.issuer ? String(ctx.issuer.baseUrl).replace(/\/?$/, "/") + "verify/" : "the issuer's verify page";
      const other = " Open " + page + " in another browser (Chrome 137+, Firefox 129+, Safari 17+) or run `credsite verify`.";
      ctx.mark("unknown", "Not checked: this browser cannot check Ed25519 signatures." + other);
      ctx.step(SIG, "warn", "This browser cannot check Ed25519 signatures." + other);
    }
  }

  // Step "Published copy": the page's credential against its credential.json.
  async function checkCopy(cred, ctx) {
    const no = "Not compared with the published credential.json", differs = "The page and the published credential.json differ";
    const banner = "Invalid: this page and the issuer's published credential file disagree.";
    if (!served()) return ctx.step(COPY, "note", no + ": this page was opened from a file.");
    let file;
    try { file = parseStrict(await get(ctx, new URL(ctx.issuer.credentialFile, location.href).href)); } catch (e) {
      if (e.name === "FetchError") return ctx.step(COPY, "note", no + " (" + e.message + ").");
      return ctx.bad(COPY, differs + ": the file is malformed (" + e.message + ").", banner);
    }
    if (jcs(file) !== jcs(cred)) return ctx.bad(COPY, differs + ".", banner);
    // The same canonical content: its proof verifies exactly when the page's does.
    ctx.step(COPY, "ok", "This page shows exactly the published credential.json.");
  }

  // Step "Validity dates", by the viewer's clock.
  function checkDates(cred, ctx) {
    const from = when(cred.validFrom), until = when(cred.validUntil), n = ctx.names;
    if ((has(cred, "validFrom") && isNaN(from)) || (has(cred, "validUntil") && isNaN(until))) return ctx.bad(DATES, "Malformed dates.", "Invalid: this credential's dates are malformed.");
    const clock = " (by this device's clock, " + new Date(ctx.now).toISOString().slice(0, 10) + ").";
    if (from > ctx.now) {
      ctx.mark("expired", "Not yet valid: this credential of " + n.holder + " is valid from " + day(cred.validFrom) + ".");
      return ctx.step(DATES, "fail", "Not yet valid: it is valid from " + day(cred.validFrom) + clock);
    }
    if (until < ctx.now) {
      ctx.expiredOn = day(cred.validUntil);
      ctx.mark("expired", "Expired: this credential of " + n.holder + " was valid until " + ctx.expiredOn + ".");
      return ctx.step(DATES, "fail", "Expired: it was valid until " + ctx.expiredOn + clock);
    }
    ctx.step(DATES, "ok", "Valid " + (isNaN(from) ? "" : "from " + day(cred.validFrom) + " ") + (isNaN(until) ? "with no end date" : "until " + day(cred.validUntil)) + clock);
  }

  // A status list, fetched, checked with the site's key and expanded (once per URL
  // and check; only credentials of this site are looked up).
  function statusList(ctx, url) {
    if (!ctx.lists.has(url)) ctx.lists.set(url, loadList(ctx, url));
    return ctx.lists.get(url);
  }
  async function loadList(ctx, url) {
    const where = siteUrl(url, ctx.issuer);
    if (!where) throw fail("its status list is not on this site (" + url + ")");
    let vc;
    try { vc = parseStrict(await get(ctx, where)); } catch (e) { throw fail("the status list " + url + " could not be read (" + e.message + ")"); }
    const { verificationMethod: vm, publicKeyMultibase: mk, did } = ctx.issuer;
    const why = await documentProblem(vc, multikeyToRaw(mk)), s = why ? null : vc.credentialSubject;
    if (why) throw fail("the status list's signature is not valid (" + why + ")");
    if (!list(vc.proof).every((p) => p.verificationMethod === vm) || issuerId(vc) !== did) throw fail("the status list is not signed by this issuer's key");
    if (!list(vc.type).includes("BitstringStatusListCredential") || !isObj(s) || !list(s.type).includes("BitstringStatusList")) throw fail("the status list is not a Bitstring Status List");
    if (has(vc, "validFrom") && !(when(vc.validFrom) <= ctx.now)) throw fail("the status list is not valid yet (from " + day(vc.validFrom) + ")");
    if (has(vc, "validUntil") && !(when(vc.validUntil) >= ctx.now)) throw fail("the status list is out of date (valid until " + day(vc.validUntil) + ")");
    if (!str(s.encodedList) || s.encodedList[0] !== "u") throw fail("the status list's encodedList is not multibase base64url");
    const bits = await gunzip(base64urlDecode(s.encodedList.slice(1)), 1 << 24);
    if (bits.length < 16384) throw fail("the status list is shorter than 131,072 entries");
    return { bits, purposes: list(s.statusPurpose), from: vc.validFrom, until: vc.validUntil };
  }
  // The bit (0 or 1) of one status entry; throws when it cannot be known.
  async function entryBit(ctx, entry) {
    if (!ctx.site) throw fail("status lists of other issuers are not read here");
    if (!isObj(entry) || !list(entry.type).includes("BitstringStatusListEntry")) throw fail("it uses a status method this page does not know");
    const index = entry.statusListIndex, lst = await statusList(ctx, entry.statusListCredential), at = Number(index);
    if (!str(index) || !/^[0-9]+$/.test(index) || (has(entry, "statusSize") && entry.statusSize !== 1)) throw fail("a status entry is malformed or uses several bits");
    if (!lst.purposes.includes(entry.statusPurpose)) throw fail("the status list is not a " + entry.statusPurpose + " list");
    if (at >= lst.bits.length * 8) throw fail("the status index is outside its list");
    ctx.listDates = lst;
    return (lst.bits[Math.floor(at / 8)] >> (7 - (at % 8))) & 1; // index 0 = most significant bit
  }

  // Step "Revocation and suspension": every entry against its signed list.
  async function checkStatus(cred, ctx) {
    if (!ctx.signed) return ctx.step(STATUS, "skip", "Not checked: the signature was not confirmed.");
    const entries = list(cred.credentialStatus), set = {}, problems = [], n = ctx.names;
    if (!entries.length) return ctx.step(STATUS, "ok", "Not applicable: the credential has no status entry.");
    await Promise.all(entries.map((entry) => entryBit(ctx, entry).then((bit) => bit && (set[entry.statusPurpose] = true), (e) => problems.push(e.message))));
    ctx.statusChecked = !problems.length;
    if (set.revocation) {
      ctx.mark("revoked", "Revoked: " + n.issuer + " has revoked this credential of " + n.holder + ". Do not accept it.");
      return ctx.step(STATUS, "fail", "Revoked, says the issuer's signed revocation list, read just now.");
    }
    if (set.suspension) {
      ctx.mark("suspended", "Suspended: " + n.issuer + " has suspended this credential of " + n.holder + ". Do not accept it while it is suspended.");
      return ctx.step(STATUS, "fail", "Suspended, says the issuer's signed suspension list, read just now.");
    }
    if (problems.length) {
      ctx.mark("unknown", "Status unknown: the signature is genuine, but whether this credential was revoked or suspended could not be checked. Ask " + n.issuer + ".");
      return ctx.step(STATUS, "warn", "Status could not be checked: " + problems[0] + ". It may be revoked.");
    }
    const l = ctx.listDates;
    ctx.step(STATUS, "ok", "Not revoked, not suspended: checked just now in the issuer's signed status lists" + (l && l.until ? " (valid until " + day(l.until) + ")." : "."));
  }

  // The issuer data embedded in this page, or null.
  function pageIssuer() {
    const el = document.getElementById("credsite-issuer");
    try { return el ? parseStrict(el.textContent) : null; } catch (e) { return null; }
  }

  // Runs every check on a credential's JSON text. options: issuer (default: the
  // page's), mode "page" (a credential page: also compared with its published file)
  // or "paste" (the verify page), now (ms), otherKey(cred, vm, did) for other keys in
  // paste mode (default: credsiteVerify.otherKey, from verify-page.js). Resolves to
  // { verdict, banner, steps: [{ title, outcome: ok|note|warn|fail|skip, text }], … }.
  async function checkCredential(text, options) {
    const o = options || {};
    const ctx = {
      issuer: o.issuer === undefined ? pageIssuer() : o.issuer, paste: o.mode === "paste", now: o.now === undefined ? Date.now() : o.now,
      otherKey: o.mode === "paste" && (o.otherKey || api.otherKey),
      steps: [], marks: {}, lists: new Map(), fetched: new Map(), names: names({}),
      step(title, outcome, textOut) { this.steps.push({ title, outcome, text: textOut }); },
      mark(verdict, banner) { if (!has(this.marks, verdict)) this.marks[verdict] = banner; },
      bad(title, textOut, banner) { this.mark("invalid", banner + DONT); this.step(title, "fail", textOut); },
    };
    const order = [DATA, SIG, KEY].concat(ctx.paste ? [] : [COPY], [DATES, STATUS]);
    try {
      await runChecks(text, ctx);
    } catch (e) {
      ctx.mark("unknown", "Not checked: an unexpected error stopped the check.");
      ctx.step("Error", "warn", "An unexpected error stopped the check: " + e.message + ".");
    }
    // Steps in reading order; those not reached are listed as not checked.
    const steps = order.map((t) => ctx.steps.find((s) => s.title === t) || { title: t, outcome: "skip", text: "Not checked." });
    const verdict = ORDER.find((v) => has(ctx.marks, v)) || "valid", n = ctx.names;
    const program = n.program ? " (" + n.program + ")" : "", note = ctx.unconfirmed ? " (Key not confirmed online.)" : "";
    const banner = ctx.marks[verdict] || "Valid: this credential was issued by " + n.issuer + " to " + n.holder + program + " and has not been revoked or suspended." + note;
    steps.push(...ctx.steps.filter((s) => !order.includes(s.title)));
    return { verdict, banner, steps, expiredOn: ctx.expiredOn, statusChecked: !!ctx.statusChecked };
  }
  async function runChecks(text, ctx) {
    let cred;
    try {
      cred = parseStrict(text);
      if (!isObj(cred)) throw fail("not a JSON object");
    } catch (e) {
      return ctx.bad(DATA, "Malformed (" + e.message + ").", "Invalid: " + (ctx.paste ? "this" : "this page's") + " credential data is malformed.");
    }
    ctx.step(DATA, "ok", "Complete and well-formed.");
    ctx.names = names(cred);
    if (!ctx.issuer && !ctx.paste) throw fail("this page lacks the issuer's key");
    const { issuer } = ctx, proof = list(cred.proof)[0];
    const key = issuer && isObj(proof) && str(proof.verificationMethod) && siteKey(issuer, proof.verificationMethod);
    if (key) {
      // This site's key: start the signature check, the fetches and the status lists
      // now, in parallel; each step below awaits its own.
      ctx.early = documentProblem(cred, multikeyToRaw(key.publicKeyMultibase));
      ctx.early.catch(() => {});
      if (served()) get(ctx, new URL(issuer.didDocument, siteRoot(issuer)).href);
      if (served() && !ctx.paste) get(ctx, new URL(issuer.credentialFile, location.href).href);
      for (const e of list(cred.credentialStatus)) if (isObj(e)) statusList(ctx, e.statusListCredential).catch(() => {});
    }
    await chooseKey(cred, ctx);
    await checkSignature(cred, ctx);
    if (!ctx.paste) await checkCopy(cred, ctx);
    checkDates(cred, ctx);
    await checkStatus(cred, ctx);
  }

  // ---- The page
  const MARKS = { ok: "\u2713", note: "\u2139", warn: "!", fail: "\u2717", skip: "\u2013" };
  const $ = (id) => document.getElementById(id);
  let runs = 0;
  // Sets the section's state ("pending", or "idle" on the verify page) and classes.
  function setState(state, ms) {
    const sec = $("verification");
    sec.classList.remove(...ORDER.concat("valid").map((v) => "verdict-" + v));
    if (ms === undefined) sec.removeAttribute("data-verdict-ms");
    else sec.classList.add("verdict-" + state), sec.setAttribute("data-verdict-ms", String(ms));
    sec.setAttribute("data-verdict", state);
  }
  // A message in place of a verdict: "checking…" or why nothing was checked.
  function showPending(message, state) {
    if (!$("verification")) return;
    $("verdict").textContent = message || "Checking\u2026";
    $("verification-steps").textContent = "";
    setState(state || "pending");
  }
  // Writes a result into the section; data-verdict last.
  function render(result) {
    const ms = Math.round(performance.now()), ol = $("verification-steps");
    if (!ol) return;
    ol.textContent = "";
    for (const s of result.steps) {
      const li = ol.appendChild(document.createElement("li")), b = document.createElement("strong");
      li.className = "step step-" + s.outcome;
      li.setAttribute("data-outcome", s.outcome);
      b.textContent = MARKS[s.outcome] + " " + s.title + ": ";
      li.append(b, s.text);
    }
    $("verdict").textContent = result.banner;
    setState(result.verdict, ms);
  }
  // The build-time status badge: changed only where the check disagrees with it.
  function updateStatus(result) {
    const el = $("status"), v = result.verdict, shown = (/status-([a-z-]+)/.exec(el ? el.className : "") || [])[1];
    if (!el) return;
    if (result.statusChecked && $("status-note")) $("status-note").textContent = "status checked just now against the issuer's signed lists";
    if (shown === v || (v === "expired" && shown === "not-yet-valid") || (v === "valid" && shown === "replaced")) return;
    const expired = result.expiredOn ? "Expired on " + result.expiredOn : "Not yet valid";
    el.className = "status status-" + v;
    el.textContent = { valid: "Valid", invalid: "Invalid", revoked: "Revoked", suspended: "Suspended", expired, unknown: "Status unknown" }[v];
  }
  // Checks text and shows the result (a run overtaken by a newer one is dropped).
  async function run(text, options) {
    const id = ++runs;
    showPending();
    const result = await checkCredential(text, options);
    if (id === runs) render(result);
    return result;
  }
  // A credential page: check its embedded credential.
  async function verifyPage() {
    const el = $("credsite-credential");
    const result = el && (await run(el.textContent, { mode: "page" }));
    if (result) updateStatus(result);
    return result;
  }

  const api = (window.credsiteVerify = { parseStrict, jcs, sha256, hex, base58decode, base64urlDecode, multikeyToRaw, gunzip, hashData, verifyProof, checkCredential, run, render, showPending, verifyPage, issuerId });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => verifyPage());
  else verifyPage();
})();
