//! Helpers shared by the integration tests: fixture sites in temporary folders.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

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
    fs::copy(
        repo().join("credsite.toml"),
        dir.path().join("credsite.toml"),
    )
    .unwrap();
    copy_dir(&repo().join("content"), &dir.path().join("content"));
    copy_dir(&repo().join("static"), &dir.path().join("static"));
    dir
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
