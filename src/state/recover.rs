//! Rebuilding a lost site state from the published site.
//!
//! Every published `credential.json` carries what the state fixed for it: the salt
//! of its hashed email, and (through its signed content) its digest. The DID document
//! lists the issuer key. So a site whose state file is lost, and not in version
//! control either, gets it back from its own output: `credsite recover-state`.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::State;
use crate::urls;
use crate::vc::proof;

/// What a recovery found.
#[derive(Debug)]
pub struct Recovered {
    /// The state rebuilt from the site.
    pub state: State,
    /// Credentials read.
    pub credentials: usize,
    /// Issuer keys read from the DID document.
    pub keys: usize,
}

/// The credential id a credential page names in its `credsite-id` meta element (an
/// unlisted credential's folder is a random slug, not its id).
fn page_credential_id(folder: &Path) -> Result<Option<String>> {
    let page = folder.join("index.html");
    let Ok(html) = fs::read_to_string(&page) else {
        return Ok(None);
    };
    let marker = "<meta name=\"credsite-id\" content=\"";
    let Some(start) = html.find(marker).map(|at| at + marker.len()) else {
        return Ok(None);
    };
    let id = html[start..].split('"').next().unwrap_or_default();
    if !crate::ids::is_valid_id(id) {
        bail!("{}: names an invalid credential id {id:?}", page.display());
    }
    Ok(Some(id.to_string()))
}

/// Rebuilds the state from the built site in `public`. Keys get `as_of` as their
/// first day (the DID document does not say when a key became active).
pub fn recover(public: &Path, did_document: &str, as_of: NaiveDate) -> Result<Recovered> {
    let mut found = Vec::new();
    let mut signers = Vec::new();
    for (folder, slug) in crate::walk::credential_folders(public)? {
        let path = folder.join(urls::CREDENTIAL_FILE);
        if !path.is_file() {
            continue;
        }
        let doc = read_json(&path)?;
        let own = doc.get("id").and_then(Value::as_str).unwrap_or_default();
        if urls::credential_slug_of(own) != Some(&slug) {
            bail!("{}: its id does not name folder {slug}", path.display());
        }
        let id = page_credential_id(&folder)?.unwrap_or_else(|| slug.clone());
        let moved_from = own
            .contains(&format!("/{}", urls::LEGACY_CREDENTIALS_DIR))
            .then(|| urls::legacy_credential_dir(&slug));
        let slot = slot_of(&doc, &path)?;
        let dir = urls::credential_dir(&slug);
        signers.push((id.clone(), signer_of(&doc)));
        found.push((
            id,
            dir,
            moved_from,
            salt_of(&doc, &path)?,
            slot,
            digest_of(doc)?,
        ));
    }
    found.sort();

    let mut state = State::new();
    state.allocate(found.iter().map(|(id, ..)| (id.as_str(), true)))?;
    for (id, dir, moved_from, salt, slot, digest) in &found {
        let entry = state.credentials.get_mut(id).expect("allocated above");
        entry.path = dir.clone();
        entry.moved_from = moved_from.clone();
        entry.digest = Some(*digest);
        if let Some(salt) = salt {
            entry.salt = salt.clone();
        }
        if let Some((list, index)) = slot {
            entry.status_list = *list;
            entry.status_index = *index;
        }
    }
    // Slots allocated above for credentials published without a status entry may
    // collide with published ones: parsing the text checks every slot is unique.
    let mut state = State::parse(&state.to_text()?).map_err(|d| {
        anyhow::anyhow!("{d}\n     hint: the published credentials share status slots; restore the state from version control")
    })?;

    let did = read_json(&public.join(did_document))?;
    // The signed key log beside the DID document holds the whole history, dates
    // included; without one, each key of the DID document starts on `as_of`.
    let log_path = public.join(crate::urls::key_log(did_document));
    if let Ok(text) = fs::read_to_string(&log_path) {
        let checked = crate::issuer::keylog::check(&text).map_err(|p| {
            anyhow::anyhow!(
                "{}: the signed key log is broken at {p}\n     hint: recover from a published copy whose key log verifies",
                log_path.display()
            )
        })?;
        state.keys = checked.keys;
        // A credential signed with another key than the one active on its issue date
        // was re-signed on request: the state records that key for it.
        for (id, signer) in signers {
            if let (Some((public, issued)), Some(entry)) = (signer, state.credentials.get_mut(&id))
            {
                let active = crate::issuer::history::active_on(&state.keys, issued);
                if state.keys[active].public != public
                    && state.keys.iter().any(|k| k.public == public)
                {
                    entry.key = Some(public);
                }
            }
        }
        let keys = state.keys.len();
        return Ok(Recovered {
            state,
            credentials: found.len(),
            keys,
        });
    }
    let mut keys = 0;
    for method in did
        .get("verificationMethod")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(public) = method.get("publicKeyMultibase").and_then(Value::as_str) {
            keys += usize::from(state.record_key(public, as_of));
        }
    }
    Ok(Recovered {
        state,
        credentials: found.len(),
        keys,
    })
}

