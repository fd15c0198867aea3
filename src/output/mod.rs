//! Stage 6, write: where the rendered pages go.
//!
//! Two writers take the same stream of pages: [`Staging`], a folder beside the output
//! that `build` swaps into place in one step, and [`Memory`], used by `check`, tests and
//! a future preview server. Both refuse a path that climbs out of the site and a path
//! written twice (a static file that collides with a generated page, say).

pub mod limits;
pub mod manifest;
pub mod memory;
pub mod staging;

use std::sync::Mutex;

use anyhow::{Result, bail};
use rayon::prelude::*;

use crate::render::Page;
pub use memory::Memory;
pub use staging::Staging;

/// Somewhere pages can be written, from many threads at once.
pub trait Sink: Sync {
    /// Writes one page. `path` was checked by [`write`].
    fn put(&self, page: Page) -> Result<()>;
    /// Writes one page whose SHA-256 [`write`] has already computed, for a sink that
    /// needs it too (one hash per file, not two).
    fn put_hashed(&self, page: Page, _sha256: &[u8; 32]) -> Result<()> {
        self.put(page)
    }
    /// How many pages were written.
    fn count(&self) -> u64;

    /// Called before rendering: a sink that keeps the previous output (an incremental
    /// build, issue 12) takes over the files of credentials whose inputs did not change
    /// and returns which they are; they are then neither signed nor rendered.
    fn reuse(
        &self,
        _site: &crate::site::Site,
        _state: &crate::state::State,
        _issuer: &crate::issuer::Issuer,
    ) -> Result<Reused> {
        Ok(Reused::default())
    }

    /// What this sink keeps from the previous output (an incremental build): feed
    /// pages, listing pages, search shards and manifest parts made from the same
    /// inputs are not made again.
    fn kept(&self) -> Option<&dyn crate::vc::feed::Kept> {
        None
    }

    /// The files [`Sink::reuse`] and [`Sink::kept`] took over, with their
    /// SHA-256 and size, for the signed manifest.
    fn reused_files(&self) -> Vec<(String, manifest::FileEntry)> {
        Vec::new()
    }

    /// Whether the site written here gets its signed `manifest.json`: not the
    /// preview's, whose credential files are made only when asked for.
    fn takes_manifest(&self) -> bool {
        true
    }
}

/// The credentials whose files an incremental build took over ([`Sink::reuse`]), by
/// their place in the site's list.
#[derive(Debug, Default)]
pub struct Reused(Vec<bool>);

impl Reused {
    /// From a flag for each credential of the site, in its order.
    pub fn new(flags: Vec<bool>) -> Self {
        Reused(flags)
    }

    /// Whether the site's credential at `index` was taken over.
    pub fn contains(&self, index: usize) -> bool {
        self.0.get(index).copied().unwrap_or(false)
    }

    /// How many were.
    pub fn count(&self) -> usize {
        self.0.iter().filter(|taken| **taken).count()
    }
}

/// Writes every page of `pages` into `sink`, stopping at the first error. Returns
/// each page's path, SHA-256 and size, for the manifest. `expected` is how many pages
/// there may be: the list gets that much room at once. (Collected in parallel, the
/// list would be held twice at the end, its pieces and the whole: about 200 MB at a
/// million credentials. Room reserved and never used is not touched, so it costs no
/// memory.)
pub fn write(
    pages: impl ParallelIterator<Item = Result<Page>>,
    sink: &impl Sink,
    expected: usize,
) -> Result<manifest::Written> {
    let files = Mutex::new(Vec::with_capacity(expected));
    pages.try_for_each(|page| -> Result<()> {
        let page = page?;
        check_path(&page.path)?;
        let entry = manifest::FileEntry::of(&page.bytes);
        let path = page.path.clone();
        sink.put_hashed(page, &entry.sha256)?;
        files.lock().expect("not poisoned").push((path, entry));
        Ok(())
    })?;
    Ok(manifest::Written {
        files: files.into_inner().expect("not poisoned"),
    })
}

/// Refuses a site path that is empty, absolute, or has empty, `.` or `..` parts.
pub fn check_path(path: &str) -> Result<()> {
    if path.is_empty()
        || path.contains('\\')
        || path
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
    {
        bail!("refusing to write outside the site: {path:?}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_paths_outside_the_site() {
        for path in [
            "../x",
            "/etc/passwd",
            "a/../../x",
            "",
            "a//b",
            "a\\..\\b",
            "./x",
        ] {
            assert!(check_path(path).is_err(), "{path}");
        }
        assert!(check_path("credentials/a/index.html").is_ok());
        assert!(check_path(".well-known/did.json").is_ok());
    }

    #[test]
    fn a_path_written_twice_is_an_error() {
        let memory = Memory::new();
        let pages = vec![
            Ok(Page {
                path: "a.html".into(),
                bytes: b"1".to_vec(),
            }),
            Ok(Page {
                path: "a.html".into(),
                bytes: b"2".to_vec(),
            }),
        ];
        let err = write(pages.into_par_iter(), &memory, 0).unwrap_err();
        assert!(err.to_string().contains("a.html is written twice"), "{err}");
    }
}
