//! The build manifest beside the output folder (`.public.manifest`): what the last
//! build wrote, file by file (content hash, size, modification time), and the input
//! key of each credential. It lets the next build keep unchanged files and skip
//! unchanged credentials. It is a cache: anything odd about it (corrupt, another
//! credsite, another format) discards it with a note, and the build is a full one.
//!
//! Format, one entry a line, so that 300,000 files read and write quickly:
//!
//! ```text
//! credsite-manifest <FORMAT> <credsite fingerprint>
//! global <hex>
//! f <sha256 hex> <size> <mtime ns> <site path>
//! c <input key hex> <credential id>
//! p <input key hex> <digest> <feed page path>
//! k <input key hex> <site path>
//! ```
//!
//! A `p` line is a feed page: the key of the inputs it was made and signed from, and
//! the digest the next page's chain link holds (see [`crate::vc::feed::Kept`]). A `k`
//! line is another page kept by the key of its inputs (a listing page, a search shard,
//! a part of the signed manifest).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{BufWriter, ErrorKind, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::lines::write_lines;

/// The manifest format; a manifest of another format is discarded.
const FORMAT: u32 = 4;

/// One file of the output, as the build that wrote it left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// SHA-256 of its bytes.
    pub hash: [u8; 32],
    /// Its size.
    pub size: u64,
    /// Its modification time, in nanoseconds since the epoch.
    pub mtime: i128,
}

impl FileEntry {
    /// The file as the signed manifest lists it.
    pub fn for_manifest(&self) -> crate::output::manifest::FileEntry {
        crate::output::manifest::FileEntry {
            sha256: self.hash,
            size: self.size,
        }
    }
}

/// What the last build wrote.
#[derive(Debug, Default)]
pub struct Manifest {
    /// The credsite build and global inputs the credentials' keys were made with.
    pub global: String,
    /// Output files by site path.
    pub files: FxHashMap<String, FileEntry>,
    /// Credential id → its input key.
    pub credentials: FxHashMap<String, [u8; 32]>,
    /// Feed page path → the key of its inputs and its digest.
    pub feed: FxHashMap<String, (String, String)>,
    /// Other keyed page path → the key of its inputs.
    pub keyed: FxHashMap<String, [u8; 32]>,
}

/// The manifest file of the output folder `out`: `.<name>.manifest` beside it.
pub fn path(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    parent.join(format!(".{name}.manifest"))
}

/// Reads the manifest at `path`. `Ok(None)` when there is none; an error (for the
/// note) when it is unusable.
pub fn read(path: &Path, fingerprint: &str) -> Result<Option<Manifest>> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let expected = format!("credsite-manifest {FORMAT} {fingerprint}");
    if !header.starts_with("credsite-manifest ") {
        bail!("it is not a credsite manifest");
    }
    if header != expected {
        bail!("it was made by another credsite version or manifest format");
    }
    // Parsed in parallel (300,000 lines at 100,000 credentials), then gathered.
    let lines: Vec<&str> = lines.collect();
    let Some(end) = lines.iter().position(|line| *line == "end") else {
        bail!("it is incomplete (no `end` line)");
    };
    let parsed: Vec<Line> = lines[..end]
        .par_iter()
        .enumerate()
        .map(|(n, line)| parse_line(line).with_context(|| format!("line {} is malformed", n + 2)))
        .collect::<Result<_>>()?;
    let mut manifest = Manifest::default();
    let files = parsed
        .iter()
        .filter(|l| matches!(l, Line::File(..)))
        .count();
    manifest.files.reserve(files);
    manifest.credentials.reserve(parsed.len() - files);
    for line in parsed {
        match line {
            Line::Global(global) => manifest.global = global,
            Line::File(path, entry) => {
                manifest.files.insert(path, entry);
            }
            Line::Credential(id, key) => {
                manifest.credentials.insert(id, key);
            }
            Line::Feed(path, entry) => {
                manifest.feed.insert(path, entry);
            }
            Line::Keyed(path, key) => {
                manifest.keyed.insert(path, key);
            }
        }
    }
    Ok(Some(manifest))
}

