//! The staging writer: pages go into a folder beside the output folder, and only
//! once the whole site is written do they reach the output folder, so a failed build
//! never leaves a half-written site. A lock keeps two builds of one site apart.
//!
//! Two ways in:
//!
//! - [`Staging::commit`] (a full build): the staging folder is the whole new site, and
//!   is swapped into place by renaming folders; the previous site is removed after.
//! - [`Staging::apply`] (an incremental build, issue 12): the staging folder holds only
//!   the files that changed, and the output folder keeps the rest where it is. The
//!   files to remove are first written to a journal beside the output folder
//!   (`.<name>.apply`); then the removed files go, the staged files are renamed into
//!   place one by one, and the journal is removed. A build that dies in between
//!   leaves the journal and the staging folder, and the next build (or `credsite
//!   build` started by anyone) finishes the move before anything else, so the output
//!   folder only ever holds a whole previous site, or a whole new one after that.

use std::cell::RefCell;
use std::fs;
use std::io::{ErrorKind, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result, anyhow};

use super::Sink;
use crate::error::Error;
use crate::render::Page;

/// A staging folder for the output folder `target`, holding the build lock.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    target: PathBuf,
    old: PathBuf,
    journal: PathBuf,
    files: AtomicU64,
    /// Held until the staging folder is committed or dropped.
    _lock: fs::File,
}

impl Staging {
    /// Takes the build lock of `target` (`.<name>.lock` beside it) and creates an empty
    /// staging folder (`.<name>.staging`). Fails with [`Error::Busy`] if another build
    /// holds the lock.
    pub fn create(target: &Path) -> Result<Staging> {
        let name = target
            .file_name()
            .with_context(|| format!("{} is not a folder name", target.display()))?
            .to_string_lossy()
            .into_owned();
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        let lock = lock(&parent.join(format!(".{name}.lock")))?;
        let dir = parent.join(format!(".{name}.staging"));
        let old = parent.join(format!(".{name}.old"));
        let journal = parent.join(format!(".{name}.apply"));
        // A build that crashed while applying its changed files: finish it first (its
        // staging folder holds the files still to move).
        if journal.exists() {
            finish_apply(&journal, &dir, target).with_context(|| {
                format!(
                    "cannot finish the interrupted update of {} recorded in {}",
                    target.display(),
                    journal.display()
                )
            })?;
        }
        // A build that crashed between moving the old site aside and moving the new one
        // in left the previous site here: put it back before anything else.
        if !target.exists() && old.exists() {
            fs::rename(&old, target).with_context(|| {
                format!(
                    "cannot restore the previous site from {} to {}",
                    old.display(),
                    target.display()
                )
            })?;
        }
        if dir.exists() {
            fs::remove_dir_all(&dir).with_context(|| {
                format!("cannot remove the old staging folder {}", dir.display())
            })?;
        }
        fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Staging {
            dir,
            target: target.to_path_buf(),
            old,
            journal,
            files: AtomicU64::new(0),
            _lock: lock,
        })
    }

    /// Moves the staging folder into place. The previous site is moved aside first and
    /// removed only once the new one is in place; if the swap fails it is put back, and
    /// if even that fails the error says where it is. It is never deleted before.
    pub fn commit(self) -> Result<()> {
        let Staging {
            dir, target, old, ..
        } = &self;
        if old.exists() {
            remove_tree(old).with_context(|| format!("cannot remove {}", old.display()))?;
        }
        let had_old = target.exists();
        if had_old {
            fs::rename(target, old)
                .with_context(|| format!("cannot move {} aside", target.display()))?;
        }
        if let Err(e) = fs::rename(dir, target) {
            let swap = anyhow!(e).context(format!(
                "cannot move the new site into {}",
                target.display()
            ));
            if had_old && let Err(restore) = fs::rename(old, target) {
                return Err(swap.context(format!(
                    "and cannot put the previous site back ({restore}): it is kept at {}; move it back with `mv {} {}`",
                    old.display(),
                    old.display(),
                    target.display()
                )));
            }
            let _ = fs::remove_dir_all(dir);
            return Err(swap);
        }
        if had_old {
            remove_tree(old).with_context(|| {
                format!(
                    "the new site is in place, but the previous one at {} cannot be removed",
                    old.display()
                )
            })?;
        }
        Ok(())
    }

    /// Updates the output folder in place with the files of the staging folder (which
    /// holds only what changed), and removes the files at `remove` (site paths of the
    /// previous site that the new one does not have). The rest of the output folder is
    /// left as it is, modification times included. See the module documentation for
    /// what happens if the process dies half-way.
    pub fn apply(self, remove: &[String]) -> Result<()> {
        let tmp = self.journal.with_extension("apply.tmp");
        let text = serde_json::to_vec(remove).expect("strings serialize");
        fs::File::create(&tmp)
            .and_then(|mut f| f.write_all(&text).and_then(|()| f.sync_all()))
            .and_then(|()| fs::rename(&tmp, &self.journal))
            .with_context(|| format!("cannot write {}", self.journal.display()))?;
        finish_apply(&self.journal, &self.dir, &self.target)
    }

    /// Removes the staging folder after a failed build; the previous site is untouched.
    pub fn abandon(self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

impl Staging {
    /// Writes one page and returns the written file's metadata (its modification
    /// time, for the incremental build's cache), read from the open file.
    pub fn put_file(&self, page: Page) -> Result<fs::Metadata> {
        let path = self.dir.join(&page.path);
        make_folder_first(&path);
        let file = in_its_folder(&path, || {
            fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
        })?;
        let mut file = match file {
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                return Err(anyhow!("{} is written twice", page.path)).context(
                    "a file under static/ has the path of a page credsite makes: rename or remove it",
                );
            }
            other => other.with_context(|| format!("cannot create {}", path.display()))?,
        };
        file.write_all(&page.bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
        self.files.fetch_add(1, Ordering::Relaxed);
        file.metadata()
            .with_context(|| format!("cannot read {}", path.display()))
    }
}

impl Sink for Staging {
    fn put(&self, page: Page) -> Result<()> {
        self.put_file(page).map(drop)
    }

    fn count(&self) -> u64 {
        self.files.load(Ordering::Relaxed)
    }
}

/// Takes an exclusive lock on `path`, writing this process's id into it.
fn lock(path: &Path) -> Result<fs::File> {
    let mut file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .with_context(|| format!("cannot open the lock file {}", path.display()))?;
    // A lock just released can still be held for a moment by a child process that
    // another thread of this process forked (the file descriptor is closed only when
    // the child execs): retry briefly before calling the site busy.
    let mut attempt = 0;
    let locked = loop {
        match file.try_lock() {
            Err(fs::TryLockError::WouldBlock) if attempt < 20 => {
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            other => break other,
        }
    };
    match locked {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            return Err(Error::Busy {
                lock: path.to_path_buf(),
                pid: text.trim().parse().ok(),
            }
            .into());
        }
        Err(fs::TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("cannot lock {}", path.display()));
        }
    }
    file.set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| write!(file, "{}", std::process::id()))
        .and_then(|()| file.flush())
        .with_context(|| format!("cannot write the lock file {}", path.display()))?;
    Ok(file)
}

