//! Which issuer key signed: the key log (`did.jsonl`) beside the DID document, checked
//! against it, and each credential's key against its issue date (issue 13, part 5).

use std::fs;
use std::path::Path;

use chrono::NaiveDate;
use serde_json::Value;

use crate::dates::parse_date_time;
use crate::issuer::{history, keylog};
use crate::state::KeyState;

/// Which key of the issuer's key log signed a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUse {
    /// The verification method of the proof.
    pub method: String,
    /// Its place in the key log, from 1 (None: not in the log, or no log).
    pub number: Option<usize>,
    /// The credential's issue date (its `validFrom`).
    pub issued: Option<NaiveDate>,
    /// How the key relates to the issue date.
    pub when: KeyWhen,
}

/// Whether the key that signed was the key active on the issue date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyWhen {
    /// It was the issuer's key on that date.
    Active,
    /// A later key: the credential was re-signed (`--resign`, or after a key
    /// compromise). `active` is the number of the key active on the issue date.
    Resigned {
        /// The key active on the issue date.
        active: usize,
    },
    /// Not known: no key log, or the key is not in it.
    Unknown,
}

/// Checks the key log beside the DID document: its chain and signatures, and that
/// its last entry lists exactly the keys the DID document lists, revoked where it
/// says a key was compromised.
pub(super) fn check_key_log(path: &Path, did_doc: &Value) -> Result<keylog::Checked, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("cannot read the key log: {e}"))?;
    let checked =
        keylog::check(&text).map_err(|p| format!("the signed key log is broken at {p}"))?;
    let did = did_doc
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if checked.did != did {
        return Err(format!("the key log is about {}, not {did}", checked.did));
    }
    let methods: Vec<&Value> = did_doc
        .get("verificationMethod")
        .and_then(Value::as_array)
        .map(|v| v.iter().collect())
        .unwrap_or_default();
    let line = checked.entries;
    for (i, key) in checked.keys.iter().enumerate() {
        let id = format!("{did}#{}", key.public);
        let Some(method) = methods
            .iter()
            .find(|m| m.get("id").and_then(Value::as_str) == Some(id.as_str()))
        else {
            return Err(format!(
                "line {line}: key {} of the key log ({id}) is not in the DID document",
                i + 1
            ));
        };
        let revoked = method.get("revoked").is_some();
        if revoked != key.compromised_since.is_some() {
            return Err(format!(
                "line {line}: key {} is {} in the key log but {} in the DID document",
                i + 1,
                if revoked {
                    "not compromised"
                } else {
                    "compromised"
                },
                if revoked { "revoked" } else { "not revoked" }
            ));
        }
    }
    if methods.len() != checked.keys.len() {
        return Err(format!(
            "line {line}: the DID document lists {} keys, the key log's last entry {}",
            methods.len(),
            checked.keys.len()
        ));
    }
    Ok(checked)
}

/// Which key of the key log (`keys`, oldest first) signed a credential, and whether
/// it was active on the issue date. A key retired before the issue date never signs:
/// that is a failure.
pub(super) fn key_use(keys: &[KeyState], doc: &Value, method: String) -> Result<KeyUse, String> {
    let issued = doc
        .get("validFrom")
        .and_then(Value::as_str)
        .and_then(|t| parse_date_time(t).ok())
        .map(|t| t.date_naive());
    let number = keys
        .iter()
        .position(|k| method.ends_with(&format!("#{}", k.public)));
    let when = match (number, issued) {
        (Some(i), Some(issued)) => {
            let active = history::active_on(keys, issued);
            if i == active {
                KeyWhen::Active
            } else if i > active {
                KeyWhen::Resigned { active: active + 1 }
            } else {
                return Err(format!(
                    "signed with key {} ({method}), which was retired on {} before the credential's issue date {issued}: a retired key never signs new credentials",
                    i + 1,
                    keys[i].active_to.map_or("?".into(), |d| d.to_string())
                ));
            }
        }
        _ => KeyWhen::Unknown,
    };
    Ok(KeyUse {
        method,
        number: number.map(|i| i + 1),
        issued,
        when,
    })
}
