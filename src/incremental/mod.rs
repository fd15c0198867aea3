//! Incremental `credsite build` (issue 12): the result is byte for byte that of a
//! clean build, but
//!
//! - a file whose bytes did not change is not written again: it stays where it is in
//!   the output folder, with its modification time, so that rsync or an S3 sync
//!   upload only real changes. The changed files are written into a staging folder
//!   and moved into place only once the whole site is made (see
//!   [`Staging::apply`]), so a failed build leaves the previous site as it was;
//! - a credential whose inputs did not change is neither signed nor rendered again:
//!   its files are taken over from the previous output. Its key hashes everything its
//!   files are made from: the credsite binary, the configuration, programs, URLs,
//!   DID, build date, status list count, the issuer key, the theme's templates and
//!   static files, and the credential itself (record, file and line, dates, status,
//!   events, replacements, salt and status slot) with its entry in the site state;
//! - a feed page made of the same content as the previous build's is not signed
//!   again: the file is taken over, and its digest (which the next page's chain link
//!   holds) comes from the manifest;
//! - files of removed records are removed.
//!
//! What the previous build wrote is in its [`manifest`] beside the output folder. It
//! is only a cache: a missing, corrupt or foreign one means a full build (with a
//! note, into a whole new staging folder swapped into place), and each file taken
//! over is first checked against it (size and modification time), else rendered
//! again. `--clean` ignores it. A file put into the output folder by hand, which no
//! build wrote, is left there by an incremental build (`credsite verify` names it as
//! extra) and removed by a full one.

pub mod manifest;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use anyhow::Result;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::issuer::Issuer;
use crate::output::{Reused, Sink, Staging};
use crate::render::Page;
use crate::site::{Credential, Site};
use crate::state::{CredentialState, State};
use manifest::{FileEntry, Manifest};

/// A sink that writes what changed into a staging folder, keeping what did not.
pub struct Writer {
    staging: Staging,
    out: OutDir,
    manifest_path: PathBuf,
    fingerprint: String,
    previous: Option<Manifest>,
    files: Mutex<Vec<(String, FileEntry)>>,
    /// The files `reuse` took over (for the signed manifest).
    reused_files: Mutex<Vec<(String, crate::output::manifest::FileEntry)>>,
    credentials: OnceLock<Vec<(String, [u8; 32])>>,
    feed: Mutex<HashMap<String, (String, String)>>,
    keyed: Mutex<Vec<(String, [u8; 32])>>,
    /// The previous build's keyed pages by key, for [`Kept::keep_pages`].
    keyed_by_key: OnceLock<HashMap<[u8; 32], Vec<String>>>,
    global: OnceLock<String>,
    unchanged: AtomicU64,
    /// Files written anew at a path the previous build wrote too.
    replaced: AtomicU64,
    reused: AtomicU64,
    /// Notes for the user: a discarded cache.
    pub notes: Vec<String>,
}

/// What an incremental build saved.
#[derive(Debug, Clone, Copy, Default)]
pub struct Savings {
    /// Files kept from the previous output (same bytes; not written).
    pub unchanged: u64,
    /// Credentials neither signed nor rendered (inputs unchanged).
    pub reused: u64,
}

impl Writer {
    /// Takes the build lock and a staging folder for `out`, and reads the previous
    /// build's manifest unless `clean`.
    pub fn create(out: &Path, clean: bool) -> Result<Writer> {
        let staging = Staging::create(out)?;
        let manifest_path = manifest::path(out);
        let fingerprint = fingerprint();
        let mut notes = Vec::new();
        let previous = if clean || !out.is_dir() {
            None
        } else {
            match manifest::read(&manifest_path, &fingerprint) {
                Ok(m) => m,
                Err(e) => {
                    notes.push(format!(
                        "the build cache {} was discarded: {e:#}; this build writes every file",
                        manifest_path.display()
                    ));
                    None
                }
            }
        };
        Ok(Writer {
            staging,
            out: OutDir::open(out),
            manifest_path,
            fingerprint,
            previous,
            files: Mutex::default(),
            reused_files: Mutex::default(),
            credentials: OnceLock::new(),
            feed: Mutex::default(),
            keyed: Mutex::default(),
            keyed_by_key: OnceLock::new(),
            global: OnceLock::new(),
            unchanged: AtomicU64::new(0),
            replaced: AtomicU64::new(0),
            reused: AtomicU64::new(0),
            notes,
        })
    }

