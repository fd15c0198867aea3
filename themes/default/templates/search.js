// credsite's directory search: name search over the static, sharded index in
// search/n/, and lookup by credential id and last name in search/l/. No server, no
// full list: each keystroke downloads at most one small shard. Names are folded
// exactly as credsite's Rust code folds them (src/names.rs): NFD without marks,
// lowercase, final sigma as sigma, a few letters spelled out, words split at
// anything that is not a letter or a digit.
(function () {
  "use strict";
  var configElement = document.getElementById("credsite-search");
  var config = JSON.parse(configElement.textContent);
  var root = configElement.getAttribute("data-root") || "";
  var SPELLED = { "ς": "σ", "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "ı": "i", "þ": "th" };
  var MAX_RESULTS = 50;

  function fold(text) {
    var bare = text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
    var out = "";
    for (var ch of bare) {
      out += Object.prototype.hasOwnProperty.call(SPELLED, ch) ? SPELLED[ch] : ch;
    }
    return out;
  }
  function words(text) {
    return fold(text).split(/[^\p{Alphabetic}\p{N}]+/u).filter(function (w) { return w !== ""; });
  }
  function prefix(word, n) {
    return Array.from(word).slice(0, n).join("");
  }
  function hex(bytes) {
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }
  window.credsiteFold = { fold: fold, words: words };

  // ---- Name search ----
  var shards = {};
  function shard(key) {
    if (!shards[key]) {
      // search/n/<first two bytes>/<key>.json, keys as hex of their UTF-8 (urls.rs).
      var name = hex(new TextEncoder().encode(key));
      var url = root + config.names + name.slice(0, 4) + "/" + name + ".json";
      shards[key] = fetch(url).then(function (response) {
        if (response.status === 404) return { split: false, holders: [] };
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      });
    }
    return shards[key];
  }
  // The holders filed under `word`'s key, descending into split shards as far as
  // the word goes. `more` says the word is too short to narrow a split shard;
  // `partial` that a shard left holders out (too many share the word).
  async function holdersFor(word) {
    var n = config.firstKeyChars;
    var length = Array.from(word).length;
    var found = [];
    var partial = false;
    var doc = await shard(prefix(word, n));
    while (doc.split) {
      found = found.concat(doc.holders);
      partial = partial || doc.more > 0;
      if (length <= n) return { holders: found, more: true, partial: partial };
      n += 1;
      doc = await shard(prefix(word, n));
    }
    return { holders: found.concat(doc.holders), more: false, partial: partial || doc.more > 0 };
  }

  var input = document.getElementById("search-name");
  var results = document.getElementById("search-results");
  var note = document.getElementById("search-note");
  var latest = 0;
  // `more`: longer names begin with what is typed (keep typing); `partial`: too many
  // holders share the name for the index to list them all. Either way the list is
  // not complete, and the note says so rather than give a count.
  function show(holders, query, more, partial) {
    results.textContent = "";
    var seen = {};
    var shown = 0;
    var total = 0;
    for (var i = 0; i < holders.length; i++) {
      var h = holders[i];
      if (seen[h[2]]) continue;
      var names = words(h[0]);
      var matches = query.every(function (q) {
        return names.some(function (w) { return w.indexOf(q) === 0; });
      });
      if (!matches) continue;
      seen[h[2]] = true;
      total += 1;
      if (shown >= MAX_RESULTS) continue;
      shown += 1;
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = root + config.credentials + h[2];
      a.textContent = h[0];
      li.appendChild(a);
      li.appendChild(document.createTextNode(" · " + (config.programs[h[1]] || "")));
      results.appendChild(li);
    }
    if (total === 0) {
      note.textContent = more ? "Keep typing: more letters narrow the search."
        : partial ? "None of the holders listed here under that name matches: so many share it that the search lists only some. Look the credential up by its id and last name below."
        : "No listed holder has that name. Holders who chose not to be listed can be found by credential id and last name below.";
    } else if (more) {
      note.textContent = "Showing " + shown + (shown === 1 ? " holder" : " holders") + " whose name is exactly that; more names begin with it: keep typing.";
    } else if (partial) {
      note.textContent = "Showing " + shown + (shown === 1 ? " holder" : " holders") + ", not all: so many share these names that the search lists only some. Type more of the name, or look the credential up by its id and last name below.";
    } else if (total > shown) {
      note.textContent = "Showing " + shown + " of " + total + " holders: type more of the name to narrow the list.";
    } else {
      note.textContent = total + (total === 1 ? " holder found." : " holders found.");
    }
  }
  input.addEventListener("input", async function () {
    var query = words(input.value);
    var ticket = ++latest;
    if (query.length === 0 || query.every(function (q) { return Array.from(q).length < config.firstKeyChars; })) {
      results.textContent = "";
      note.textContent = "Type at least two letters of a first or last name. Accents and capitals do not matter.";
      return;
    }
    // Every word of two letters or more has its shard (cached after the first
    // keystroke that needs it, so each keystroke downloads at most one): the smallest
    // complete one narrows the most; the others only filter.
    var shardWords = query.filter(function (q) { return Array.from(q).length >= config.firstKeyChars; });
    try {
      var perWord = await Promise.all(shardWords.map(holdersFor));
      if (ticket !== latest) return;
      var complete = perWord.filter(function (r) { return !r.partial && !r.more; });
      var pool = complete.length > 0 ? complete : perWord;
      var found = pool.reduce(function (a, b) { return b.holders.length < a.holders.length ? b : a; });
      show(found.holders, query, found.more, !found.more && found.partial);
    } catch (e) {
      if (ticket !== latest) return;
      results.textContent = "";
      note.textContent = "The search index could not be loaded (" + e.message + "). Search works when the site is served over HTTP(S).";
    }
  });

  // ---- Lookup by credential id and last name ----
  async function sha256(text) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  }
  function material(label, id, lastName) {
    return label + "\n" + id.trim().toLowerCase() + "\n" + words(lastName).join(" ");
  }
  var form = document.getElementById("lookup-form");
  var lookupResult = document.getElementById("lookup-result");
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var id = document.getElementById("lookup-id").value;
    var lastName = document.getElementById("lookup-name").value;
    lookupResult.textContent = "Looking up…";
    try {
      var tag = hex((await sha256(material("credsite lookup", id, lastName))).slice(0, 16));
      var url = root + config.lookup + tag.slice(0, config.lookupDigits) + ".json";
      var response = await fetch(url);
      var sealed = response.ok ? (await response.json()).entries[tag] : undefined;
      if (!response.ok && response.status !== 404) throw new Error("HTTP " + response.status);
      if (!sealed) {
        lookupResult.textContent = "No credential has that id and last name. Check both against the certificate.";
        return;
      }
      var keyBytes = await sha256(material("credsite lookup key", id, lastName));
      var key = await crypto.subtle.importKey("raw", keyBytes, "AES-GCM", false, ["decrypt"]);
      var b64 = sealed.replace(/-/g, "+").replace(/_/g, "/");
      var raw = Uint8Array.from(atob(b64 + "===".slice((b64.length + 3) % 4)), function (c) { return c.charCodeAt(0); });
      var folder = new TextDecoder().decode(await crypto.subtle.decrypt({ name: "AES-GCM", iv: new Uint8Array(12) }, key, raw));
      if (!/^[0-9a-f]{2}\/[A-Za-z0-9._-]+\/$/.test(folder)) throw new Error("unexpected entry");
      lookupResult.textContent = "Found: opening the credential…";
      window.location.href = root + config.credentials + folder;
    } catch (e) {
      lookupResult.textContent = "The lookup could not be done (" + e.message + "). It works when the site is served over HTTP(S).";
    }
  });
})();
