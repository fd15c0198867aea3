//! Helpers shared by the integration tests: fixture sites in temporary folders.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use chrono::NaiveDate;
use credsite::BuildOptions;
use tempfile::TempDir;

/// The repository root, which is also the example site.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The date pages are built for in tests.
pub fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

/// A copy of the example site (config, content, static files; no keys) in a temp folder.
pub fn example_site() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_example_site(dir.path());
    dir
}

/// Copies the example site's config, content and static files (no keys) into `to`.
pub fn copy_example_site(to: &Path) {
    fs::copy(repo().join("credsite.toml"), to.join("credsite.toml")).unwrap();
    copy_dir(&repo().join("content"), &to.join("content"));
    copy_dir(&repo().join("static"), &to.join("static"));
}

/// The example site built once per test binary, as [`example_site`] then [`build`]:
/// its first build, so it made the key pair in `keys/`. Shared by every test of the
/// binary that asks for it, so only for tests that never change it; a test that
/// changes anything takes a [`built_site_copy`].
pub fn built_site() -> &'static Path {
    shared_build().dir.path()
}

/// What the build of [`built_site`] reported.
pub fn built_report() -> &'static credsite::Report {
    &shared_build().report
}

/// A private copy of [`built_site`] (config, content, keys, state and `public/`) in a
/// temp folder, for a test that changes the built site. Saves the test a build.
pub fn built_site_copy() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(built_site(), dir.path());
    dir
}

struct Built {
    dir: TempDir,
    report: credsite::Report,
}

fn shared_build() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = shared_temp_dir();
        copy_example_site(dir.path());
        let report = build(dir.path());
        Built { dir, report }
    })
}

const SHARED_PREFIX: &str = "credsite-shared-";

/// An empty folder for a site that a test binary shares between its tests and keeps in
/// a `static`, which is never dropped: so it is made under cargo's `target/tmp/`, not
/// the system temp folder, and such folders left by earlier runs (over an hour old)
/// are removed first.
pub fn shared_temp_dir() -> TempDir {
    let parent = Path::new(env!("CARGO_TARGET_TMPDIR"));
    fs::create_dir_all(parent).unwrap();
    let stale = SystemTime::now() - Duration::from_secs(3600);
    for entry in fs::read_dir(parent).unwrap().flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t < stale);
        if old
            && entry
                .file_name()
                .to_string_lossy()
                .starts_with(SHARED_PREFIX)
        {
            // Best effort: another test run may be removing it too.
            let _ = fs::remove_dir_all(entry.path());
        }
    }
    tempfile::Builder::new()
        .prefix(SHARED_PREFIX)
        .tempdir_in(parent)
        .unwrap()
}

/// Build options for a site, status as of [`as_of`].
pub fn options(root: &Path) -> BuildOptions {
    BuildOptions::new(root, as_of())
}
/// Builds the site at `root` into `root/public`.
pub fn build(root: &Path) -> credsite::Report {
    credsite::build(&options(root)).unwrap_or_else(|e| panic!("build failed: {e:#}"))
}

/// Builds and returns the error message.
pub fn build_error(root: &Path) -> String {
    match credsite::build(&options(root)) {
        Ok(_) => panic!("the build should have failed"),
        Err(e) => format!("{e:#}"),
    }
}

/// Every file under `dir`: relative path → bytes.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// Copies a folder recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            fs::copy(&path, &target).unwrap();
        }
    }
}

/// Appends text to a file.
pub fn append(path: &Path, text: &str) {
    let mut current = fs::read_to_string(path).unwrap();
    current.push_str(text);
    fs::write(path, current).unwrap();
}

/// The example roster CSV of a site.
pub fn roster(root: &Path) -> PathBuf {
    root.join("content/credentials/roster-2019-2026.csv")
}

/// Runs the `credsite` binary in `root`, dated 2026-11-24 (`SOURCE_DATE_EPOCH`), with no
/// secret key from the environment.
pub fn credsite(root: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_credsite"))
        .current_dir(root)
        .args(args)
        .env_remove("CREDSITE_SECRET_KEY")
        .env("SOURCE_DATE_EPOCH", "1795478400") // 2026-11-24
        .output()
        .unwrap()
}

/// Output bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The site path of a file in the folder of the listed credential `id`
/// (`c/<shard>/<id>/<file>`); `file` "" gives the folder.
#[allow(dead_code)]
pub fn cred(id: &str, file: &str) -> String {
    format!("{}{file}", credsite::urls::credential_dir(id))
}