    /// Runs `first` (the site state is saved before the swap), then swaps the new site
    /// into place and records its manifest. The next build's manifest is written
    /// beside `first` into a temporary file, and the old one is removed before the
    /// swap: a crash in between leaves no manifest, never a stale one.
    pub fn commit(mut self, first: impl FnOnce() -> Result<()> + Send) -> Result<Savings> {
        let savings = Savings {
            unchanged: self.unchanged.load(Ordering::Relaxed),
            reused: self.reused.load(Ordering::Relaxed),
        };
        let replaced = self.replaced.load(Ordering::Relaxed);
        let manifest = manifest::Record {
            global: self.global.into_inner().unwrap_or_default(),
            files: self.files.into_inner().expect("not poisoned"),
            credentials: self.credentials.into_inner().unwrap_or_default(),
            feed: self.feed.into_inner().expect("not poisoned"),
            keyed: self.keyed.into_inner().expect("not poisoned"),
        };
        // What the previous build wrote and this one did not (removed records' files,
        // say): each file kept or replaced is one of the previous build's, once.
        let removed = || -> Vec<String> {
            let Some(previous) = &self.previous else {
                return Vec::new();
            };
            if savings.unchanged + replaced == previous.files.len() as u64 {
                return Vec::new();
            }
            let new: rustc_hash::FxHashSet<&str> = manifest
                .files
                .iter()
                .map(|(path, _)| path.as_str())
                .collect();
            let mut removed: Vec<String> = previous
                .files
                .keys()
                .filter(|path| !new.contains(path.as_str()))
                .cloned()
                .collect();
            removed.sort_unstable();
            removed
        };
        let ((first, prepared), remove) = rayon::join(
            || {
                rayon::join(first, || {
                    manifest::prepare(&self.manifest_path, &self.fingerprint, &manifest)
                })
            },
            removed,
        );
        let prepared = match first.and(prepared) {
            Ok(prepared) => prepared,
            Err(e) => {
                let _ = fs::remove_file(manifest::temp_path(&self.manifest_path));
                self.staging.abandon();
                return Err(e);
            }
        };
        manifest::remove(&self.manifest_path)?;
        match &self.previous {
            Some(_) => self.staging.apply(&remove)?,
            None => self.staging.commit()?,
        }
        manifest::install(&prepared, &self.manifest_path)?;
        crate::free_later((manifest, self.previous.take()));
        Ok(savings)
    }

    /// Drops the new site after a failed build; the previous one is untouched.
    pub fn abandon(self) {
        self.staging.abandon();
    }

    /// The previous file at `path`, if the manifest has it and the file on disk still
    /// looks as the manifest says (size and modification time).
    fn previous_file(&self, path: &str) -> Option<&FileEntry> {
        let entry = self.previous.as_ref()?.files.get(path)?;
        (self.out.file(path)? == (entry.size, entry.mtime)).then_some(entry)
    }

    /// Takes over the previous file at `path` (checked by the caller), listed in the
    /// signed manifest as [`Sink::reused_files`].
    fn take_over(&self, path: &str, entry: &FileEntry) -> Result<()> {
        self.keep(path, entry)?;
        self.reused_files
            .lock()
            .expect("not poisoned")
            .push((path.to_string(), entry.for_manifest()));
        Ok(())
    }

