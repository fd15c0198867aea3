//! Listing input files: one walker for content, templates and static files.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use walkdir::WalkDir;

/// Every file under `dir` (recursively, in sorted order), skipping hidden files and
/// folders (names starting with '.', such as editor swap files). A missing `dir`
/// has no files.
pub fn files(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let hidden =
        |e: &walkdir::DirEntry| e.depth() > 0 && e.file_name().to_string_lossy().starts_with('.');
    let mut out = Vec::new();
    for entry in WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !hidden(e))
    {
        let entry = entry.with_context(|| format!("cannot read folder {}", dir.display()))?;
        if entry.file_type().is_file() {
            out.push(entry.into_path());
        }
    }
    Ok(out)
}

/// `path` relative to `dir`, with '/' separators (a site path).
pub fn site_path(dir: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(dir).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_visible_files_sorted() {
        let dir = tempfile::tempdir().unwrap();
        for rel in ["b.md", "a/c.md", ".hidden.md", ".git/x.md", "a/.swp"] {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let found: Vec<String> = files(dir.path())
            .unwrap()
            .iter()
            .map(|p| site_path(dir.path(), p))
            .collect();
        assert_eq!(found, ["a/c.md", "b.md"]);
        assert!(files(&dir.path().join("missing")).unwrap().is_empty());
    }
}