/// The public key (multibase) of a credential's first proof, and its issue date.
fn signer_of(doc: &Value) -> Option<(String, NaiveDate)> {
    let proof = doc.get("proof")?;
    let proof = proof.as_array().and_then(|p| p.first()).unwrap_or(proof);
    let method = proof.get("verificationMethod")?.as_str()?;
    let public = method.split_once('#')?.1.to_string();
    let issued = doc.get("validFrom")?.as_str()?.get(..10)?.parse().ok()?;
    Some((public, issued))
}

/// The salt published beside a credential's hashed email, if it has one.
fn salt_of(doc: &Value, path: &Path) -> Result<Option<String>> {
    let identifiers = doc
        .pointer("/credentialSubject/identifier")
        .and_then(Value::as_array);
    let salt = identifiers
        .into_iter()
        .flatten()
        .find(|i| i.get("hashed") == Some(&Value::Bool(true)))
        .and_then(|i| i.get("salt"))
        .and_then(Value::as_str);
    match salt {
        Some(salt) if salt.len() == 32 && salt.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok(Some(salt.to_string()))
        }
        Some(salt) => bail!("{}: salt \"{salt}\" is not 16 bytes of hex", path.display()),
        None => Ok(None),
    }
}

/// The status-list slot a credential's revocation entry names: (list, index).
fn slot_of(doc: &Value, path: &Path) -> Result<Option<(u32, u32)>> {
    let entries = match doc.get("credentialStatus") {
        Some(Value::Array(entries)) => entries.clone(),
        Some(entry) => vec![entry.clone()],
        None => return Ok(None),
    };
    let Some(entry) = entries
        .iter()
        .find(|e| e.get("statusPurpose").and_then(Value::as_str) == Some("revocation"))
    else {
        return Ok(None);
    };
    let index = entry
        .get("statusListIndex")
        .and_then(Value::as_str)
        .and_then(|i| i.parse().ok());
    let list = entry
        .get("statusListCredential")
        .and_then(Value::as_str)
        .and_then(|url| urls::status_list_number(url, "revocation"));
    match (list, index) {
        (Some(list), Some(index)) => Ok(Some((list, index))),
        _ => bail!(
            "{}: its revocation status entry does not name a list and index of this site",
            path.display()
        ),
    }
}

/// SHA-256 of the canonical signed content: the document without its proof, as the
/// signing stage computes it.
fn digest_of(mut doc: Value) -> Result<[u8; 32]> {
    if let Some(map) = doc.as_object_mut() {
        map.remove("proof");
    }
    let canonical = proof::canonicalize(&doc)?;
    Ok(Sha256::digest(canonical).into())
}

fn read_json(path: &Path) -> Result<Value> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
}
