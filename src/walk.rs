//! Listing input files: one walker for content, templates and static files.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use walkdir::WalkDir;

/// Which hidden files (names starting with '.') a walk lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hidden {
    /// Skip them: for content and templates, where they are editor swap files.
    Skip,
    /// List them, except version-control folders: for `static/`, where
    /// `.well-known/` or `.htaccess` are meant to be published.
    Include,
}

/// Version-control folders, never published.
const VCS_DIRS: [&str; 3] = [".git", ".hg", ".svn"];

/// Every file under `dir` (recursively, in sorted order). A missing `dir` has no files.
pub fn files(dir: &Path, hidden: Hidden) -> Result<Vec<PathBuf>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let skip = |e: &walkdir::DirEntry| {
        if e.depth() == 0 {
            return false;
        }
        let name = e.file_name().to_string_lossy();
        match hidden {
            Hidden::Skip => name.starts_with('.'),
            Hidden::Include => VCS_DIRS.contains(&name.as_ref()),
        }
    };
    let mut out = Vec::new();
    for entry in WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !skip(e))
    {
        let entry = entry.with_context(|| format!("cannot read folder {}", dir.display()))?;
        if entry.file_type().is_file() {
            out.push(entry.into_path());
        }
    }
    Ok(out)
}

/// The credential folders of a built site, `c/<shard>/<slug>/`, in sorted order,
/// each with its slug.
pub fn credential_folders(public: &Path) -> Result<Vec<(PathBuf, String)>> {
    let top = public.join(crate::urls::CREDENTIALS_DIR);
    let mut out = Vec::new();
    let read = |dir: &Path| -> Result<Vec<PathBuf>> {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        Ok(dirs)
    };
    for shard in read(&top)? {
        for folder in read(&shard)? {
            let slug = folder
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            out.push((folder, slug));
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
        for rel in [
            "b.md",
            "a/c.md",
            ".hidden.md",
            ".git/x.md",
            ".hg/y",
            ".svn/z",
            "a/.swp",
            ".well-known/security.txt",
        ] {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let list = |hidden| -> Vec<String> {
            files(dir.path(), hidden)
                .unwrap()
                .iter()
                .map(|p| site_path(dir.path(), p))
                .collect()
        };
        assert_eq!(list(Hidden::Skip), ["a/c.md", "b.md"]);
        assert_eq!(
            list(Hidden::Include),
            [
                ".hidden.md",
                ".well-known/security.txt",
                "a/.swp",
                "a/c.md",
                "b.md"
            ]
        );
        assert!(
            files(&dir.path().join("missing"), Hidden::Skip)
                .unwrap()
                .is_empty()
        );
    }
}