/// Carries out the journal of [`Staging::apply`]: removes the files it lists (and the
/// folders that leaves empty), moves every file of `staging` into `target`, then
/// removes `staging` and the journal. Running it twice is harmless.
fn finish_apply(journal: &Path, staging: &Path, target: &Path) -> Result<()> {
    use rayon::prelude::*;
    let text = fs::read(journal).with_context(|| format!("cannot read {}", journal.display()))?;
    let remove: Vec<String> = serde_json::from_slice(&text)
        .with_context(|| format!("{} is not a list of site paths", journal.display()))?;
    for path in &remove {
        super::check_path(path)?;
        let file = target.join(path);
        match fs::remove_file(&file) {
            Err(e) if e.kind() != ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("cannot remove {}", file.display()));
            }
            _ => {}
        }
        // The folders this leaves empty (a removed credential's): a clean build would
        // not have them.
        let mut folder = file.parent();
        while let Some(dir) = folder {
            if dir == target || fs::remove_dir(dir).is_err() {
                break;
            }
            folder = dir.parent();
        }
    }
    let mut files = Vec::new();
    if staging.exists() {
        staged_files(staging, String::new(), &mut files)
            .with_context(|| format!("cannot read {}", staging.display()))?;
    }
    files.par_iter().try_for_each(|path| {
        let (from, to) = (staging.join(path), target.join(path));
        in_its_folder(&to, || fs::rename(&from, &to))?
            .with_context(|| format!("cannot move {} to {}", from.display(), to.display()))
    })?;
    if staging.exists() {
        fs::remove_dir_all(staging)
            .with_context(|| format!("cannot remove {}", staging.display()))?;
    }
    fs::remove_file(journal).with_context(|| format!("cannot remove {}", journal.display()))
}

thread_local! {
    /// The folder of the last file this thread made.
    static LAST_FOLDER: RefCell<PathBuf> = const { RefCell::new(PathBuf::new()) };
}