/// One line of a manifest.
enum Line {
    Global(String),
    File(String, FileEntry),
    Credential(String, [u8; 32]),
    Feed(String, (String, String)),
    Keyed(String, [u8; 32]),
}

fn parse_line(line: &str) -> Option<Line> {
    let (kind, rest) = line.split_once(' ')?;
    let hash = |hex_digits: &str| -> Option<[u8; 32]> {
        let mut hash = [0; 32];
        hex::decode_to_slice(hex_digits, &mut hash).ok()?;
        Some(hash)
    };
    Some(match kind {
        "global" => Line::Global(rest.to_string()),
        "f" => {
            let mut parts = rest.splitn(4, ' ');
            let hash = hash(parts.next()?)?;
            let size = parts.next()?.parse().ok()?;
            let mtime = parts.next()?.parse().ok()?;
            let path = parts.next()?.to_string();
            Line::File(path, FileEntry { hash, size, mtime })
        }
        "c" => {
            let (key, id) = rest.split_once(' ')?;
            Line::Credential(id.to_string(), hash(key)?)
        }
        "p" => {
            let mut parts = rest.splitn(3, ' ');
            let (key, digest, path) = (parts.next()?, parts.next()?, parts.next()?);
            Line::Feed(path.to_string(), (key.to_string(), digest.to_string()))
        }
        "k" => {
            let (key, path) = rest.split_once(' ')?;
            Line::Keyed(path.to_string(), hash(key)?)
        }
        _ => return None,
    })
}

/// What a build records for the next one, as it was collected: lists, not maps (a
/// hash map of two million files at half load is 400 MB).
#[derive(Debug, Default)]
pub struct Record {
    /// The credsite build and global inputs the credentials' keys were made with.
    pub global: String,
    /// Output files and their entries.
    pub files: Vec<(String, FileEntry)>,
    /// Credential id and its input key.
    pub credentials: Vec<(String, [u8; 32])>,
    /// Feed page path → the key of its inputs and its digest.
    pub feed: HashMap<String, (String, String)>,
    /// Other keyed pages and the keys of their inputs.
    pub keyed: Vec<(String, [u8; 32])>,
}

/// Writes `manifest` to `path` through a temporary file and a rename.
pub fn write(path: &Path, fingerprint: &str, manifest: &Record) -> Result<()> {
    let temp = prepare(path, fingerprint, manifest)?;
    install(&temp, path)
}

/// Moves a manifest [`prepare`]d for `path` into place.
pub fn install(temp: &Path, path: &Path) -> Result<()> {
    fs::rename(temp, path).with_context(|| format!("cannot move {} into place", temp.display()))
}

/// The temporary file beside `path` that [`prepare`] writes.
pub fn temp_path(path: &Path) -> PathBuf {
    path.with_extension("manifest-new")
}

