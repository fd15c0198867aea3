//! The status lists a verification reads: found in local copies of the issuer's site,
//! each checked like a credential before a bit of it is believed, cached by URL.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::*;

/// A status list that checked out.
#[derive(Debug)]
pub(super) struct List {
    /// Its file.
    path: PathBuf,
    /// Its `statusPurpose`.
    purpose: String,
    /// The decoded bitstring.
    bits: Vec<u8>,
}

/// Why a status list cannot be used.
#[derive(Debug, Clone)]
pub(super) enum ListProblem {
    /// No local copy of it (or its URL is not under the site's base URL).
    Missing(String),
    /// The file is there but is not an authentic, well-formed list: a failure.
    Invalid(PathBuf, String),
    /// Authentic, but not in force on the day asked about (outside its
    /// `validFrom`..`validUntil`).
    Stale(PathBuf, String),
}

impl ListProblem {
    fn reason(&self) -> String {
        match self {
            ListProblem::Missing(why) => why.clone(),
            ListProblem::Invalid(path, why) => {
                format!("the status list {} is invalid: {why}", path.display())
            }
            ListProblem::Stale(path, why) => {
                format!("the status list {} is not in force: {why}", path.display())
            }
        }
    }
}

/// The status lists of a run: found in the site folders, checked once, cached by URL.
pub(super) struct Lists<'a> {
    pub(super) check: &'a Check<'a>,
    /// The issuer DID.
    pub(super) did: String,
    /// The site's base URL from the DID, without a trailing '/'.
    pub(super) base: Option<String>,
    /// Where local copies of the site are, in order.
    pub(super) sites: Vec<PathBuf>,
    /// Lists by URL.
    pub(super) loaded: HashMap<String, Result<Rc<List>, ListProblem>>,
}

