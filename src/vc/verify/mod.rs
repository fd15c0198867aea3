//! Offline verification of credentials and of whole built sites, with their status.
//!
//! Each credential's `credentialStatus` entries (W3C Bitstring Status List v1.0) point
//! at status list credentials on the issuer's site. Offline, nothing is fetched: a
//! list URL under the site's base URL (derived from the issuer's `did:web`) is read
//! from the same path inside a local copy of the site. Every list is checked like a
//! credential (its proofs against the same DID document, its type,
//! issuer, purpose, validity period and length) before a bit of it is believed. A
//! credential whose lists cannot be found or checked is `Unknown`, never `Valid`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use super::proof;
use super::status_list::{self, Purpose};
use crate::dates::parse_date_time;
use crate::issuer::did::resolve_assertion_key;
use crate::issuer::keylog;
use crate::load::validate::file_reference;
use crate::state::KeyState;
use crate::urls;

mod keys;
mod status;

use keys::check_key_log;
pub use keys::{KeyUse, KeyWhen};
use status::Lists;

/// W3C Bitstring Status List v1.0, 3.2 Validate Algorithm: "Let
/// minimumNumberOfEntries be 131,072" (a 16 KiB bitstring, for herd privacy).
pub const MIN_STATUS_LIST_BITS: usize = 131_072;

/// The type of the `credentialStatus` entries credsite reads.
pub const STATUS_ENTRY_TYPE: &str = "BitstringStatusListEntry";

/// A verified credential's standing on the day asked about, as its status lists
/// and its dates say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialStatus {
    /// Not revoked, not suspended, not expired.
    Valid,
    /// Its `validUntil` has passed (and it is neither revoked nor suspended).
    Expired,
    /// Its bit is set in the suspension list.
    Suspended,
    /// Its bit is set in the revocation list.
    Revoked,
    /// A status list could not be found or did not check out: the credential may
    /// be revoked, so it is not shown as valid. The reason says why.
    Unknown(String),
}

impl CredentialStatus {
    /// The status in one word, upper case, as `credsite verify` prints it.
    pub fn keyword(&self) -> &'static str {
        match self {
            CredentialStatus::Valid => "VALID",
            CredentialStatus::Expired => "EXPIRED",
            CredentialStatus::Suspended => "SUSPENDED",
            CredentialStatus::Revoked => "REVOKED",
            CredentialStatus::Unknown(_) => "UNKNOWN",
        }
    }
}

/// How many verified credentials have each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusCounts {
    /// [`CredentialStatus::Valid`].
    pub valid: usize,
    /// [`CredentialStatus::Expired`].
    pub expired: usize,
    /// [`CredentialStatus::Suspended`].
    pub suspended: usize,
    /// [`CredentialStatus::Revoked`].
    pub revoked: usize,
    /// [`CredentialStatus::Unknown`].
    pub unknown: usize,
}

/// What a verification run found.
#[derive(Debug, Default)]
pub struct Report {
    /// Documents (credentials, or a feed page given alone) whose proof verified.
    pub verified: Vec<PathBuf>,
    /// The pages of the signed feed that verified, newest first, with their chain.
    pub feed_pages: Vec<PathBuf>,
    /// For a site folder: how many files its signed manifest lists, when the
    /// manifest verified and the folder matched it.
    pub manifest_files: Option<usize>,
    /// Documents that failed, with the reason: credentials, the feed, and status
    /// lists that are not authentic or not well-formed.
    pub failures: Vec<(PathBuf, String)>,
    /// Verified credentials whose `validUntil` has passed (authentic, but expired),
    /// whatever their status lists say.
    pub expired: Vec<PathBuf>,
    /// The DID document used.
    pub did_document: PathBuf,
    /// The issuer DID that document describes: offline, the signatures prove only
    /// that this DID's key signed, so compare it with the issuer you expect.
    pub issuer: String,
    /// Whether status lists were read ([`Options::check_status`]).
    pub status_checked: bool,
    /// The status of each verified credential, in the order checked (empty when
    /// status was not checked).
    pub statuses: Vec<(PathBuf, CredentialStatus)>,
    /// Status lists that verified and are in force on the day asked about.
    pub status_lists: Vec<PathBuf>,
    /// Status lists that are authentic but not in force on the day asked about
    /// (past their `validUntil`: the site was not rebuilt in time; or before their
    /// `validFrom`), with why.
    pub stale_status_lists: Vec<(PathBuf, String)>,
    /// The signed key log (`did.jsonl`) beside the DID document, when there is one,
    /// and how many entries it has (0 when it failed: see `failures`).
    pub key_log: Option<(PathBuf, usize)>,
    /// The keys of the key log's last entry, oldest first.
    pub keys: Vec<KeyState>,
    /// Which key signed each verified credential, and whether it was active on the
    /// credential's issue date.
    pub key_uses: Vec<(PathBuf, KeyUse)>,
}