    /// Takes over the previous file at `path` (checked by the caller): it stays where
    /// it is.
    fn keep(&self, path: &str, entry: &FileEntry) -> Result<()> {
        self.files
            .lock()
            .expect("not poisoned")
            .push((path.to_string(), entry.clone()));
        self.unchanged.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

impl Sink for Writer {
    fn put(&self, page: Page) -> Result<()> {
        let hash: [u8; 32] = Sha256::digest(&page.bytes).into();
        self.put_hashed(page, &hash)
    }

    fn put_hashed(&self, page: Page, hash: &[u8; 32]) -> Result<()> {
        let hash = *hash;
        if let Some(entry) = self.previous_file(&page.path)
            && entry.hash == hash
        {
            return self.keep(&page.path, &entry.clone());
        }
        if self
            .previous
            .as_ref()
            .is_some_and(|previous| previous.files.contains_key(&page.path))
        {
            self.replaced.fetch_add(1, Ordering::Relaxed);
        }
        let size = page.bytes.len() as u64;
        let path = page.path.clone();
        let meta = self.staging.put_file(page)?;
        self.files.lock().expect("not poisoned").push((
            path,
            FileEntry {
                hash,
                size,
                mtime: manifest::mtime(&meta),
            },
        ));
        Ok(())
    }

    fn count(&self) -> u64 {
        self.staging.count() + self.unchanged.load(Ordering::Relaxed)
    }

    fn kept(&self) -> Option<&dyn crate::vc::feed::Kept> {
        Some(self)
    }

    fn reused_files(&self) -> Vec<(String, crate::output::manifest::FileEntry)> {
        std::mem::take(&mut *self.reused_files.lock().expect("not poisoned"))
    }

    fn reuse(&self, site: &Site, state: &State, issuer: &Issuer) -> Result<Reused> {
        let global = global_key(site, issuer)?;
        let prefix = KeyPrefix::of(&global);
        let keys: Vec<(String, [u8; 32])> = site
            .credentials
            .par_iter()
            .map(|c| (c.id().to_string(), credential_key(&prefix, c, state)))
            .collect();
        let mut reused = Reused::default();
        if let Some(previous) = &self.previous {
            // Each credential (in the site's order, as `keys`) whose inputs and files
            // are as the previous build left them, with its files' entries: checked
            // in parallel, then taken over together, one lock for all.
            let taken: Vec<Option<Vec<(String, FileEntry)>>> = site
                .credentials
                .par_iter()
                .zip(&keys)
                .map(|(credential, (id, key))| {
                    if previous.credentials.get(id) != Some(key) {
                        return None;
                    }
                    crate::render::credential_files(credential)
                        .into_iter()
                        .map(|file| {
                            let entry = self.previous_file(&file)?.clone();
                            Some((file, entry))
                        })
                        .collect::<Option<Vec<_>>>()
                })
                .collect();
            let flags: Vec<bool> = taken.iter().map(Option::is_some).collect();
            let taken: Vec<(String, FileEntry)> =
                taken.into_par_iter().flatten().flatten().collect();
            // The same files as the signed manifest lists them.
            let listed: Vec<_> = taken
                .par_iter()
                .map(|(file, entry)| (file.clone(), entry.for_manifest()))
                .collect();
            self.unchanged
                .fetch_add(taken.len() as u64, Ordering::Relaxed);
            // Room for the files the render adds, as many as the previous build wrote
            // besides: else the first page kept or written copies 200,000 entries
            // into a list twice the size, on the thread that makes the feed.
            let more = previous.files.len().saturating_sub(taken.len());
            let mut files = self.files.lock().expect("not poisoned");
            files.reserve(taken.len() + more);
            files.extend(taken);
            let mut reused_files = self.reused_files.lock().expect("not poisoned");
            reused_files.reserve(listed.len() + more);
            reused_files.extend(listed);
            reused = Reused::new(flags);
        }
        self.reused.store(reused.count() as u64, Ordering::Relaxed);
        // Set once: `reuse` runs once per build.
        let _ = self.credentials.set(keys);
        let _ = self.global.set(global);
        Ok(reused)
    }
}

impl crate::vc::feed::Kept for Writer {
    fn input_keys(&self) -> Option<(&str, &crate::vc::feed::CredentialKeys)> {
        Some((self.global.get()?, self.credentials.get()?))
    }

    fn kept(&self, path: &str, key: &[u8; 32]) -> Option<String> {
        let (previous_key, digest) = self.previous.as_ref()?.feed.get(path)?;
        if *previous_key != hex::encode(key) {
            return None;
        }
        let entry = self.previous_file(path)?.clone();
        // A page that cannot be taken over is signed again.
        self.take_over(path, &entry).ok()?;
        self.signed(path, key, digest);
        Some(digest.clone())
    }

    fn signed(&self, path: &str, key: &[u8; 32], digest: &str) {
        self.feed
            .lock()
            .expect("not poisoned")
            .insert(path.to_string(), (hex::encode(key), digest.to_string()));
    }

    fn keep_page(&self, path: &str, key: &[u8; 32]) -> Option<crate::output::manifest::FileEntry> {
        if self.previous.as_ref()?.keyed.get(path) != Some(key) {
            return None;
        }
        let entry = self.previous_file(path)?.clone();
        self.take_over(path, &entry).ok()?;
        self.made_page(path, key);
        Some(crate::output::manifest::FileEntry {
            sha256: entry.hash,
            size: entry.size,
        })
    }

    fn made_page(&self, path: &str, key: &[u8; 32]) {
        self.keyed
            .lock()
            .expect("not poisoned")
            .push((path.to_string(), *key));
    }

    fn keep_pages(&self, key: &[u8; 32]) -> bool {
        let Some(previous) = &self.previous else {
            return false;
        };
        let by_key = self.keyed_by_key.get_or_init(|| {
            let mut by_key: HashMap<[u8; 32], Vec<String>> = HashMap::new();
            for (path, key) in &previous.keyed {
                by_key.entry(*key).or_default().push(path.clone());
            }
            by_key
        });
        let Some(paths) = by_key.get(key) else {
            return false;
        };
        // All of them or none: a group made again must not find some of its pages
        // already taken over.
        let Some(entries) = paths
            .iter()
            .map(|path| self.previous_file(path).cloned())
            .collect::<Option<Vec<_>>>()
        else {
            return false;
        };
        for (path, entry) in paths.iter().zip(&entries) {
            if self.take_over(path, entry).is_err() {
                return false;
            }
            self.made_page(path, key);
        }
        true
    }
}

/// The output folder, where the files an incremental build takes over are looked at:
/// on Unix through a handle of the folder, so that each look walks only the path
/// inside it (200,000 looks at 100,000 credentials).
struct OutDir {
    path: PathBuf,
    #[cfg(unix)]
    handle: Option<rustix::fd::OwnedFd>,
}

impl OutDir {
    fn open(path: &Path) -> Self {
        OutDir {
            path: path.to_path_buf(),
            #[cfg(unix)]
            handle: {
                use rustix::fs::{Mode, OFlags};
                rustix::fs::open(path, OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty()).ok()
            },
        }
    }

    /// The size and modification time (as [`manifest::mtime`] gives it) of the
    /// regular file at site path `path`; `None` if there is none.
    fn file(&self, path: &str) -> Option<(u64, i128)> {
        #[cfg(unix)]
        if let Some(handle) = &self.handle {
            let stat =
                rustix::fs::statat(handle, path, rustix::fs::AtFlags::SYMLINK_NOFOLLOW).ok()?;
            let regular = rustix::fs::FileType::from_raw_mode(stat.st_mode)
                == rustix::fs::FileType::RegularFile;
            let mtime = i128::from(stat.st_mtime) * 1_000_000_000 + stat.st_mtime_nsec as i128;
            return regular.then_some((stat.st_size as u64, mtime));
        }
        let meta = fs::symlink_metadata(self.path.join(path)).ok()?;
        meta.is_file().then(|| (meta.len(), manifest::mtime(&meta)))
    }
}

/// The running credsite: its version, and the size and time of its executable, so
/// that a rebuilt credsite (new templates, new rendering) never trusts an old cache.
fn fingerprint() -> String {
    static FINGERPRINT: OnceLock<String> = OnceLock::new();
    FINGERPRINT
        .get_or_init(|| {
            let exe = std::env::current_exe()
                .and_then(fs::metadata)
                .map(|m| format!("{}-{}", m.len(), manifest::mtime(&m)))
                .unwrap_or_else(|_| "unknown".into());
            format!("{}-{exe}", env!("CARGO_PKG_VERSION"))
        })
        .clone()
}

/// Everything site-wide that a credential's files are made from.
pub fn global_key(site: &Site, issuer: &Issuer) -> Result<String> {
    let mut text = String::new();
    write!(
        text,
        "{}\n{:?}\n{:?}\n{:?}\n{:?}\n{}\n{}\n{}\n{}\n",
        fingerprint(),
        site.config,
        site.programs,
        site.urls,
        site.did,
        site.issuer_url,
        site.as_of,
        site.status_lists,
        hex::encode(issuer.key.verifying_key().to_bytes()),
    )?;
    let mut hasher = Sha256::new();
    hasher.update(text.as_bytes());
    for (path, bytes) in &site.theme.static_files {
        hasher.update(format!("static {path} {}\n", bytes.len()));
        hasher.update(bytes);
    }
    // The template sources the theme was compiled from (as loaded, so that a file
    // changed since cannot slip in).
    hasher.update(site.theme.templates_digest);
    Ok(hex::encode(hasher.finalize()))
}

/// The key of one credential's files: SHA-256 of everything in it (its `Hash`, as
/// bytes; formatting it as text cost 4 µs a credential, a third of a second at
/// 100,000) and of its entry in the site state, after the site-wide key: `global` is
/// [`KeyPrefix::of`] that key.
pub fn credential_key(global: &KeyPrefix, credential: &Credential, state: &State) -> [u8; 32] {
    let mut bytes = HashBytes(Vec::with_capacity(512));
    credential.hash(&mut bytes);
    // The state entry as an input: without the digest, which signing records. Named
    // field by field, so that a field added to the state cannot be left out.
    match state.credentials.get(credential.id()) {
        Some(CredentialState {
            digest: _,
            key,
            moved_from,
            path,
            salt,
            status_index,
            status_list,
        }) => (1u8, key, moved_from, path, salt, status_index, status_list).hash(&mut bytes),
        None => 0u8.hash(&mut bytes),
    }
    global.0.clone().chain_update(&bytes.0).finalize().into()
}

/// SHA-256 fed with the site-wide key once, which each credential's key continues.
#[derive(Clone)]
pub struct KeyPrefix(Sha256);

impl KeyPrefix {
    /// The prefix of the credentials' keys under the site-wide key `global`.
    pub fn of(global: &str) -> Self {
        let mut bytes = HashBytes(Vec::new());
        global.hash(&mut bytes);
        KeyPrefix(Sha256::new().chain_update(&bytes.0))
    }
}

/// A [`Hasher`] that keeps the bytes it is given: derived `Hash` implementations write
/// every field (lengths and variants included), so that SHA-256 of the bytes keys what
/// they hash. Only within one credsite binary: the cache is keyed by it too
/// ([`fingerprint`]).
struct HashBytes(Vec<u8>);

impl Hasher for HashBytes {
    fn write(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }

    fn finish(&self) -> u64 {
        // Never asked for: the key is the SHA-256 digest.
        0
    }
}
