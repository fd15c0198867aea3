//! `manifest.json`: every published file with its SHA-256, signed by the issuer.
//!
//! It is made as the pages are written (each is hashed on its way to the sink), so it
//! costs no second pass. A deployed copy can be checked against it
//! (`credsite verify SITE`: every file present and unchanged, nothing extra), and two
//! manifests give what a deploy must upload and delete (`credsite diff`).
//!
//! A site with more than [`PART_THRESHOLD`] files in credential folders lists those
//! in parts, `manifest/<shard>.json`, one per shard of `c/<shard>/` (about 7,800 files
//! and 850 KB each at a million credentials, under every host's file size limit),
//! and `manifest.json` gives each part's SHA-256 under `parts`: the signature covers
//! them through it. Parts are made and written one at a time.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use rayon::iter::Either;
use rayon::prelude::*;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::render::Page;
use crate::urls;
use crate::vc::feed::Kept;

/// The manifest's `type`.
pub const TYPE: &str = "CredsiteManifest";

/// What was written: each file's site path, SHA-256 and size.
#[derive(Debug, Default, Clone)]
pub struct Written {
    /// Each file once, in the order written until [`Written::sort`] sorts them by
    /// site path (a list, not a map: two million files in a map cost twice as much).
    pub files: Vec<(String, FileEntry)>,
}

impl Written {
    /// Sorts the files by site path, as [`unsigned`] needs them, and refuses a path
    /// written twice (which a sink that keeps unchanged files in place cannot see).
    pub fn sort(&mut self) -> Result<()> {
        self.files.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
        if let Some(pair) = self.files.windows(2).find(|pair| pair[0].0 == pair[1].0) {
            bail!(
                "{} is written twice: a file under static/ has the path of a page credsite makes: rename or remove it",
                pair[0].0
            );
        }
        Ok(())
    }
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

/// The `type` of a manifest part.
pub const PART_TYPE: &str = "CredsiteManifestPart";

/// Above this many files in credential folders, the manifest lists them in parts.
pub const PART_THRESHOLD: usize = 20_000;

/// The unsigned manifest of `written` (sorted, [`Written::sort`]), for the site at
/// `base_url`. With more than `threshold` files in credential folders, their parts
/// are made in parallel and handed to `put`, and listed with their hashes; the parts'
/// own entries are returned beside the manifest. An incremental build (`kept`) keeps
/// a part that lists the same files with the same hashes as the previous build's.
pub fn unsigned(
    base_url: &str,
    written: &Written,
    threshold: usize,
    kept: Option<&dyn Kept>,
    put: impl Fn(Page) -> Result<()> + Sync,
) -> Result<(Value, Vec<(String, FileEntry)>)> {
    // In parallel, in order (300,000 files at 100,000 credentials).
    let (in_shards, elsewhere): (Vec<_>, Vec<_>) =
        written
            .files
            .par_iter()
            .partition_map(|file| match urls::shard_of_file(&file.0) {
                Some(shard) => Either::Left((shard, file)),
                None => Either::Right(file),
            });
    let split = in_shards.len() > threshold;
    let listed: Vec<&(String, FileEntry)> = if split {
        elsewhere
    } else {
        written.files.iter().collect()
    };
    let files: Map<String, Value> = listed
        .into_iter()
        .map(|(path, entry)| (path.clone(), hex::encode(entry.sha256).into()))
        .collect();
    let mut manifest = json!({
        "type": TYPE,
        "site": base_url,
        "algorithm": "sha-256",
    });
    // Moved in, not copied as `json!` copies a variable.
    manifest["files"] = Value::Object(files);
    if !split {
        return Ok((manifest, Vec::new()));
    }
    // Site paths are sorted, so a shard's files come together.
    let shards: Vec<&[(&str, &(String, FileEntry))]> =
        in_shards.chunk_by(|a, b| a.0 == b.0).collect();
    let parts: Vec<(String, FileEntry)> = shards
        .into_par_iter()
        .map(|shard| -> Result<(String, FileEntry)> {
            let path = urls::manifest_part(shard[0].0);
            let key: [u8; 32] = shard
                .iter()
                .fold(
                    Sha256::new().chain_update(format!("credsite manifest part\n{path}\n")),
                    |hasher, (_, (file, entry))| {
                        hasher
                            .chain_update(file.as_bytes())
                            .chain_update(b"\n")
                            .chain_update(entry.sha256)
                            .chain_update(entry.size.to_le_bytes())
                    },
                )
                .finalize()
                .into();
            if let Some(entry) = kept.and_then(|kept| kept.keep_page(&path, &key)) {
                return Ok((path, entry));
            }
            let bytes = crate::render::pretty(&Part {
                kind: PART_TYPE,
                files: Files(shard),
            })?;
            let entry = FileEntry::of(&bytes);
            put(Page::new(path.clone(), bytes))?;
            if let Some(kept) = kept {
                kept.made_page(&path, &key);
            }
            Ok((path, entry))
        })
        .collect::<Result<_>>()?;
    manifest["parts"] = parts
        .iter()
        .map(|(path, entry)| (path.clone(), Value::from(hex::encode(entry.sha256))))
        .collect::<Map<String, Value>>()
        .into();
    Ok((manifest, parts))
}

/// A manifest part as it is published: `type`, then `files` (site path → hex SHA-256),
/// written straight from the list of written files.
#[derive(serde::Serialize)]
struct Part<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    files: Files<'a>,
}