impl Report {
    /// True if every document verified (signatures, issuer, shape). Says nothing of
    /// status: see [`Report::passes`].
    pub fn ok(&self) -> bool {
        self.failures.is_empty() && !self.verified.is_empty()
    }

    /// How many credentials have each status.
    pub fn counts(&self) -> StatusCounts {
        let mut counts = StatusCounts::default();
        for (_, status) in &self.statuses {
            match status {
                CredentialStatus::Valid => counts.valid += 1,
                CredentialStatus::Expired => counts.expired += 1,
                CredentialStatus::Suspended => counts.suspended += 1,
                CredentialStatus::Revoked => counts.revoked += 1,
                CredentialStatus::Unknown(_) => counts.unknown += 1,
            }
        }
        counts
    }

    /// The verdict `credsite verify` exits with: every document verified, and no
    /// credential is revoked or of unknown status; with `strict`, none is suspended
    /// or expired either.
    pub fn passes(&self, strict: bool) -> bool {
        let counts = self.counts();
        let lenient = self.ok() && counts.revoked == 0 && counts.unknown == 0;
        let strict_ok = counts.suspended == 0 && counts.expired == 0 && self.expired.is_empty();
        lenient && (!strict || strict_ok)
    }
}

/// How to verify.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where the issuer's DID document is read; by default it is found in the site
    /// (`.well-known/did.json` or `did.json`), searching upward from a single file.
    pub did_document: Option<PathBuf>,
    /// Credentials whose `validUntil` is before this day are expired; status lists
    /// must be in force on it.
    pub as_of: NaiveDate,
    /// Read the status lists (default). Without it, only signatures and dates.
    pub check_status: bool,
    /// For a single file: the built site to read status lists from. When given,
    /// only this folder is searched.
    pub site: Option<PathBuf>,
    /// For a single file: more folders to search for status lists, after the folder
    /// the DID document was found in (parent of `.well-known/`, or of `did.json`).
    pub fallback_sites: Vec<PathBuf>,
}

impl Options {
    /// Verify as of `as_of`, with status, reading lists from the site the DID
    /// document is in.
    pub fn new(as_of: NaiveDate) -> Self {
        Options {
            did_document: None,
            as_of,
            check_status: true,
            site: None,
            fallback_sites: Vec::new(),
        }
    }
}

/// Verifies a `credential.json` (or `feed.json`) file, or every credential, status
/// list and the feed of a built site folder, with status as of `as_of`.
/// `did_document` overrides where the issuer's DID document is read.
pub fn verify_path(path: &Path, did_document: Option<&Path>, as_of: NaiveDate) -> Result<Report> {
    let mut options = Options::new(as_of);
    options.did_document = did_document.map(Path::to_path_buf);
    verify(path, &options)
}

