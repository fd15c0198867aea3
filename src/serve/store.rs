//! The preview server's copy of the site: every page gzip-compressed in memory.
//!
//! Memory strategy (issue 12): a site of 100,000 credentials renders to a few GB of
//! HTML, JSON and SVG, which compress about tenfold. The server keeps each page
//! compressed (fast level) and decompresses the one page a request asks for, so peak
//! memory stays far below what the uncompressed site would take, and nothing is ever
//! written to disk.
//!
//! A rebuild takes over the stored files of every credential whose inputs did not
//! change (the keys of [`crate::incremental`]) from the previous store, so that only
//! changed credentials are signed and rendered again.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, bail};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

use rayon::prelude::*;

use crate::incremental;
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
    /// Credential id → input key of its stored files.
    keys: Mutex<HashMap<String, String>>,
    /// The store of the last site that built, whose unchanged files this one takes
    /// (then lets go of it, so that stores do not chain).
    previous: Mutex<Option<Arc<Store>>>,
}

impl Store {
    /// An empty store.
    pub fn new() -> Self {
        Store::default()
    }

    /// An empty store that takes unchanged credentials' files from `previous`.
    pub fn after(previous: Arc<Store>) -> Self {
        Store {
            previous: Mutex::new(Some(previous)),
            ..Store::default()
        }
    }

    /// Is there a page at `path`?
    pub fn contains(&self, path: &str) -> bool {
        self.pages.lock().expect("not poisoned").contains_key(path)
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

    fn count(&self) -> u64 {
        self.len() as u64
    }

    fn reuse(&self, site: &Site, state: &State, issuer: &Issuer) -> Result<HashSet<String>> {
        let global = incremental::global_key(site, issuer)?;
        let keys: HashMap<String, String> = site
            .credentials
            .par_iter()
            .map(|c| {
                let key = incremental::credential_key(&global, c, state);
                (c.id().to_string(), key)
            })
            .collect();
        let mut reused = HashSet::new();
        let previous = self.previous.lock().expect("not poisoned").take();
        if let Some(previous) = &previous {
            let old_keys = previous.keys.lock().expect("not poisoned");
            let old_pages = previous.pages.lock().expect("not poisoned");
            let mut pages = self.pages.lock().expect("not poisoned");
            for (id, key) in &keys {
                if old_keys.get(id) != Some(key) {
                    continue;
                }
                let files = incremental::credential_files(id);
                let stored: Option<Vec<Stored>> =
                    files.iter().map(|f| old_pages.get(f).cloned()).collect();
                if let Some(stored) = stored {
                    for (file, s) in files.into_iter().zip(stored) {
                        pages.insert(file, s);
                    }
                    reused.insert(id.clone());
                }
            }
        }
        *self.keys.lock().expect("not poisoned") = keys;
        Ok(reused)
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
