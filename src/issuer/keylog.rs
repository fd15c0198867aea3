//! The signed, hash-chained key log, published as `did.jsonl` beside `did.json`
//! (issue 13, part 5).
//!
//! It follows the shape of did:webvh's `did.jsonl` where that fits a did:web issuer:
//! one JSON object a line, each a version of the issuer's key history:
//!
//! ```json
//! {"versionId":"2-<hash>","versionTime":"2027-03-01T00:00:00Z",
//!  "parameters":{"method":"credsite-key-log/1","event":"rotate","previousVersionId":"1-<hash>"},
//!  "state":{"id":"did:web:…","keys":[{"id":"did:web:…#z6Mk…","publicKeyMultibase":"z6Mk…",
//!           "activeFrom":"2026-11-24","activeTo":"2027-02-28"}, …]},
//!  "proof":{"type":"DataIntegrityProof","cryptosuite":"eddsa-jcs-2022",…}}
//! ```
//!
//! `<hash>` is the hex SHA-256 of the JCS form of the entry without `versionId` and
//! `proof`; `previousVersionId` (absent in the first entry) names the previous entry,
//! hash included, so that changing any entry breaks every link after it. Each entry is
//! signed (`eddsa-jcs-2022`) by its newest key, the key it makes current. Entries are
//! only ever appended: by the first build or `keygen`, `keygen --rotate` and
//! `key compromised`. The source copy is `keys/did.jsonl`, committed with the site.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::keys;
use crate::dates::date_time;
use crate::state::KeyState;
use crate::vc::proof;

/// The key log in the site sources, relative to the root.
pub const KEY_LOG_FILE: &str = "keys/did.jsonl";
/// The key log's name in the published site, beside the DID document.
pub const PUBLISHED_NAME: &str = "did.jsonl";
/// The `parameters.method` of every entry.
pub const METHOD: &str = "credsite-key-log/1";

/// A problem with one line of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogProblem {
    /// 1-based line (= entry number).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for LogProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// What a checked log says.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The DID the log is about.
    pub did: String,
    /// The key history of its last entry.
    pub keys: Vec<KeyState>,
    /// How many entries it has.
    pub entries: usize,
}

/// The JSON of a key history, as log entries hold it.
pub fn keys_json(did: &str, history: &[KeyState]) -> Value {
    Value::Array(
        history
            .iter()
            .map(|k| {
                let mut m = Map::new();
                m.insert("id".into(), format!("{did}#{}", k.public).into());
                m.insert("publicKeyMultibase".into(), k.public.clone().into());
                m.insert("activeFrom".into(), k.active_from.to_string().into());
                if let Some(to) = k.active_to {
                    m.insert("activeTo".into(), to.to_string().into());
                }
                if let Some(since) = k.compromised_since {
                    m.insert("compromisedSince".into(), since.to_string().into());
                }
                Value::Object(m)
            })
            .collect(),
    )
}

fn keys_of(state: &Value) -> Result<Vec<KeyState>, String> {
    let date = |k: &Value, name: &str| -> Result<Option<chrono::NaiveDate>, String> {
        match k.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .and_then(|s| s.parse().ok())
                .map(Some)
                .ok_or_else(|| format!("`{name}` is not a date")),
        }
    };
    state
        .get("keys")
        .and_then(Value::as_array)
        .filter(|keys| !keys.is_empty())
        .ok_or("its state has no keys")?
        .iter()
        .map(|k| {
            Ok(KeyState {
                active_from: date(k, "activeFrom")?.ok_or("a key has no activeFrom")?,
                active_to: date(k, "activeTo")?,
                compromised_since: date(k, "compromisedSince")?,
                public: k
                    .get("publicKeyMultibase")
                    .and_then(Value::as_str)
                    .ok_or("a key has no publicKeyMultibase")?
                    .to_string(),
            })
        })
        .collect()
}

