/* credsite verify page: checks a pasted, dropped or chosen credential with
   window.credsiteVerify (verifier.js); scans QR codes where the browser can. */
(function () {
  "use strict";
  const V = window.credsiteVerify, $ = (id) => document.getElementById(id);
  const input = $("verify-input"), drop = $("verify-drop"), file = $("verify-file"), scan = $("verify-scan"), video = $("verify-camera");
  if (!V) return;
  V.otherKey = otherKey; // the default for checks in "paste" mode

  // Keys other than this site's: a did:key holds its key; other DIDs are not resolved.
  function otherKey(cred, vm, did) {
    const issuer = V.issuerId(cred);
    if (!did.startsWith("did:key:")) {
      return { outcome: "note", text: "Signed with " + vm + ": checking it needs " + did + " to be resolved, which this page does not do.", banner: "Not checked: this credential was signed by " + did + ", not by this site's issuer. Use a verifier that resolves " + did + "." };
    }
    let key = null;
    try { key = vm === did + "#" + did.slice(8) && V.multikeyToRaw(did.slice(8)); } catch (e) { /* below */ }
    if (!key) return { outcome: "fail", text: vm + " is not an Ed25519 did:key.", banner: "Invalid: this credential's signing key is malformed." };
    if (issuer === did) return { key, signer: did, outcome: "ok", text: "Key read from the issuer's identifier " + did + "." };
    return { key, signer: did, outcome: "note", text: "Key read from " + did + " itself, which is not the named issuer.", banner: "Not confirmed: signed by " + did + ", but the credential names another issuer (" + issuer + ")." };
  }
  if (!input || !$("verify-run")) return;
  function check() {
    if (input.value.trim()) V.run(input.value, { mode: "paste" });
    else V.showPending("Paste a credential or drop its file first.", "idle");
  }
  // A chosen or dropped file (UTF-8 only) goes into the box, then is checked.
  async function readFile(f) {
    try {
      input.value = new TextDecoder("utf-8", { fatal: true }).decode(await f.arrayBuffer());
      check();
    } catch (e) {
      V.showPending("This file is not a credential (not UTF-8 text).", "idle");
    }
  }
  $("verify-run").addEventListener("click", check);
  if (file) file.addEventListener("change", () => file.files[0] && readFile(file.files[0]));
  if (drop) {
    const over = (on) => (e) => (e.preventDefault(), drop.classList.toggle("dragging", on));
    drop.addEventListener("dragenter", over(true));
    drop.addEventListener("dragover", over(true));
    drop.addEventListener("dragleave", over(false));
    drop.addEventListener("drop", (e) => {
      over(false)(e);
      const dt = e.dataTransfer, f = dt && dt.files[0], text = dt && dt.getData("text");
      if (f) readFile(f);
      else if (text) (input.value = text), check();
    });
  }

  // QR codes: where BarcodeDetector reads them; a code with an http(s) URL is opened.
  if (!scan || !video || !("BarcodeDetector" in window)) return scan && (scan.hidden = true);
  let stream = null;
  function stop() {
    if (stream) stream.getTracks().forEach((t) => t.stop());
    stream = null;
    video.hidden = true;
    scan.textContent = "Scan a QR code";
  }
  async function look(detector) {
    if (!stream) return;
    try {
      for (const code of await detector.detect(video)) {
        const url = new URL(code.rawValue, "x:/"); // not a URL: "x:" below
        if (/^https?:$/.test(url.protocol)) return stop(), location.assign(url.href);
      }
    } catch (e) { /* a frame not ready yet */ }
    setTimeout(() => look(detector), 250);
  }
  async function start() {
    if (stream) return stop();
    try {
      const detector = new BarcodeDetector({ formats: ["qr_code"] });
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
      video.srcObject = stream;
      video.hidden = false;
      scan.textContent = "Stop scanning";
      await video.play();
      look(detector);
    } catch (e) {
      stop();
      V.showPending("The camera could not be used (" + e.message + "). Paste the credential instead.", "idle");
    }
  }
  BarcodeDetector.getSupportedFormats().then((f) => {
    scan.hidden = !(f.includes("qr_code") && navigator.mediaDevices);
    scan.addEventListener("click", start);
  }, () => (scan.hidden = true));
})();
