//! Watching the site's inputs for `credsite serve`: `notify` with
//! `notify-debouncer-full` (which stitches editors' rename-on-save events together),
//! native events or polling (`--poll`).
//!
//! Watched: `credsite.toml`, the state file, `content/`, `static/`, `templates/` and
//! `themes/`. Never the output folder nor `keys/`. The site root itself is watched
//! without recursion, so that a folder deleted and created again is noticed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use anyhow::{Context, Result};
use notify::{PollWatcher, RecommendedWatcher, RecursiveMode, Watcher};
use notify_debouncer_full::{
    DebounceEventResult, Debouncer, FileIdCache, FileIdMap, RecommendedCache, new_debouncer_opt,
};

use crate::config::CONFIG_FILE;
use crate::state::STATE_FILE;

/// The input folders watched recursively.
pub const FOLDERS: [&str; 4] = ["content", "static", "templates", "themes"];

/// How long the debouncer waits for more events before it reports a batch: enough to
/// stitch an editor's rename-on-save events together, which come at once. It adds to
/// every save's wait for the reload, so it is short.
const DEBOUNCE: Duration = Duration::from_millis(20);

/// A watcher of one site's inputs.
pub struct SiteWatcher {
    root: PathBuf,
    inner: Inner,
    watched: BTreeSet<PathBuf>,
    events: Receiver<DebounceEventResult>,
}

enum Inner {
    Native(Debouncer<RecommendedWatcher, RecommendedCache>),
    Poll(Debouncer<PollWatcher, FileIdMap>),
}

impl SiteWatcher {
    /// Starts watching the site at `root`; `poll` polls every 300 ms instead of
    /// using native events.
    pub fn new(root: &Path, poll: bool) -> Result<SiteWatcher> {
        let (sender, events) = std::sync::mpsc::channel();
        let inner = if poll {
            let config = notify::Config::default()
                .with_poll_interval(Duration::from_millis(300))
                .with_compare_contents(true);
            Inner::Poll(new_debouncer_opt::<_, PollWatcher, _>(
                DEBOUNCE,
                None,
                sender,
                FileIdMap::new(),
                config,
            )?)
        } else {
            Inner::Native(new_debouncer_opt::<_, RecommendedWatcher, _>(
                DEBOUNCE,
                None,
                sender,
                RecommendedCache::new(),
                notify::Config::default(),
            )?)
        };
        let mut watcher = SiteWatcher {
            root: root.to_path_buf(),
            inner,
            watched: BTreeSet::new(),
            events,
        };
        watcher.watch(root, RecursiveMode::NonRecursive)?;
        watcher.refresh();
        Ok(watcher)
    }

    fn watch(&mut self, path: &Path, mode: RecursiveMode) -> Result<()> {
        match &mut self.inner {
            Inner::Native(d) => watch(d, path, mode),
            Inner::Poll(d) => watch(d, path, mode),
        }
        .with_context(|| format!("cannot watch {}", path.display()))?;
        self.watched.insert(path.to_path_buf());
        Ok(())
    }

    /// Watches input folders that appeared since the last call (a `content/` created
    /// again after it was deleted); forgets the ones that are gone.
    pub fn refresh(&mut self) {
        for folder in FOLDERS {
            let path = self.root.join(folder);
            if path.is_dir() {
                if !self.watched.contains(&path) {
                    // A folder deleted right now fails to watch: the next event retries.
                    let _ = self.watch(&path, RecursiveMode::Recursive);
                }
            } else if self.watched.remove(&path) {
                let _ = match &mut self.inner {
                    Inner::Native(d) => d.unwatch(&path),
                    Inner::Poll(d) => d.unwatch(&path),
                };
            }
        }
    }

    /// Waits for the next change to the site's inputs; then keeps draining events
    /// until none arrived for `quiet`, so that a burst (a `git checkout` touching 1,000
    /// files) gives one rebuild. Returns the changed paths, or `None` if the watcher
    /// stopped.
    pub fn next_change(&self, quiet: Duration) -> Option<Vec<PathBuf>> {
        loop {
            let mut changed = self.relevant(self.events.recv().ok()?);
            if changed.is_empty() {
                continue;
            }
            loop {
                match self.events.recv_timeout(quiet) {
                    Ok(more) => changed.extend(self.relevant(more)),
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => return None,
                }
            }
            changed.sort();
            changed.dedup();
            return Some(changed);
        }
    }

    fn relevant(&self, result: DebounceEventResult) -> Vec<PathBuf> {
        let Ok(events) = result else {
            return Vec::new();
        };
        events
            .iter()
            .filter(|e| !e.kind.is_access())
            .flat_map(|e| e.paths.iter())
            .filter(|p| is_input(&self.root, p))
            .cloned()
            .collect()
    }
}

fn watch<T: Watcher, C: FileIdCache>(
    debouncer: &mut Debouncer<T, C>,
    path: &Path,
    mode: RecursiveMode,
) -> notify::Result<()> {
    debouncer.watch(path, mode)
}

/// Is `path` one of the site's inputs (and not an editor's temporary file)?
pub fn is_input(root: &Path, path: &Path) -> bool {
    let Ok(relative) = path.strip_prefix(root) else {
        // Paths may come back canonicalized (macOS /private/var): compare those too.
        return match (root.canonicalize(), path.parent().map(Path::canonicalize)) {
            (Ok(root), Some(Ok(parent))) => path
                .file_name()
                .is_some_and(|name| is_input(&root, &parent.join(name))),
            _ => false,
        };
    };
    let mut parts = relative.components();
    let Some(first) = parts.next() else {
        return false;
    };
    let first = first.as_os_str();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if is_temp_file(&name) {
        return false;
    }
    if first == CONFIG_FILE || first == STATE_FILE {
        return parts.next().is_none();
    }
    FOLDERS.iter().any(|f| first == *f)
}

/// Editors' swap, backup and temporary files (as Zola's `is_temp_file`).
fn is_temp_file(name: &str) -> bool {
    name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".swo")
        || name.ends_with(".tmp")
        || name.ends_with(".kate-swp")
        || (name.starts_with(".#"))
        || (name.starts_with('#') && name.ends_with('#'))
        || name == "4913"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_told_from_outputs_keys_and_temp_files() {
        let root = Path::new("/site");
        for yes in [
            "/site/credsite.toml",
            "/site/credsite.state.json",
            "/site/content/credentials/a.csv",
            "/site/content",
            "/site/themes/x/templates/base.html",
            "/site/static/logo.svg",
            "/site/templates/credential.html",
        ] {
            assert!(is_input(root, Path::new(yes)), "{yes}");
        }
        for no in [
            "/site/public/index.html",
            "/site/.public.staging/x",
            "/site/keys/issuer.key",
            "/site/content/credentials/.a.csv.swp",
            "/site/content/credentials/a.csv~",
            "/site/content/4913",
            "/site/target/x",
            "/site",
        ] {
            assert!(!is_input(root, Path::new(no)), "{no}");
        }
    }
}