/// Verifies a `credential.json` (or `feed.json`) file, or every credential, status
/// list and the feed of a built site folder. For a folder, the status lists are
/// read from that folder; for a single file, from [`Options::site`], else the site
/// the DID document was found in, else [`Options::fallback_sites`].
pub fn verify(path: &Path, options: &Options) -> Result<Report> {
    let did_path = match (&options.did_document, &options.site) {
        (Some(p), _) => p.clone(),
        // A file copied out of its site: the DID document of the site given.
        (None, Some(site)) if !path.is_dir() => {
            find_did_document(path).or_else(|e| find_did_document(site).map_err(|_| e))?
        }
        (None, _) => find_did_document(path)?,
    };
    let did_doc = read_json(&did_path)
        .with_context(|| format!("cannot use the DID document {}", did_path.display()))?;
    let mut failures = Vec::new();
    let log_path = did_path.with_file_name(keylog::PUBLISHED_NAME);
    let (key_log, log_keys) = if log_path.is_file() {
        match check_key_log(&log_path, &did_doc) {
            Ok(checked) => (Some((log_path, checked.entries)), checked.keys),
            Err(why) => {
                failures.push((log_path.clone(), why));
                (Some((log_path, 0)), Vec::new())
            }
        }
    } else {
        (None, Vec::new())
    };
    let issuer = did_doc
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let sites = if path.is_dir() {
        if options.site.is_some() {
            bail!(
                "--site is for a single credential.json: {} is a site folder, whose own status lists are read",
                path.display()
            );
        }
        vec![path.to_path_buf()]
    } else if let Some(site) = &options.site {
        vec![site.clone()]
    } else {
        let mut sites = vec![site_of_did_document(&did_path)];
        sites.extend(options.fallback_sites.iter().cloned());
        sites.dedup();
        sites
    };
    let mut report = Report {
        did_document: did_path,
        issuer: issuer.clone(),
        status_checked: options.check_status,
        failures,
        key_log,
        keys: log_keys.clone(),
        ..Report::default()
    };
    let check = Check {
        did_doc: &did_doc,
        as_of: options.as_of,
        keys: &log_keys,
    };
    let mut lists = options.check_status.then(|| Lists {
        check: &check,
        did: issuer.clone(),
        base: base_url_of_did(&issuer),
        sites,
        loaded: HashMap::new(),
    });
    if path.is_dir() {
        if let Some(lists) = &mut lists {
            lists.verify_all_in(path, &mut report);
        }
        let folders = crate::walk::credential_folders(path)?;
        for (dir, slug) in &folders {
            let file = dir.join(urls::CREDENTIAL_FILE);
            if let Some(doc) = check.file(&file, Some(slug), &mut report)
                && let Some(lists) = &mut lists
            {
                lists.credential(&file, &doc, &mut report);
            }
        }
        check_manifest(&check, path, &mut report);
        let items = feed_chain(&check, path, &mut report);
        let slugs: Vec<(PathBuf, &str)> = folders
            .iter()
            .map(|(dir, slug)| (dir.clone(), slug.as_str()))
            .collect();
        compare_with_feed(&items, path, &slugs, &mut report);
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
        if let Some(doc) = check.file(path, expected.as_deref(), &mut report)
            && let Some(lists) = &mut lists
        {
            lists.credential(path, &doc, &mut report);
        }
    }
    Ok(report)
}

/// Checks the site folder against its signed `manifest.json`: the manifest's proof,
/// then every listed file present and unchanged, and no file that it does not list.
fn check_manifest(check: &Check<'_>, site: &Path, report: &mut Report) {
    use crate::output::manifest;
    let path = site.join(urls::MANIFEST);
    let files = match check.document(&path, None).and_then(|(doc, _, _)| {
        let read = |part: &str| {
            std::fs::read(site.join(part))
                .with_context(|| format!("cannot read {}", site.join(part).display()))
        };
        manifest::files_of(&doc, read).map_err(|e| format!("{e:#}"))
    }) {
        Ok(files) => files,
        Err(why) => {
            report.failures.push((path, why));
            return;
        }
    };
    let mismatch = match manifest::compare(site, &files) {
        Ok(mismatch) => mismatch,
        Err(e) => {
            report.failures.push((path, format!("{e:#}")));
            return;
        }
    };
    for (list, why) in [
        (
            &mismatch.missing,
            "listed in the signed manifest, but missing",
        ),
        (
            &mismatch.changed,
            "changed since the issuer signed the manifest",
        ),
        (
            &mismatch.extra,
            "not in the signed manifest: the issuer did not publish it",
        ),
    ] {
        for file in list {
            report.failures.push((site.join(file), why.to_string()));
        }
    }
    if mismatch.is_empty() {
        report.manifest_files = Some(files.len());
    }
}