/// The hex SHA-256 of an entry without `versionId` and `proof`.
fn entry_hash(entry: &Value) -> Result<String, String> {
    let mut unsigned = entry.as_object().ok_or("not a JSON object")?.clone();
    unsigned.remove("versionId");
    unsigned.remove("proof");
    let bytes = proof::canonicalize(&Value::Object(unsigned)).map_err(|e| e.to_string())?;
    Ok(hex::encode(Sha256::digest(bytes)))
}

/// Appends an entry to the log `text` (empty for a new log): the key history
/// `history` as of `time`, after `event` (`create`, `rotate`, `compromise`), signed
/// with `signer`, which must be the history's newest key. Returns the new text.
pub fn append(
    text: &str,
    did: &str,
    history: &[KeyState],
    time: chrono::NaiveDate,
    event: &str,
    signer: &ed25519_dalek::SigningKey,
) -> anyhow::Result<String> {
    let newest = history.last().ok_or_else(|| anyhow::anyhow!("no keys"))?;
    anyhow::ensure!(
        keys::encode_public(&signer.verifying_key()) == newest.public,
        "the key log is signed by its newest key"
    );
    let previous = text
        .lines()
        .rfind(|l| !l.trim().is_empty())
        .map(serde_json::from_str::<Value>)
        .transpose()?;
    let previous_id = previous.as_ref().and_then(|p| {
        p.get("versionId")
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    let number = text.lines().filter(|l| !l.trim().is_empty()).count() + 1;
    let mut parameters = json!({"method": METHOD, "event": event});
    if let Some(id) = &previous_id {
        parameters["previousVersionId"] = id.clone().into();
    }
    let time = date_time(time);
    let mut entry = json!({
        "versionId": "",
        "versionTime": time,
        "parameters": parameters,
        "state": {"id": did, "keys": keys_json(did, history)},
    });
    let hash = entry_hash(&entry).map_err(anyhow::Error::msg)?;
    entry["versionId"] = format!("{number}-{hash}").into();
    let method = format!("{did}#{}", newest.public);
    let signed = proof::sign(entry, signer, &method, Some(&time))?;
    let mut out = text.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&serde_json::to_string(&signed)?);
    out.push('\n');
    Ok(out)
}

/// Checks every entry of a log: its number, its hash, its link to the previous entry,
/// its signature by its newest key, and that it only adds to the history before it.
/// The first problem is returned, naming its line.
pub fn check(text: &str) -> Result<Checked, LogProblem> {
    let mut previous: Option<(String, Vec<KeyState>)> = None;
    let mut did = String::new();
    let mut count = 0;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let problem = |message: String| LogProblem { line: n, message };
        if line.trim().is_empty() {
            return Err(problem("an empty line: every line is one entry".into()));
        }
        count += 1;
        let entry: Value =
            serde_json::from_str(line).map_err(|e| problem(format!("not JSON: {e}")))?;
        let version = entry
            .get("versionId")
            .and_then(Value::as_str)
            .ok_or_else(|| problem("no versionId".into()))?;
        let (number, hash) = version.split_once('-').unwrap_or((version, ""));
        if number != n.to_string() {
            return Err(problem(format!(
                "versionId {version} is not entry {n}: an entry was removed, added or moved"
            )));
        }
        let actual = entry_hash(&entry).map_err(problem)?;
        if hash != actual {
            return Err(problem(format!(
                "entry {n} was changed after it was written: its content hashes to {actual}, its versionId says {hash}"
            )));
        }
        let link = entry
            .pointer("/parameters/previousVersionId")
            .and_then(Value::as_str);
        match (&previous, link) {
            (None, None) => {}
            (Some((prev, _)), Some(link)) if link == prev => {}
            (None, Some(link)) => {
                return Err(problem(format!(
                    "the first entry names a previous entry ({link})"
                )));
            }
            (Some((prev, _)), link) => {
                return Err(problem(format!(
                    "broken link between entries {} and {n}: previousVersionId is {}, entry {} is {prev}",
                    n - 1,
                    link.unwrap_or("missing"),
                    n - 1
                )));
            }
        }
        let state = entry
            .get("state")
            .ok_or_else(|| problem("no state".into()))?;
        let this_did = state.get("id").and_then(Value::as_str).unwrap_or_default();
        if n > 1 && this_did != did {
            return Err(problem(format!("its DID {this_did} is not {did}")));
        }
        did = this_did.to_string();
        let history = keys_of(state).map_err(problem)?;
        let newest = &history[history.len() - 1];
        let method = format!("{did}#{}", newest.public);
        let key = keys::decode_public(&newest.public)
            .map_err(|_| problem(format!("key {} is not an Ed25519 Multikey", newest.public)))?;
        proof::verify(&entry, |m| {
            if m == method {
                Ok(key)
            } else {
                Err(format!(
                    "entry {n} must be signed by its newest key {method}"
                ))
            }
        })
        .map_err(|e| problem(format!("signature: {e}")))?;
        if let Some((_, before)) = &previous {
            let kept = before.len() <= history.len()
                && before.iter().zip(&history).all(|(a, b)| {
                    a.public == b.public
                        && a.active_from == b.active_from
                        && (a.active_to.is_none() || a.active_to == b.active_to)
                        && (a.compromised_since.is_none()
                            || a.compromised_since == b.compromised_since)
                });
            if !kept {
                return Err(problem(format!(
                    "entry {n} rewrites the key history of entry {}: entries may only add keys and end or revoke the current one",
                    n - 1
                )));
            }
        }
        previous = Some((version.to_string(), history));
    }
    let (_, keys) = previous.ok_or(LogProblem {
        line: 1,
        message: "the key log is empty".into(),
    })?;
    Ok(Checked {
        did,
        keys,
        entries: count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;

    fn d(s: &str) -> chrono::NaiveDate {
        s.parse().unwrap()
    }

    fn pk(k: &SigningKey) -> String {
        keys::encode_public(&k.verifying_key())
    }

    fn two_entries() -> String {
        let (a, b) = (
            SigningKey::from_bytes(&[1; 32]),
            SigningKey::from_bytes(&[2; 32]),
        );
        let mut history = vec![KeyState {
            active_from: d("2026-11-24"),
            active_to: None,
            compromised_since: None,
            public: pk(&a),
        }];
        let one = append("", "did:web:x", &history, d("2026-11-24"), "create", &a).unwrap();
        history[0].active_to = Some(d("2027-02-28"));
        history.push(KeyState {
            active_from: d("2027-03-01"),
            active_to: None,
            compromised_since: None,
            public: pk(&b),
        });
        append(&one, "did:web:x", &history, d("2027-03-01"), "rotate", &b).unwrap()
    }

    #[test]
    fn a_log_checks_and_names_a_tampered_entry() {
        let log = two_entries();
        let checked = check(&log).unwrap();
        assert_eq!((checked.entries, checked.keys.len()), (2, 2));
        assert_eq!(checked.keys[0].active_to, Some(d("2027-02-28")));

        let tampered = log.replacen("2026-11-24\"", "2026-01-01\"", 1);
        let err = check(&tampered).unwrap_err();
        assert_eq!(err.line, 1);
        assert!(
            err.message.contains("was changed after it was written"),
            "{err}"
        );

        let lines: Vec<&str> = log.lines().collect();
        let swapped = format!("{}\n{}\n", lines[1], lines[0]);
        assert!(
            check(&swapped)
                .unwrap_err()
                .message
                .contains("is not entry 1")
        );

        // A second entry re-hashed but linked to another first entry.
        let other = append(
            "",
            "did:web:x",
            &[KeyState {
                active_from: d("2026-11-25"),
                active_to: None,
                compromised_since: None,
                public: pk(&SigningKey::from_bytes(&[1; 32])),
            }],
            d("2026-11-25"),
            "create",
            &SigningKey::from_bytes(&[1; 32]),
        )
        .unwrap();
        let relinked = format!("{}{}\n", other, lines[1]);
        let err = check(&relinked).unwrap_err();
        assert_eq!(err.line, 2);
        assert!(
            err.message.contains("broken link between entries 1 and 2"),
            "{err}"
        );
    }
}