/// The files of a part, in their (sorted) order.
struct Files<'a>(&'a [(&'a str, &'a (String, FileEntry))]);

impl serde::Serialize for Files<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(
            self.0
                .iter()
                .map(|(_, (file, entry))| (file, hex::encode(entry.sha256))),
        )
    }
}

/// The files a manifest lists, by site path, as hex SHA-256, with those of its parts
/// (and the parts themselves), which `read_part` reads by site path; each part must
/// have the hash the manifest gives.
pub fn files_of(
    manifest: &Value,
    read_part: impl Fn(&str) -> Result<Vec<u8>>,
) -> Result<BTreeMap<String, String>> {
    if manifest.get("type").and_then(Value::as_str) != Some(TYPE) {
        bail!("not a credsite manifest (type {TYPE} expected)");
    }
    let Some(files) = manifest.get("files").and_then(Value::as_object) else {
        bail!("the manifest has no `files` object");
    };
    let mut out = hashes(files, "manifest")?;
    if let Some(parts) = manifest.get("parts") {
        let Some(parts) = parts.as_object() else {
            bail!("the manifest's `parts` is not an object");
        };
        for (path, hash) in hashes(parts, "manifest")? {
            if !path.starts_with(urls::MANIFEST_PARTS_DIR) {
                bail!(
                    "the manifest part {path} is not under {}",
                    urls::MANIFEST_PARTS_DIR
                );
            }
            let bytes = read_part(&path).with_context(|| {
                format!("cannot read the manifest part {path}: a large site's manifest lists its credential files in parts, which must be beside manifest.json")
            })?;
            if hex::encode(Sha256::digest(&bytes)) != hash {
                bail!(
                    "the manifest part {path} is not the one the signed manifest lists (its SHA-256 differs)"
                );
            }
            let doc: Value = serde_json::from_slice(&bytes)
                .with_context(|| format!("the manifest part {path} is not valid JSON"))?;
            let part_files = doc
                .get("files")
                .and_then(Value::as_object)
                .filter(|_| doc.get("type").and_then(Value::as_str) == Some(PART_TYPE))
                .with_context(|| {
                    format!("{path} is not a manifest part (type {PART_TYPE} with `files`)")
                })?;
            out.extend(hashes(part_files, &path)?);
            out.insert(path, hash);
        }
    }
    Ok(out)
}