/// Walks the signed feed from `feed.json` through every older page (`next_url`),
/// checking each page's proof and that each page holds the digest of the page it
/// links to. Returns the items of every page.
fn feed_chain(check: &Check<'_>, site: &Path, report: &mut Report) -> Vec<Value> {
    let mut items = Vec::new();
    let mut path = site.join(urls::FEED);
    let mut expected: Option<(String, String)> = None;
    let mut seen = BTreeSet::new();
    loop {
        let doc = match check.document(&path, None) {
            Ok((doc, _, _)) => doc,
            Err(why) => {
                report.failures.push((path, why));
                break;
            }
        };
        if let Some((linked_from, digest)) = expected.take() {
            match super::feed::digest(&doc) {
                Ok(actual) if actual == digest => {}
                _ => {
                    report.failures.push((
                        path.clone(),
                        format!(
                            "the feed's hash chain is broken: {linked_from} holds digest {digest}, but this page's content does not match it (a page was changed or replaced)"
                        ),
                    ));
                    break;
                }
            }
        }
        report.feed_pages.push(path.clone());
        items.extend(doc["items"].as_array().cloned().unwrap_or_default());
        let Some(next) = doc.get("next_url").and_then(Value::as_str) else {
            break;
        };
        let Some(n) = urls::feed_page_number(next) else {
            report.failures.push((
                path,
                format!("next_url {next} is not a page of this site's feed"),
            ));
            break;
        };
        let previous = &doc["_credsite"]["previous"];
        let (Some(url), Some(digest)) = (previous["url"].as_str(), previous["digest"].as_str())
        else {
            report.failures.push((
                path,
                "the page links to an older page but holds no digest of it (_credsite.previous)"
                    .into(),
            ));
            break;
        };
        if url != next || !seen.insert(n) {
            report.failures.push((
                path,
                format!("_credsite.previous names {url}, not the next page {next}"),
            ));
            break;
        }
        let shown = path.display().to_string();
        expected = Some((shown, digest.to_string()));
        path = site.join(urls::feed_page(n));
    }
    items
}

/// The signed feed lists every credential: a credential folder that was removed, or
/// one that the issuer never listed, is a failure.
fn compare_with_feed(
    items: &[Value],
    site: &Path,
    folders: &[(PathBuf, &str)],
    report: &mut Report,
) {
    let listed: BTreeSet<&str> = items
        .iter()
        .filter(|item| {
            item.get("_credsite")
                .and_then(|c| c.get("action"))
                .is_none()
        })
        .filter_map(|item| item.get("id").and_then(Value::as_str))
        .filter_map(urls::credential_slug_of)
        .collect();
    let present: BTreeMap<&str, &PathBuf> =
        folders.iter().map(|(dir, slug)| (*slug, dir)).collect();
    for slug in &listed {
        if !present.contains_key(slug) {
            report.failures.push((
                site.join(urls::credential_dir(slug)),
                "listed in the signed feed, but the credential is missing from the site".into(),
            ));
        }
    }
    for (slug, dir) in &present {
        if !listed.contains(slug) {
            report.failures.push((
                (*dir).clone(),
                "not listed in the signed feed: the issuer did not publish this credential".into(),
            ));
        }
    }
}

/// What every document is checked against.
struct Check<'a> {
    did_doc: &'a Value,
    as_of: NaiveDate,
    /// The key history from the key log (empty without one).
    keys: &'a [KeyState],
}

