//! Writing the built site: into a staging folder beside the output folder, then
//! swapped into place, so a failed build never leaves a half-written site.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result, bail};

/// Where rendered files go.
pub enum Sink {
    /// A staging folder on disk, swapped into place by [`Sink::commit`].
    Staging {
        /// The staging folder.
        dir: PathBuf,
        /// The folder it will replace.
        target: PathBuf,
        /// Files written.
        files: AtomicU64,
    },
    /// Nowhere: `check` renders everything and counts it.
    Discard {
        /// Files rendered.
        files: AtomicU64,
    },
}

impl Sink {
    /// A staging folder beside `target` (e.g. `.public.staging`), emptied first.
    pub fn staging(target: &Path) -> Result<Sink> {
        let name = target
            .file_name()
            .with_context(|| format!("{} is not a folder name", target.display()))?;
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        let dir = parent.join(format!(".{}.staging", name.to_string_lossy()));
        if dir.exists() {
            fs::remove_dir_all(&dir).with_context(|| {
                format!("cannot remove the old staging folder {}", dir.display())
            })?;
        }
        fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Sink::Staging {
            dir,
            target: target.to_path_buf(),
            files: AtomicU64::new(0),
        })
    }

    /// A sink that keeps nothing.
    pub fn discard() -> Sink {
        Sink::Discard {
            files: AtomicU64::new(0),
        }
    }

    /// Writes one file at `rel` (a '/'-separated path inside the site).
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        if rel
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..")
        {
            bail!("refusing to write outside the site: {rel:?}");
        }
        match self {
            Sink::Staging { dir, files, .. } => {
                let path = dir.join(rel);
                // Create the folder only when the first write into it fails: one
                // system call per file instead of a stat of every parent.
                let written = match fs::write(&path, bytes) {
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        let parent = path.parent().expect("a file inside the staging folder");
                        fs::create_dir_all(parent)
                            .with_context(|| format!("cannot create {}", parent.display()))?;
                        fs::write(&path, bytes)
                    }
                    other => other,
                };
                written.with_context(|| format!("cannot write {}", path.display()))?;
                files.fetch_add(1, Ordering::Relaxed);
            }
            Sink::Discard { files } => {
                files.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(())
    }

    /// How many files were written.
    pub fn files(&self) -> u64 {
        match self {
            Sink::Staging { files, .. } | Sink::Discard { files } => files.load(Ordering::Relaxed),
        }
    }

    /// Moves the staging folder into place. The old output is kept until the new one
    /// is in place, then removed.
    pub fn commit(self) -> Result<()> {
        let Sink::Staging { dir, target, .. } = self else {
            return Ok(());
        };
        let old = dir.with_file_name(format!(
            ".{}.old",
            target.file_name().unwrap_or_default().to_string_lossy()
        ));
        if old.exists() {
            fs::remove_dir_all(&old).with_context(|| format!("cannot remove {}", old.display()))?;
        }
        let had_old = target.exists();
        if had_old {
            fs::rename(&target, &old)
                .with_context(|| format!("cannot move {} aside", target.display()))?;
        }
        if let Err(e) = fs::rename(&dir, &target) {
            if had_old {
                let _ = fs::rename(&old, &target);
            }
            return Err(e)
                .with_context(|| format!("cannot move the new site into {}", target.display()));
        }
        if had_old {
            remove_tree(&old)
                .with_context(|| format!("cannot remove the previous site at {}", old.display()))?;
        }
        Ok(())
    }

    /// Removes the staging folder after a failed build.
    pub fn abandon(self) {
        if let Sink::Staging { dir, .. } = self {
            let _ = fs::remove_dir_all(dir);
        }
    }
}

/// Removes a folder tree, the folders two levels down in parallel (a site has one
/// per credential under `credentials/`).
fn remove_tree(dir: &Path) -> std::io::Result<()> {
    use rayon::prelude::*;
    let mut subdirs = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            for inner in fs::read_dir(&path)? {
                subdirs.push(inner?.path());
            }
        }
    }
    subdirs
        .par_iter()
        .filter(|p| p.is_dir())
        .try_for_each(fs::remove_dir_all)?;
    fs::remove_dir_all(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swaps_in_new_site_and_keeps_old_one_on_failure() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        let sink = Sink::staging(&target).unwrap();
        sink.write("a/index.html", b"one").unwrap();
        sink.commit().unwrap();
        assert_eq!(fs::read(target.join("a/index.html")).unwrap(), b"one");

        let sink = Sink::staging(&target).unwrap();
        sink.write("b.html", b"two").unwrap();
        sink.abandon();
        assert_eq!(fs::read(target.join("a/index.html")).unwrap(), b"one");
        assert!(!target.join("b.html").exists());
        assert_eq!(
            fs::read_dir(tmp.path()).unwrap().count(),
            1,
            "no staging folder left behind"
        );
    }

    #[test]
    fn refuses_paths_outside_the_site() {
        let sink = Sink::discard();
        for rel in ["../x", "/etc/passwd", "a/../../x", ""] {
            assert!(sink.write(rel, b"").is_err(), "{rel}");
        }
    }
}
