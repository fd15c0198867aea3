//! Offline verification of credentials and of whole built sites.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use serde_json::Value;

use super::proof;
use crate::dates::parse_date_time;
use crate::issuer::did::resolve_assertion_key;
use crate::urls;

/// What a verification run found.
#[derive(Debug, Default)]
pub struct Report {
    /// Documents whose proof verified.
    pub verified: Vec<PathBuf>,
    /// Documents that failed, with the reason.
    pub failures: Vec<(PathBuf, String)>,
    /// Verified credentials whose `validUntil` has passed (authentic, but expired).
    pub expired: Vec<PathBuf>,
    /// The DID document used.
    pub did_document: PathBuf,
    /// The issuer DID that document describes: offline, the signatures prove only
    /// that this DID's key signed, so compare it with the issuer you expect.
    pub issuer: String,
}

impl Report {
    /// True if every document verified.
    pub fn ok(&self) -> bool {
        self.failures.is_empty() && !self.verified.is_empty()
    }
}

/// Verifies a `credential.json` (or `feed.json`) file, or every credential and the
/// feed of a built site folder. `did_document` overrides where the issuer's DID
/// document is read; by default it is found in the site (`.well-known/did.json` or
/// `did.json`), searching upward from a single file. Credentials whose `validUntil`
/// is before the day `as_of` count as expired.
pub fn verify_path(path: &Path, did_document: Option<&Path>, as_of: NaiveDate) -> Result<Report> {
    let did_path = match did_document {
        Some(p) => p.to_path_buf(),
        None => find_did_document(path)?,
    };
    let did_doc = read_json(&did_path)
        .with_context(|| format!("cannot use the DID document {}", did_path.display()))?;
    let mut report = Report {
        did_document: did_path,
        issuer: did_doc
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        ..Report::default()
    };
    let check = Check {
        did_doc: &did_doc,
        as_of,
    };
    if path.is_dir() {
        let credentials = path.join(urls::CREDENTIALS_DIR);
        let mut dirs: Vec<PathBuf> = match fs::read_dir(&credentials) {
            Ok(entries) => entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_dir())
                .collect(),
            Err(e) => bail!("cannot read {}: {e}", credentials.display()),
        };
        dirs.sort();
        let ids: Vec<String> = dirs
            .iter()
            .map(|d| {
                d.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        for (dir, id) in dirs.iter().zip(&ids) {
            check.file(&dir.join(urls::CREDENTIAL_FILE), Some(id), &mut report);
        }
        if let Some(feed) = check.file(&path.join(urls::FEED), None, &mut report) {
            compare_with_feed(&feed, &credentials, &ids, &mut report);
        }
    } else {
        let id = path
            .parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().to_string());
        let expected = if path.file_name().is_some_and(|n| n == urls::CREDENTIAL_FILE) {
            id
        } else {
            None
        };
        check.file(path, expected.as_deref(), &mut report);
    }
    Ok(report)
}

/// The signed feed lists every credential: a credential folder that was removed, or
/// one that the issuer never listed, is a failure.
fn compare_with_feed(feed: &Value, credentials: &Path, folders: &[String], report: &mut Report) {
    let listed: BTreeSet<&str> = feed
        .get("items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|item| item.get("id").and_then(Value::as_str))
        .filter_map(urls::credential_id_of)
        .collect();
    let present: BTreeSet<&str> = folders.iter().map(String::as_str).collect();
    for id in listed.difference(&present) {
        report.failures.push((
            credentials.join(id),
            "listed in the signed feed, but the credential is missing from the site".into(),
        ));
    }
    for id in present.difference(&listed) {
        report.failures.push((
            credentials.join(id),
            "not listed in the signed feed: the issuer did not publish this credential".into(),
        ));
    }
}

/// What every document is checked against.
struct Check<'a> {
    did_doc: &'a Value,
    as_of: NaiveDate,
}

impl Check<'_> {
    /// Checks one document and records the outcome; returns the document if it verified.
    fn file(&self, path: &Path, folder_id: Option<&str>, report: &mut Report) -> Option<Value> {
        match self.document(path, folder_id) {
            Ok((doc, expired)) => {
                if expired {
                    report.expired.push(path.to_path_buf());
                }
                report.verified.push(path.to_path_buf());
                Some(doc)
            }
            Err(why) => {
                report.failures.push((path.to_path_buf(), why));
                None
            }
        }
    }

    /// Checks one document; returns it and whether it is an expired credential.
    fn document(&self, path: &Path, folder_id: Option<&str>) -> Result<(Value, bool), String> {
        let doc = read_json(path).map_err(|e| format!("{e:#}"))?;
        let did = self
            .did_doc
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        proof::verify(&doc, |method| resolve_assertion_key(self.did_doc, method))
            .map_err(|e| e.to_string())?;
        let is_credential = doc.get("credentialSubject").is_some();
        if !is_credential {
            return Ok((doc, false));
        }
        let issuer = doc
            .get("issuer")
            .and_then(|i| i.get("id").or(Some(i)))
            .and_then(Value::as_str);
        if issuer != Some(did) {
            return Err(format!(
                "the issuer {} is not {did}, the DID the signing key belongs to",
                issuer.unwrap_or("(none)")
            ));
        }
        if let Some(id) = folder_id {
            let own = doc.get("id").and_then(Value::as_str).unwrap_or_default();
            if urls::credential_id_of(own) != Some(id) {
                return Err(format!(
                    "the credential's id {own} does not belong in folder {}",
                    urls::credential_dir(id)
                ));
            }
        }
        let expired = match doc.get("validUntil").and_then(Value::as_str) {
            Some(until) => {
                let until = parse_date_time(until).map_err(|e| format!("validUntil: {e}"))?;
                let day_start = self.as_of.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
                until < day_start
            }
            None => false,
        };
        Ok((doc, expired))
    }
}

fn read_json(path: &Path) -> Result<Value> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
}

/// Finds the DID document of the site that `path` is in.
fn find_did_document(path: &Path) -> Result<PathBuf> {
    let start = if path.is_dir() {
        Some(path)
    } else {
        path.parent()
    };
    let mut dir = start;
    while let Some(d) = dir {
        for candidate in [d.join(".well-known/did.json"), d.join("did.json")] {
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
        if path.is_dir() {
            break;
        }
        dir = d.parent();
    }
    bail!(
        "no DID document found for {}: looked for .well-known/did.json and did.json{}\n     hint: pass the issuer's DID document with --did FILE",
        path.display(),
        if path.is_dir() {
            " in that folder"
        } else {
            " in its folder and the folders above"
        }
    )
}