/// The `path: hex SHA-256` pairs of a manifest's (or part's) object.
fn hashes(files: &Map<String, Value>, what: &str) -> Result<BTreeMap<String, String>> {
    files
        .iter()
        .map(|(path, hash)| {
            let hash = hash
                .as_str()
                .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
                .with_context(|| format!("the {what}'s hash of {path} is not SHA-256 hex"))?;
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
            .push(("index.html".into(), FileEntry::of(b"<html>")));
        let (doc, parts) = unsigned("https://x.org/", &written, PART_THRESHOLD, None, |_| {
            panic!("a small site has no parts")
        })
        .unwrap();
        assert!(parts.is_empty());
        let no_parts = |p: &str| -> Result<Vec<u8>> { bail!("no part {p}") };
        let back = files_of(&doc, no_parts).unwrap();
        assert_eq!(back["index.html"], hex::encode(Sha256::digest(b"<html>")));
        let mut evil = doc.clone();
        evil["files"]["../etc/passwd"] = "0".repeat(64).into();
        assert!(files_of(&evil, no_parts).is_err());
    }

    /// The incremental build's side of [`Kept`] for manifest parts: the keys of the
    /// parts made, and the parts of an earlier run, kept when the key is the same.
    #[derive(Default)]
    struct Parts {
        earlier: BTreeMap<String, ([u8; 32], FileEntry)>,
        made: std::sync::Mutex<BTreeMap<String, [u8; 32]>>,
    }

    impl Kept for Parts {
        fn input_keys(&self) -> Option<(&str, &crate::vc::feed::CredentialKeys)> {
            None
        }
        fn kept(&self, _: &str, _: &[u8; 32]) -> Option<String> {
            None
        }
        fn signed(&self, _: &str, _: &[u8; 32], _: &str) {}
        fn keep_page(&self, path: &str, key: &[u8; 32]) -> Option<FileEntry> {
            let (earlier, entry) = self.earlier.get(path)?;
            (earlier == key).then_some(*entry)
        }
        fn made_page(&self, path: &str, key: &[u8; 32]) {
            self.made.lock().unwrap().insert(path.to_string(), *key);
        }
    }

    #[test]
    fn an_incremental_build_keeps_the_manifest_parts_whose_files_did_not_change() {
        let mut written = Written::default();
        for n in 0..40 {
            let dir = urls::credential_dir(&format!("c-{n}"));
            let path = format!("{dir}index.html");
            let entry = FileEntry::of(path.as_bytes());
            written.files.push((path, entry));
        }
        written.sort().unwrap();
        let run = |written: &Written, kept: &Parts| {
            let put = std::sync::Mutex::new(BTreeMap::new());
            let (doc, entries) = unsigned("https://x.org/", written, 4, Some(kept), |page| {
                put.lock().unwrap().insert(page.path, page.bytes);
                Ok(())
            })
            .unwrap();
            (doc, entries, put.into_inner().unwrap())
        };
        let first = Parts::default();
        let (doc, entries, put) = run(&written, &first);
        assert!(put.len() > 2, "several parts: {:?}", put.keys());
        let made = first.made.into_inner().unwrap();
        assert_eq!(made.len(), put.len(), "every part made is keyed");
        let second = Parts {
            earlier: entries
                .iter()
                .map(|(path, entry)| (path.clone(), (made[path], *entry)))
                .collect(),
            ..Parts::default()
        };
        // Nothing changed: every part is kept, and the manifest is the same.
        let (again, kept_entries, put_again) = run(&written, &second);
        assert!(put_again.is_empty(), "{:?}", put_again.keys());
        assert_eq!(again, doc);
        assert_eq!(kept_entries, entries);
        // One file changed: its part only is made again.
        written.files[7].1 = FileEntry::of(b"changed");
        let (changed, _, put_changed) = run(&written, &second);
        let shard = urls::shard_of_file(&written.files[7].0).unwrap();
        assert_eq!(
            put_changed.keys().collect::<Vec<_>>(),
            [&urls::manifest_part(shard)]
        );
        assert_ne!(changed["parts"], doc["parts"]);
    }

    #[test]
    fn a_large_manifest_lists_credential_files_in_parts_covered_by_their_hashes() {
        let mut written = Written::default();
        for slug in ["a1", "b2", "c3", "d4", "e5"] {
            let dir = urls::credential_dir(slug);
            for file in ["index.html", "credential.json"] {
                let path = format!("{dir}{file}");
                let entry = FileEntry::of(path.as_bytes());
                written.files.push((path, entry));
            }
        }
        written
            .files
            .push(("index.html".into(), FileEntry::of(b"home")));
        written.sort().unwrap();
        let parts = std::sync::Mutex::new(BTreeMap::new());
        let (doc, entries) = unsigned("https://x.org/", &written, 4, None, |page| {
            parts.lock().unwrap().insert(page.path, page.bytes);
            Ok(())
        })
        .unwrap();
        let parts: BTreeMap<String, Vec<u8>> = parts.into_inner().unwrap();
        // The parts' own entries, in order, as they were put.
        assert_eq!(
            entries,
            parts
                .iter()
                .map(|(path, bytes)| (path.clone(), FileEntry::of(bytes)))
                .collect::<Vec<_>>()
        );
        let shards: std::collections::BTreeSet<&str> = written
            .files
            .iter()
            .filter_map(|(p, _)| urls::shard_of_file(p))
            .collect();
        assert_eq!(parts.len(), shards.len());
        assert_eq!(doc["parts"].as_object().unwrap().len(), shards.len());
        assert_eq!(doc["files"].as_object().unwrap().len(), 1, "{doc}");
        let read = |p: &str| parts.get(p).cloned().context("absent");
        let back = files_of(&doc, read).unwrap();
        assert_eq!(back.len(), written.files.len() + parts.len());
        for (path, entry) in &written.files {
            assert_eq!(back[path], hex::encode(entry.sha256), "{path}");
        }
        // A part that is not the one the manifest lists is refused, and so is a
        // manifest without its parts.
        let first = parts.keys().next().unwrap().clone();
        let mut tampered = parts.clone();
        tampered.get_mut(&first).unwrap().push(b' ');
        let read = |p: &str| tampered.get(p).cloned().context("absent");
        let err = files_of(&doc, read).unwrap_err().to_string();
        assert!(err.contains("SHA-256 differs"), "{err}");
        let err = format!("{:#}", files_of(&doc, |_| bail!("absent")).unwrap_err());
        assert!(err.contains("beside manifest.json"), "{err}");
        // Below the threshold, one file lists everything.
        let (doc, _) =
            unsigned("https://x.org/", &written, 10, None, |_| bail!("no parts")).unwrap();
        assert!(doc.get("parts").is_none());
        assert_eq!(doc["files"].as_object().unwrap().len(), written.files.len());
    }
}