impl Check<'_> {
    /// Checks one document and records the outcome; returns the document if it verified.
    fn file(&self, path: &Path, folder_id: Option<&str>, report: &mut Report) -> Option<Value> {
        match self.document(path, folder_id) {
            Ok((doc, expired, key_use)) => {
                if expired {
                    report.expired.push(path.to_path_buf());
                }
                if let Some(key_use) = key_use {
                    report.key_uses.push((path.to_path_buf(), key_use));
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

    /// Checks one document; returns it, whether it is an expired credential, and
    /// for a credential which key signed it.
    fn document(
        &self,
        path: &Path,
        folder_id: Option<&str>,
    ) -> Result<(Value, bool, Option<KeyUse>), String> {
        let doc = read_json(path).map_err(|e| format!("{e:#}"))?;
        let method = self.signature(&doc)?;
        let is_credential = doc.get("credentialSubject").is_some();
        if !is_credential {
            return Ok((doc, false, None));
        }
        let key_use = keys::key_use(self.keys, &doc, method)?;
        self.issuer(&doc)?;
        if let Some(slug) = folder_id {
            let own = doc.get("id").and_then(Value::as_str).unwrap_or_default();
            if urls::credential_slug_of(own) != Some(slug) {
                return Err(format!(
                    "the credential's id {own} does not belong in folder {}",
                    urls::credential_dir(slug)
                ));
            }
        }
        let expired = match doc.get("validUntil").and_then(Value::as_str) {
            Some(until) => {
                let until = parse_date_time(until).map_err(|e| format!("validUntil: {e}"))?;
                until < self.day_start()
            }
            None => false,
        };
        Ok((doc, expired, Some(key_use)))
    }

    fn did(&self) -> &str {
        self.did_doc
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// Every proof of the document (`eddsa-jcs-2022` and `eddsa-rdfc-2022`, a single
    /// proof or a proof set), against a key the DID document lists for assertions;
    /// returns the verification method of its first proof.
    fn signature(&self, doc: &Value) -> Result<String, String> {
        proof::verify(doc, |method| resolve_assertion_key(self.did_doc, method))
            .map_err(|e| e.to_string())?
            .into_iter()
            .next()
            .map(|verified| verified.method)
            .ok_or_else(|| "the document has no proof".to_string())
    }

    /// The document's issuer is the DID whose key signed it.
    fn issuer(&self, doc: &Value) -> Result<(), String> {
        let did = self.did();
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
        Ok(())
    }

    /// The first moment of the day asked about.
    fn day_start(&self) -> DateTime<Utc> {
        self.as_of.and_hms_opt(0, 0, 0).expect("midnight").and_utc()
    }

    /// The last moment of the day asked about.
    fn day_end(&self) -> DateTime<Utc> {
        self.as_of
            .and_hms_nano_opt(23, 59, 59, 999_999_999)
            .expect("a time of day")
            .and_utc()
    }
}

/// The base URL of a did:web DID's site, without a trailing '/':
/// `did:web:host%3A8443:a:b` is `https://host:8443/a/b` (did:web, "Read (Resolve)").
pub fn base_url_of_did(did: &str) -> Option<String> {
    let rest = did.strip_prefix("did:web:")?;
    if rest.contains(['/', '?', '#']) {
        return None;
    }
    let mut parts = rest.split(':');
    let host = parts.next()?.replace("%3A", ":").replace("%3a", ":");
    if host.is_empty() || host.contains('%') {
        return None;
    }
    let path: Vec<&str> = parts.collect();
    if path.iter().any(|p| p.is_empty() || *p == "." || *p == "..") {
        return None;
    }
    let mut url = format!("https://{}", host.to_ascii_lowercase());
    for segment in path {
        url.push('/');
        url.push_str(segment);
    }
    Some(url)
}

/// The site folder a DID document belongs to: the parent of `.well-known/` for
/// `.well-known/did.json`, else the document's folder.
fn site_of_did_document(did_path: &Path) -> PathBuf {
    let folder = did_path.parent().unwrap_or(Path::new(""));
    let site = if folder.file_name().is_some_and(|n| n == ".well-known") {
        folder.parent().unwrap_or(Path::new(""))
    } else {
        folder
    };
    if site.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        site.to_path_buf()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_did_web_to_the_site_base_url() {
        assert_eq!(
            base_url_of_did("did:web:registry.example").as_deref(),
            Some("https://registry.example")
        );
        assert_eq!(
            base_url_of_did("did:web:org.github.io:registry").as_deref(),
            Some("https://org.github.io/registry")
        );
        assert_eq!(
            base_url_of_did("did:web:localhost%3A8443:a:b").as_deref(),
            Some("https://localhost:8443/a/b")
        );
        for bad in [
            "did:key:z6Mk",
            "did:web:",
            "did:web:x.org:..",
            "did:web:x.org/a",
            "did:web:x.org::a",
        ] {
            assert_eq!(base_url_of_did(bad), None, "{bad}");
        }
    }

    #[test]
    fn finds_the_site_of_a_did_document() {
        assert_eq!(
            site_of_did_document(Path::new("public/.well-known/did.json")),
            Path::new("public")
        );
        assert_eq!(
            site_of_did_document(Path::new("public/did.json")),
            Path::new("public")
        );
        assert_eq!(site_of_did_document(Path::new("did.json")), Path::new("."));
        assert_eq!(
            site_of_did_document(Path::new(".well-known/did.json")),
            Path::new(".")
        );
    }

    #[test]
    fn counts_statuses_and_gives_the_verdict() {
        let counts = Report {
            verified: vec!["a".into()],
            statuses: vec![
                ("a".into(), CredentialStatus::Valid),
                ("b".into(), CredentialStatus::Unknown("x".into())),
                ("c".into(), CredentialStatus::Suspended),
            ],
            ..Report::default()
        };
        assert_eq!(
            counts.counts(),
            StatusCounts {
                valid: 1,
                suspended: 1,
                unknown: 1,
                ..StatusCounts::default()
            }
        );
        assert!(!counts.passes(false), "unknown fails");
        let suspended = Report {
            verified: vec!["c".into()],
            statuses: vec![("c".into(), CredentialStatus::Suspended)],
            ..Report::default()
        };
        assert!(suspended.passes(false));
        assert!(!suspended.passes(true), "--strict fails a suspension");
    }
}