impl Lists<'_> {
    /// Verifies every status list in a site folder's `status/`, and counts it.
    pub(super) fn verify_all_in(&mut self, site: &Path, report: &mut Report) {
        let dir = site.join(urls::STATUS_DIR);
        let Ok(entries) = fs::read_dir(&dir) else {
            return;
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json"))
            .collect();
        names.sort();
        for name in names {
            let path = dir.join(&name);
            let Some(base) = &self.base else {
                report.failures.push((
                    path,
                    format!(
                        "cannot check status lists: the issuer {} is not a did:web DID",
                        self.did
                    ),
                ));
                continue;
            };
            let url = format!("{base}/{}{name}", urls::STATUS_DIR);
            let purpose = ["revocation", "suspension"]
                .into_iter()
                .find(|p| urls::status_list_number(&url, p).is_some());
            let Some(purpose) = purpose else {
                report.failures.push((
                    path,
                    "not a status list of this site: expected status/revocation-N.json or status/suspension-N.json".into(),
                ));
                continue;
            };
            match self.load(&url, report) {
                Ok(list) if list.purpose != purpose => report.failures.push((
                    path,
                    format!(
                        "its statusPurpose is {}, but its name says {purpose}",
                        list.purpose
                    ),
                )),
                Err(ListProblem::Missing(why)) => report.failures.push((path, why)),
                _ => {}
            }
        }
    }

    /// Works out the status of a verified credential from its `credentialStatus`.
    pub(super) fn credential(&mut self, path: &Path, doc: &Value, report: &mut Report) {
        if doc.get("credentialSubject").is_none() {
            return; // the feed
        }
        let status = self.status_of(doc, report);
        report.statuses.push((path.to_path_buf(), status));
    }

    fn status_of(&mut self, doc: &Value, report: &mut Report) -> CredentialStatus {
        let entries: Vec<&Value> = match doc.get("credentialStatus") {
            None => Vec::new(),
            Some(Value::Array(entries)) => entries.iter().collect(),
            Some(entry) => vec![entry],
        };
        let mut revoked = false;
        let mut suspended = false;
        let mut unknown: Option<String> = None;
        for entry in entries {
            match self.entry(entry, report) {
                Ok((Purpose::Revocation, bit)) => revoked |= bit,
                Ok((Purpose::Suspension, bit)) => suspended |= bit,
                Err(why) => {
                    unknown.get_or_insert(why);
                }
            }
        }
        let expired = || {
            doc.get("validUntil")
                .and_then(Value::as_str)
                .and_then(|t| parse_date_time(t).ok())
                .is_some_and(|until| until < self.check.day_start())
        };
        // A revocation is certain even if another list could not be read; a
        // suspension is not: the credential might be revoked as well.
        if revoked {
            CredentialStatus::Revoked
        } else if let Some(why) = unknown {
            CredentialStatus::Unknown(why)
        } else if suspended {
            CredentialStatus::Suspended
        } else if expired() {
            CredentialStatus::Expired
        } else {
            CredentialStatus::Valid
        }
    }

    /// Reads one `credentialStatus` entry: its purpose and whether its bit is set.
    fn entry(&mut self, entry: &Value, report: &mut Report) -> Result<(Purpose, bool), String> {
        let field = |name: &str| entry.get(name).and_then(Value::as_str);
        let kind = field("type").unwrap_or("(none)");
        if kind != STATUS_ENTRY_TYPE {
            return Err(format!(
                "credentialStatus of type {kind}: only {STATUS_ENTRY_TYPE} can be checked"
            ));
        }
        let purpose = match field("statusPurpose") {
            Some("revocation") => Purpose::Revocation,
            Some("suspension") => Purpose::Suspension,
            other => {
                return Err(format!(
                    "credentialStatus has the statusPurpose {}: only revocation and suspension can be checked",
                    other.unwrap_or("(none)")
                ));
            }
        };
        let size = entry.get("statusSize");
        if size.is_some_and(|s| s.as_u64() != Some(1) && s.as_str() != Some("1")) {
            return Err("credentialStatus has a statusSize other than 1".into());
        }
        let index: usize = match entry.get("statusListIndex") {
            Some(Value::String(s)) => s.parse().ok(),
            Some(Value::Number(n)) => n.as_u64().and_then(|n| usize::try_from(n).ok()),
            _ => None,
        }
        .ok_or("credentialStatus has no statusListIndex that is a whole number")?;
        let url = field("statusListCredential")
            .ok_or("credentialStatus has no statusListCredential")?
            .to_string();
        let list = self.load(&url, report).map_err(|p| p.reason())?;
        if list.purpose != purpose.as_str() {
            return Err(format!(
                "the status list {} has the statusPurpose {}, not {}",
                list.path.display(),
                list.purpose,
                purpose.as_str()
            ));
        }
        let bit = status_list::get(&list.bits, index).ok_or_else(|| {
            format!(
                "statusListIndex {index} is outside the status list {} ({} entries)",
                list.path.display(),
                list.bits.len() * 8
            )
        })?;
        Ok((purpose, bit))
    }

    /// The list at `url`, checked once: authentic and well-formed failures are
    /// recorded in the report the first time.
    fn load(&mut self, url: &str, report: &mut Report) -> Result<Rc<List>, ListProblem> {
        if let Some(done) = self.loaded.get(url) {
            return done.clone();
        }
        let result = self.read_and_check(url).map(Rc::new);
        match &result {
            Ok(list) => report.status_lists.push(list.path.clone()),
            Err(ListProblem::Invalid(path, why)) => {
                report.failures.push((path.clone(), why.clone()));
            }
            Err(ListProblem::Stale(path, why)) => {
                report.stale_status_lists.push((path.clone(), why.clone()));
            }
            Err(ListProblem::Missing(_)) => {}
        }
        self.loaded.insert(url.to_string(), result.clone());
        result
    }

    fn read_and_check(&self, url: &str) -> Result<List, ListProblem> {
        let path = self.local_file(url)?;
        let invalid = |why: String| ListProblem::Invalid(path.clone(), why);
        let doc = read_json(&path).map_err(|e| invalid(format!("{e:#}")))?;
        self.check.signature(&doc).map_err(invalid)?;
        self.check.issuer(&doc).map_err(invalid)?;
        let is_list = doc.get("type").and_then(Value::as_array).is_some_and(|t| {
            t.iter()
                .any(|t| t.as_str() == Some("BitstringStatusListCredential"))
        });
        if !is_list {
            return Err(invalid(
                "its type does not include BitstringStatusListCredential".into(),
            ));
        }
        if doc.get("id").and_then(Value::as_str) != Some(url) {
            return Err(invalid(format!(
                "its id is {}, not {url}, the URL it was found under",
                doc.get("id").and_then(Value::as_str).unwrap_or("(none)")
            )));
        }
        let subject = doc
            .get("credentialSubject")
            .ok_or_else(|| invalid("it has no credentialSubject".into()))?;
        let subject_field = |name: &str| subject.get(name).and_then(Value::as_str);
        if subject_field("type") != Some("BitstringStatusList") {
            return Err(invalid(
                "its credentialSubject's type is not BitstringStatusList".into(),
            ));
        }
        let purpose = subject_field("statusPurpose")
            .ok_or_else(|| invalid("it has no statusPurpose".into()))?
            .to_string();
        let encoded =
            subject_field("encodedList").ok_or_else(|| invalid("it has no encodedList".into()))?;
        let bits = status_list::decode(encoded).map_err(|e| invalid(format!("{e:#}")))?;
        if bits.len() * 8 < MIN_STATUS_LIST_BITS {
            return Err(invalid(format!(
                "its bitstring has {} entries, fewer than the {MIN_STATUS_LIST_BITS} the standard requires",
                bits.len() * 8
            )));
        }
        let time = |name: &str| -> Result<Option<DateTime<Utc>>, ListProblem> {
            doc.get(name)
                .map(|v| {
                    v.as_str()
                        .ok_or_else(|| format!("{name} is not a string"))
                        .and_then(parse_date_time)
                        .map_err(|e| invalid(format!("{name}: {e}")))
                })
                .transpose()
        };
        let as_of = self.check.as_of;
        if let Some(from) = time("validFrom")?
            && from > self.check.day_end()
        {
            return Err(ListProblem::Stale(
                path,
                format!(
                    "it is valid only from {}, after {as_of}",
                    from.format("%Y-%m-%d %H:%M:%S UTC")
                ),
            ));
        }
        if let Some(until) = time("validUntil")?
            && until < self.check.day_start()
        {
            return Err(ListProblem::Stale(
                path,
                format!(
                    "it was valid until {}, before {as_of}: the issuer must rebuild and publish the site",
                    until.format("%Y-%m-%d %H:%M:%S UTC")
                ),
            ));
        }
        Ok(List {
            path,
            purpose,
            bits,
        })
    }

    /// The local copy of the list at `url`: the part after the base URL, as a path
    /// inside the first site folder that has it.
    fn local_file(&self, url: &str) -> Result<PathBuf, ListProblem> {
        let Some(base) = &self.base else {
            return Err(ListProblem::Missing(format!(
                "the issuer {} is not a did:web DID, so its status list {url} cannot be found locally",
                self.did
            )));
        };
        let rel = url
            .strip_prefix(base.as_str())
            .and_then(|rest| rest.strip_prefix('/'))
            .filter(|rel| !rel.contains(['?', '#', '%']) && file_reference(rel).is_ok())
            .ok_or_else(|| {
                ListProblem::Missing(format!(
                    "the status list {url} is not a file of the issuer's site {base}/"
                ))
            })?;
        for site in &self.sites {
            let candidate = site.join(rel);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
        let looked: Vec<String> = self
            .sites
            .iter()
            .map(|s| s.join(rel).display().to_string())
            .collect();
        Err(ListProblem::Missing(format!(
            "no copy of the status list {url} (looked for {})",
            looked.join(", ")
        )))
    }
}