/// Writes `manifest` into a temporary file beside `path` ([`temp_path`]), and returns
/// that file's path, for [`install`].
pub fn prepare(path: &Path, fingerprint: &str, manifest: &Record) -> Result<PathBuf> {
    let temp = temp_path(path);
    let file =
        fs::File::create(&temp).with_context(|| format!("cannot create {}", temp.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    // Not sorted: the order of the lines does not matter to `read` (two sorts of
    // 300,000 paths were a tenth of an incremental build).
    let (files, credentials) = (&manifest.files, &manifest.credentials);
    let written = (|| -> Result<()> {
        writeln!(out, "credsite-manifest {FORMAT} {fingerprint}")?;
        writeln!(out, "global {}", manifest.global)?;
        write_lines(&mut out, files, |text, _, (path, e)| {
            writeln!(text, "f {} {} {} {path}", hex(&e.hash), e.size, e.mtime)?;
            Ok(())
        })?;
        write_lines(&mut out, credentials, |text, _, (id, key)| {
            writeln!(text, "c {} {id}", hex(key))?;
            Ok(())
        })?;
        let mut feed: Vec<_> = manifest.feed.iter().collect();
        feed.sort();
        for (path, (key, digest)) in feed {
            writeln!(out, "p {key} {digest} {path}")?;
        }
        for (path, key) in &manifest.keyed {
            writeln!(out, "k {} {path}", hex(key))?;
        }
        writeln!(out, "end")?;
        Ok(out.flush()?)
    })();
    written.with_context(|| format!("cannot write {}", temp.display()))?;
    Ok(temp)
}

/// Lowercase hex of a hash, without an allocation of its own.
fn hex(hash: &[u8; 32]) -> impl std::fmt::Display + '_ {
    struct Hex<'a>(&'a [u8; 32]);
    impl std::fmt::Display for Hex<'_> {
        fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            let mut digits = [0; 64];
            hex::encode_to_slice(self.0, &mut digits).expect("64 digits for 32 bytes");
            f.write_str(std::str::from_utf8(&digits).expect("hex is ASCII"))
        }
    }
    Hex(hash)
}

/// Removes the manifest, so that an interrupted build leaves none (and the next
/// build is a full one) rather than a stale one.
pub fn remove(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot remove {}", path.display()))
        }
        _ => Ok(()),
    }
}

/// A file's modification time in nanoseconds since the epoch.
pub fn mtime(meta: &fs::Metadata) -> i128 {
    match meta.modified() {
        Ok(t) => match t.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => d.as_nanos() as i128,
            Err(e) => -(e.duration().as_nanos() as i128),
        },
        Err(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_odd_manifests() {
        let dir = tempfile::tempdir().unwrap();
        let at = dir.path().join(".public.manifest");
        assert!(read(&at, "v1").unwrap().is_none());
        let mut m = Manifest {
            global: "abc".into(),
            ..Manifest::default()
        };
        m.files.insert(
            "credentials/a b/index.html".into(),
            FileEntry {
                hash: [7; 32],
                size: 12,
                mtime: 1_700_000_000_123_456_789,
            },
        );
        m.credentials.insert("a".into(), [9; 32]);
        m.feed
            .insert("feed/1.json".into(), ("k2".into(), "sha256:ab".into()));
        m.keyed
            .insert("programs/cdpp/page/2/index.html".into(), [3; 32]);
        let record = Record {
            global: m.global.clone(),
            files: m.files.clone().into_iter().collect(),
            credentials: m.credentials.clone().into_iter().collect(),
            feed: m.feed.clone().into_iter().collect(),
            keyed: m.keyed.clone().into_iter().collect(),
        };
        write(&at, "v1", &record).unwrap();
        let back = read(&at, "v1").unwrap().unwrap();
        assert_eq!(back.files, m.files);
        assert_eq!(back.credentials, m.credentials);
        assert_eq!(back.feed, m.feed);
        assert_eq!(back.keyed, m.keyed);
        assert_eq!(back.global, "abc");

        let err = read(&at, "v2").unwrap_err().to_string();
        assert!(err.contains("another credsite version"), "{err}");
        let text = fs::read_to_string(&at).unwrap();
        fs::write(&at, &text[..text.len() - 4]).unwrap();
        assert!(
            read(&at, "v1")
                .unwrap_err()
                .to_string()
                .contains("incomplete")
        );
        fs::write(&at, "garbage").unwrap();
        assert!(read(&at, "v1").is_err());
        fs::write(&at, text.replace("f 0707", "f zz07")).unwrap();
        assert!(
            read(&at, "v1")
                .unwrap_err()
                .to_string()
                .contains("malformed")
        );
        remove(&at).unwrap();
        remove(&at).unwrap();
    }
}