/// Before the first file of a folder other than the last one this thread wrote in,
/// makes that folder if its parent is there. The staging folder starts empty and a
/// credential's files come one after the other from one thread, so each credential
/// folder costs one `mkdir`, not an open that fails for want of it and then a
/// `mkdir`. Any failure is left to [`in_its_folder`], which makes the whole path
/// when the file cannot be made.
fn make_folder_first(path: &Path) {
    let Some(folder) = path.parent() else { return };
    let new = LAST_FOLDER.with_borrow_mut(|last| {
        if last.as_path() == folder {
            return false;
        }
        last.clear();
        last.push(folder);
        true
    });
    if new {
        let _ = fs::create_dir(folder);
    }
}

/// Runs `make`, which makes the file `path`; if that fails for want of its folder,
/// creates the folder and runs `make` again. One system call per file instead of a
/// stat of every parent. The error is `make`'s, or the folder's.
fn in_its_folder<T>(
    path: &Path,
    make: impl Fn() -> std::io::Result<T>,
) -> Result<std::io::Result<T>> {
    match make() {
        Err(e) if e.kind() == ErrorKind::NotFound => {
            let parent = path.parent().expect("a file inside a folder");
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
            Ok(make())
        }
        other => Ok(other),
    }
}

/// The files under `dir` (site paths, after `prefix`).
fn staged_files(dir: &Path, prefix: String, files: &mut Vec<String>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        if entry.file_type()?.is_dir() {
            staged_files(&entry.path(), path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
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

    fn page(path: &str, bytes: &[u8]) -> Page {
        Page {
            path: path.into(),
            bytes: bytes.to_vec(),
        }
    }

    /// No staging folder, previous site or journal is left beside the site.
    fn assert_nothing_left_beside(dir: &Path) {
        let left: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            !left
                .iter()
                .any(|n| n.contains("staging") || n.contains(".old") || n.contains(".apply")),
            "{left:?}"
        );
    }

    #[test]
    fn swaps_in_new_site_and_keeps_old_one_on_failure() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        let staging = Staging::create(&target).unwrap();
        staging.put(page("a/index.html", b"one")).unwrap();
        staging.commit().unwrap();
        assert_eq!(fs::read(target.join("a/index.html")).unwrap(), b"one");

        let staging = Staging::create(&target).unwrap();
        staging.put(page("b.html", b"two")).unwrap();
        staging.abandon();
        assert_eq!(fs::read(target.join("a/index.html")).unwrap(), b"one");
        assert!(!target.join("b.html").exists());
        assert_nothing_left_beside(tmp.path());
    }

    #[test]
    fn a_second_build_is_refused_while_the_first_holds_the_lock() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        let first = Staging::create(&target).unwrap();
        let err = Error::from(Staging::create(&target).unwrap_err());
        assert_eq!(
            err.to_string().lines().next().unwrap(),
            format!(
                "another build of this site is running (pid {})",
                std::process::id()
            )
        );
        assert_eq!(err.exit_code(), 2);
        first.put(page("x", b"1")).unwrap();
        first.commit().unwrap();
        Staging::create(&target).unwrap().abandon();
    }

    #[test]
    fn files_go_into_new_folders_and_into_a_folder_made_by_an_earlier_staging() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        let staging = Staging::create(&target).unwrap();
        staging.put(page("c/ab/x/credential.json", b"1")).unwrap();
        staging.put(page("c/ab/x/index.html", b"2")).unwrap();
        staging.put(page("c/ab/y/index.html", b"3")).unwrap();
        staging.commit().unwrap();
        // This thread last wrote in `c/ab/y/` of the previous staging folder, at the
        // same path as in this one, where it does not exist yet.
        let staging = Staging::create(&target).unwrap();
        staging.put(page("c/ab/y/credential.json", b"4")).unwrap();
        staging.commit().unwrap();
        assert_eq!(
            fs::read(target.join("c/ab/y/credential.json")).unwrap(),
            b"4"
        );
        assert!(!target.join("c/ab/x").exists());
    }

    #[test]
    fn a_previous_site_left_aside_by_a_crash_is_restored() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        // As if a build had moved public/ aside and then died.
        let old = tmp.path().join(".public.old");
        fs::create_dir(&old).unwrap();
        fs::write(old.join("index.html"), "previous").unwrap();
        let staging = Staging::create(&target).unwrap();
        assert_eq!(
            fs::read_to_string(target.join("index.html")).unwrap(),
            "previous",
            "restored before the build starts"
        );
        staging.abandon();
        assert_eq!(
            fs::read_to_string(target.join("index.html")).unwrap(),
            "previous"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_failed_swap_puts_the_previous_site_back() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        let staging = Staging::create(&target).unwrap();
        staging.put(page("index.html", b"one")).unwrap();
        staging.commit().unwrap();
        let staging = Staging::create(&target).unwrap();
        staging.put(page("index.html", b"two")).unwrap();
        // Make the swap fail: the staging folder vanishes before the rename.
        fs::remove_dir_all(&staging.dir).unwrap();
        let err = staging.commit().unwrap_err();
        assert!(
            format!("{err:#}").contains("cannot move the new site into"),
            "{err:#}"
        );
        assert_eq!(fs::read(target.join("index.html")).unwrap(), b"one");
    }

    #[test]
    fn apply_updates_in_place_and_keeps_untouched_files() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        let staging = Staging::create(&target).unwrap();
        staging.put(page("index.html", b"one")).unwrap();
        staging.put(page("c/ab/x/index.html", b"x")).unwrap();
        staging.put(page("c/cd/y/index.html", b"y")).unwrap();
        staging.commit().unwrap();
        let kept = fs::metadata(target.join("c/ab/x/index.html")).unwrap();
        let kept_inode = std::os::unix::fs::MetadataExt::ino(&kept);

        let staging = Staging::create(&target).unwrap();
        staging.put(page("index.html", b"two")).unwrap();
        staging.put(page("c/ef/z/index.html", b"z")).unwrap();
        staging.apply(&["c/cd/y/index.html".to_string()]).unwrap();
        assert_eq!(fs::read(target.join("index.html")).unwrap(), b"two");
        assert_eq!(fs::read(target.join("c/ef/z/index.html")).unwrap(), b"z");
        assert!(
            !target.join("c/cd/y").exists(),
            "the emptied folders go too"
        );
        assert!(!target.join("c/cd").exists());
        let after = fs::metadata(target.join("c/ab/x/index.html")).unwrap();
        assert_eq!(std::os::unix::fs::MetadataExt::ino(&after), kept_inode);
        assert_eq!(after.modified().unwrap(), kept.modified().unwrap());
        assert_nothing_left_beside(tmp.path());
    }

    #[test]
    fn an_update_cut_short_is_finished_by_the_next_build() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        let staging = Staging::create(&target).unwrap();
        staging.put(page("a.html", b"old a")).unwrap();
        staging.put(page("b.html", b"old b")).unwrap();
        staging.put(page("gone/index.html", b"gone")).unwrap();
        staging.commit().unwrap();
        // As if a build had written its journal, moved a.html in, and died.
        let staging_dir = tmp.path().join(".public.staging");
        fs::create_dir_all(staging_dir.join("new")).unwrap();
        fs::write(staging_dir.join("b.html"), "new b").unwrap();
        fs::write(staging_dir.join("new/index.html"), "new").unwrap();
        fs::write(target.join("a.html"), "new a").unwrap();
        fs::write(tmp.path().join(".public.apply"), r#"["gone/index.html"]"#).unwrap();

        let staging = Staging::create(&target).unwrap();
        for (path, text) in [
            ("a.html", "new a"),
            ("b.html", "new b"),
            ("new/index.html", "new"),
        ] {
            assert_eq!(
                fs::read_to_string(target.join(path)).unwrap(),
                text,
                "{path}"
            );
        }
        assert!(!target.join("gone").exists());
        assert!(!tmp.path().join(".public.apply").exists());
        staging.abandon();
        assert_eq!(fs::read_to_string(target.join("b.html")).unwrap(), "new b");

        // A journal that is not one is an error, not a guess.
        fs::write(tmp.path().join(".public.apply"), "garbage").unwrap();
        let err = Staging::create(&target).unwrap_err();
        assert!(
            format!("{err:#}").contains("cannot finish the interrupted update"),
            "{err:#}"
        );
        // Nor does it remove files outside the site.
        fs::write(tmp.path().join(".public.apply"), r#"["../secret"]"#).unwrap();
        fs::write(tmp.path().join("secret"), "s").unwrap();
        assert!(Staging::create(&target).is_err());
        assert!(tmp.path().join("secret").exists());
    }

    #[test]
    fn a_path_written_twice_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let staging = Staging::create(&tmp.path().join("public")).unwrap();
        staging.put(page("feed.json", b"1")).unwrap();
        let err = staging.put(page("feed.json", b"2")).unwrap_err();
        assert!(
            format!("{err:#}").contains("feed.json is written twice"),
            "{err:#}"
        );
        staging.abandon();
    }
}
