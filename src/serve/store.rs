//! The preview server's copy of the site: every page gzip-compressed in memory.
//!
//! Memory strategy (issue 12): a site of 100,000 credentials renders to about 5 GB of
//! HTML, JSON and SVG, and a credential page (which embeds its signed document and the
//! verifier) compresses only about 2.6 times: kept compressed, the site took 2 GB and
//! the server peaked at 3.4 GB. So the store keeps the site-wide pages (home, program
//! pages, feed, status lists, DID document, static files), gzip-compressed, and
//! renders a credential's three files when one of them is asked for, from the
//! resolved site kept in memory (about 10 ms a request). A rebuild then signs and
//! renders no credential at all, only the listings, so it is also quicker.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, bail};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

use crate::issuer::Issuer;
use crate::output::Sink;
use crate::render::Page;
use crate::site::Site;
use crate::state::State;

/// Pages smaller than this are kept as they are: compressing them saves nothing.
const COMPRESS_FROM: usize = 512;

/// One stored page, shared with the next store when it did not change.
#[derive(Debug, Clone)]
enum Stored {
    Plain(Arc<[u8]>),
    Gzip(Arc<[u8]>),
}

/// The site's pages by path, compressed, filled from many threads by the render stage.
#[derive(Debug, Default)]
pub struct Store {
    pages: Mutex<HashMap<String, Stored>>,
    /// In a lazy store: each credential file's path → the credential's index in
    /// `site.credentials`. Those files are not rendered with the site.
    lazy: Option<Mutex<HashMap<String, usize>>>,
}

impl Store {
    /// An empty store.
    pub fn new() -> Self {
        Store::default()
    }

    /// An empty store that leaves credentials' files to be rendered on request
    /// ([`Store::lazy_credential`]).
    pub fn lazy() -> Self {
        Store {
            lazy: Some(Mutex::default()),
            ..Store::default()
        }
    }

    /// In a lazy store, the index (in `site.credentials`) of the credential that
    /// `path` is a file of.
    pub fn lazy_credential(&self, path: &str) -> Option<usize> {
        self.lazy
            .as_ref()?
            .lock()
            .expect("not poisoned")
            .get(path)
            .copied()
    }

    /// Is there a page at `path` (stored, or rendered on request)?
    pub fn contains(&self, path: &str) -> bool {
        self.pages.lock().expect("not poisoned").contains_key(path)
            || self.lazy_credential(path).is_some()
    }

    /// The bytes of the page at `path`, decompressed.
    pub fn get(&self, path: &str) -> Option<Vec<u8>> {
        let pages = self.pages.lock().expect("not poisoned");
        match pages.get(path)? {
            Stored::Plain(bytes) => Some(bytes.to_vec()),
            Stored::Gzip(gz) => {
                let gz = gz.clone();
                drop(pages);
                let mut out = Vec::with_capacity(gz.len() * 8);
                GzDecoder::new(&gz[..]).read_to_end(&mut out).ok()?;
                Some(out)
            }
        }
    }

    /// The paths of every page, sorted.
    pub fn paths(&self) -> Vec<String> {
        let mut paths: Vec<String> = self
            .pages
            .lock()
            .expect("not poisoned")
            .keys()
            .cloned()
            .collect();
        paths.sort();
        paths
    }

    /// How many pages the store holds.
    pub fn len(&self) -> usize {
        self.pages.lock().expect("not poisoned").len()
    }

    /// Is the store empty?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Compressed bytes held, for the summary line.
    pub fn stored_bytes(&self) -> usize {
        let pages = self.pages.lock().expect("not poisoned");
        pages
            .values()
            .map(|s| match s {
                Stored::Plain(b) | Stored::Gzip(b) => b.len(),
            })
            .sum()
    }
}

impl Sink for Store {
    fn put(&self, page: Page) -> Result<()> {
        // Compress outside the lock: this runs on every render thread.
        let stored = if page.bytes.len() >= COMPRESS_FROM {
            let mut gz = GzEncoder::new(
                Vec::with_capacity(page.bytes.len() / 4),
                Compression::fast(),
            );
            gz.write_all(&page.bytes)
                .and_then(|()| gz.finish())
                .map(|bytes| Stored::Gzip(bytes.into()))
                .with_context(|| format!("cannot compress {}", page.path))?
        } else {
            Stored::Plain(page.bytes.into())
        };
        let mut pages = self.pages.lock().expect("not poisoned");
        match pages.entry(page.path) {
            Entry::Occupied(e) => bail!("{} is written twice", e.key()),
            Entry::Vacant(e) => {
                e.insert(stored);
                Ok(())
            }
        }
    }

    /// Stored pages and credentials' files rendered on request.
    fn count(&self) -> u64 {
        let lazy = self
            .lazy
            .as_ref()
            .map_or(0, |l| l.lock().expect("not poisoned").len());
        (self.len() + lazy) as u64
    }

    fn takes_manifest(&self) -> bool {
        self.lazy.is_none()
    }

    fn reuse(&self, site: &Site, _state: &State, _issuer: &Issuer) -> Result<HashSet<String>> {
        let Some(lazy) = &self.lazy else {
            return Ok(HashSet::new());
        };
        let mut lazy = lazy.lock().expect("not poisoned");
        let mut ids = HashSet::with_capacity(site.credentials.len());
        for (i, credential) in site.credentials.iter().enumerate() {
            for file in crate::render::credential_files(credential) {
                lazy.insert(file, i);
            }
            ids.insert(credential.id().to_string());
        }
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gives_back_the_bytes_it_was_given() {
        let store = Store::new();
        let big = "<p>credential</p>".repeat(200);
        store
            .put(Page {
                path: "a/index.html".into(),
                bytes: big.clone().into_bytes(),
            })
            .unwrap();
        store
            .put(Page {
                path: "x".into(),
                bytes: b"small".to_vec(),
            })
            .unwrap();
        assert_eq!(store.get("a/index.html").unwrap(), big.as_bytes());
        assert_eq!(store.get("x").unwrap(), b"small");
        assert!(store.stored_bytes() < big.len() / 4);
        assert!(store.get("b").is_none());
    }
}
