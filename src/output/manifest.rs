//! `manifest.json`: every published file with its SHA-256, signed by the issuer.
//!
//! It is made as the pages are written (each is hashed on its way to the sink), so it
//! costs no second pass. A deployed copy can be checked against it
//! (`credsite verify SITE`: every file present and unchanged, nothing extra), and two
//! manifests give what a deploy must upload and delete (`credsite diff`).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::urls;

/// The manifest's `type`.
pub const TYPE: &str = "CredsiteManifest";

/// What was written: each file's site path, SHA-256 and size.
#[derive(Debug, Default, Clone)]
pub struct Written {
    /// By site path.
    pub files: BTreeMap<String, FileEntry>,
}

/// One written file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileEntry {
    /// Its SHA-256.
    pub sha256: [u8; 32],
    /// Its size in bytes.
    pub size: u64,
}

impl FileEntry {
    /// The entry of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        FileEntry {
            sha256: Sha256::digest(bytes).into(),
            size: bytes.len() as u64,
        }
    }
}

/// The unsigned manifest of `written`, for the site at `base_url`.
pub fn unsigned(base_url: &str, written: &Written) -> Value {
    let files: Map<String, Value> = written
        .files
        .iter()
        .map(|(path, entry)| (path.clone(), hex::encode(entry.sha256).into()))
        .collect();
    json!({
        "type": TYPE,
        "site": base_url,
        "algorithm": "sha-256",
        "files": files,
    })
}

/// The files a manifest lists, by site path, as hex SHA-256.
pub fn files_of(manifest: &Value) -> Result<BTreeMap<String, String>> {
    if manifest.get("type").and_then(Value::as_str) != Some(TYPE) {
        bail!("not a credsite manifest (type {TYPE} expected)");
    }
    let Some(files) = manifest.get("files").and_then(Value::as_object) else {
        bail!("the manifest has no `files` object");
    };
    files
        .iter()
        .map(|(path, hash)| {
            let hash = hash
                .as_str()
                .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
                .with_context(|| format!("the manifest's hash of {path} is not SHA-256 hex"))?;
            crate::output::check_path(path)?;
            Ok((path.clone(), hash.to_string()))
        })
        .collect()
}

/// How a deployed copy differs from its manifest.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Mismatch {
    /// Listed, but absent.
    pub missing: Vec<String>,
    /// Present, with other content.
    pub changed: Vec<String>,
    /// Present, but not listed.
    pub extra: Vec<String>,
}

impl Mismatch {
    /// True if the copy matches exactly.
    pub fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.changed.is_empty() && self.extra.is_empty()
    }
}

/// Compares the site folder `site` with the files a manifest lists.
pub fn compare(site: &Path, files: &BTreeMap<String, String>) -> Result<Mismatch> {
    let mut mismatch = Mismatch::default();
    let present: Vec<String> = crate::walk::files(site, crate::walk::Hidden::Include)?
        .iter()
        .map(|p| crate::walk::site_path(site, p))
        .collect();
    for path in &present {
        if path == urls::MANIFEST {
            continue;
        }
        match files.get(path) {
            None => mismatch.extra.push(path.clone()),
            Some(hash) => {
                let bytes = std::fs::read(site.join(path))
                    .with_context(|| format!("cannot read {}", site.join(path).display()))?;
                if hex::encode(Sha256::digest(&bytes)) != *hash {
                    mismatch.changed.push(path.clone());
                }
            }
        }
    }
    let present: std::collections::HashSet<&String> = present.iter().collect();
    mismatch.missing = files
        .keys()
        .filter(|p| !present.contains(p))
        .cloned()
        .collect();
    Ok(mismatch)
}

/// What a deploy from `old` to `new` must do.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// New or changed files.
    pub upload: Vec<String>,
    /// Files no longer published.
    pub delete: Vec<String>,
}

/// The files to upload and delete to turn a deployment of `old` into one of `new`.
/// The manifest itself always changes, so it is uploaded last.
pub fn diff(old: &BTreeMap<String, String>, new: &BTreeMap<String, String>) -> Changes {
    let mut changes = Changes {
        upload: new
            .iter()
            .filter(|(path, hash)| old.get(*path) != Some(hash))
            .map(|(path, _)| path.clone())
            .collect(),
        delete: old
            .keys()
            .filter(|path| !new.contains_key(*path))
            .cloned()
            .collect(),
    };
    changes.upload.push(urls::MANIFEST.to_string());
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(p, h)| (p.to_string(), h.repeat(64)))
            .collect()
    }

    #[test]
    fn a_diff_uploads_what_changed_and_deletes_what_went() {
        let old = files(&[("a.html", "1"), ("b.html", "2"), ("c.html", "3")]);
        let new = files(&[("a.html", "1"), ("b.html", "9"), ("d.html", "4")]);
        let changes = diff(&old, &new);
        assert_eq!(changes.upload, ["b.html", "d.html", "manifest.json"]);
        assert_eq!(changes.delete, ["c.html"]);
    }

    #[test]
    fn a_manifest_round_trips_and_refuses_bad_paths() {
        let mut written = Written::default();
        written
            .files
            .insert("index.html".into(), FileEntry::of(b"<html>"));
        let doc = unsigned("https://x.org/", &written);
        let back = files_of(&doc).unwrap();
        assert_eq!(back["index.html"], hex::encode(Sha256::digest(b"<html>")));
        let mut evil = doc.clone();
        evil["files"]["../etc/passwd"] = "0".repeat(64).into();
        assert!(files_of(&evil).is_err());
    }
}
